using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Customers;
using MPanel.Domain.DnsZones;
using MPanel.Domain.Domains;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class DnsZoneConfiguration : IEntityTypeConfiguration<DnsZone>
{
    public void Configure(EntityTypeBuilder<DnsZone> b)
    {
        b.ToTable("dns_zones");
        b.Property(z => z.Name).HasMaxLength(253);
        // One PowerDNS serves every tenant: a zone name exists once on the platform.
        b.HasIndex(z => z.Name).IsUnique();
        b.HasIndex(z => new { z.TenantId, z.CustomerId });
        // The subscription that provisioned the zone, if any (no foreign key: DNS does not depend on billing rows).
        b.HasIndex(z => z.SubscriptionId);
        b.HasOne<Tenant>().WithMany().HasForeignKey(z => z.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Customer>().WithMany().HasForeignKey(z => z.CustomerId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(z => z.Records).WithOne().HasForeignKey(r => r.ZoneId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(z => z.Records).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.Ignore(z => z.DisplayName);
        b.Ignore(z => z.Data);
        b.Ignore(z => z.RrsetKeys);
    }
}

internal sealed class DnsRecordConfiguration : IEntityTypeConfiguration<DnsRecord>
{
    public void Configure(EntityTypeBuilder<DnsRecord> b)
    {
        b.ToTable("dns_records");
        b.Property(r => r.Name).HasMaxLength(253);
        b.Property(r => r.Content).HasMaxLength(8000);
        b.HasIndex(r => new { r.ZoneId, r.Name, r.Type });
        b.Ignore(r => r.Data);
        b.Ignore(r => r.Key);
    }
}

internal sealed class DnsZoneTemplateConfiguration : IEntityTypeConfiguration<DnsZoneTemplate>
{
    public void Configure(EntityTypeBuilder<DnsZoneTemplate> b)
    {
        b.ToTable("dns_zone_templates");
        b.Property(t => t.Name).HasMaxLength(100);
        b.Property(t => t.Records).HasJsonConversion();
        b.HasIndex(t => new { t.TenantId, t.Name }).IsUnique();
        b.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RegisteredDomainConfiguration : IEntityTypeConfiguration<RegisteredDomain>
{
    public void Configure(EntityTypeBuilder<RegisteredDomain> b)
    {
        b.ToTable("registered_domains");
        b.Property(d => d.Name).HasMaxLength(253);
        b.Property(d => d.Registrar).HasMaxLength(60);
        b.Property(d => d.Nameservers).HasJsonConversion();
        b.HasIndex(d => new { d.TenantId, d.Name }).IsUnique();
        b.HasIndex(d => new { d.TenantId, d.ExpiresOn });
        b.HasOne<Tenant>().WithMany().HasForeignKey(d => d.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Customer>().WithMany().HasForeignKey(d => d.CustomerId).OnDelete(DeleteBehavior.Restrict);
        b.Ignore(d => d.DisplayName);
    }
}

internal sealed class DomainTaskConfiguration : IEntityTypeConfiguration<DomainTask>
{
    public void Configure(EntityTypeBuilder<DomainTask> b)
    {
        b.ToTable("domain_tasks");
        b.Property(t => t.Details).HasMaxLength(2000);
        b.Property(t => t.CompletedBy).HasMaxLength(200);
        b.HasIndex(t => new { t.TenantId, t.Status, t.CreatedAt });
        b.HasOne<RegisteredDomain>().WithMany().HasForeignKey(t => t.DomainId).OnDelete(DeleteBehavior.Cascade);
    }
}
