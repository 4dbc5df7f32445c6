using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Certificates;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class CertificateConfiguration : IEntityTypeConfiguration<Certificate>
{
    public void Configure(EntityTypeBuilder<Certificate> b)
    {
        b.ToTable("certificates");
        // PostgreSQL text[]; the entity exposes it read-only.
        b.PrimitiveCollection<List<string>>("_domains").HasColumnName("domains").IsRequired();
        b.Ignore(c => c.Domains);
        b.Ignore(c => c.PrimaryDomain);
        b.Property(c => c.Issuer).HasMaxLength(500);
        b.Property(c => c.SerialNumber).HasMaxLength(128);
        b.Property(c => c.LastError).HasMaxLength(2000);
        // ChainPem and ProtectedPrivateKey are text: a chain of several certificates, a Data Protection payload.
        b.HasIndex(c => new { c.TenantId, c.NotAfter });
        b.HasIndex(c => c.NotAfter); // the renewal job's scan across tenants
        b.HasIndex(c => c.SubscriptionId);
        b.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class AcmeAccountConfiguration : IEntityTypeConfiguration<AcmeAccount>
{
    public void Configure(EntityTypeBuilder<AcmeAccount> b)
    {
        b.ToTable("acme_accounts");
        b.Property(a => a.DirectoryUrl).HasMaxLength(500);
        b.Property(a => a.AccountUrl).HasMaxLength(500);
        b.Property(a => a.Contact).HasMaxLength(256);
        b.HasIndex(a => new { a.TenantId, a.DirectoryUrl }).IsUnique();
        b.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}
