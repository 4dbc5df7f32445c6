using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Customers;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("api_keys");
        b.Property(k => k.Name).HasMaxLength(100);
        b.Property(k => k.Prefix).HasMaxLength(32);
        b.Property(k => k.SecretHash).HasMaxLength(64);
        b.Property(k => k.Scopes).HasMaxLength(500);
        b.Property(k => k.CreatedBy).HasMaxLength(256);
        b.Property(k => k.LastUsedIp).HasMaxLength(64);
        b.Ignore(k => k.ScopeList);
        // The prefix finds the key across tenants when a request presents it.
        b.HasIndex(k => k.Prefix).IsUnique();
        b.HasIndex(k => new { k.TenantId, k.CreatedAt });
        b.HasOne<Tenant>().WithMany().HasForeignKey(k => k.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ApiActivityConfiguration : IEntityTypeConfiguration<ApiActivity>
{
    public void Configure(EntityTypeBuilder<ApiActivity> b)
    {
        b.ToTable("api_activity");
        b.Property(a => a.Method).HasMaxLength(10);
        b.Property(a => a.Route).HasMaxLength(200);
        b.Property(a => a.IpAddress).HasMaxLength(64);
        b.HasIndex(a => new { a.TenantId, a.At });
        b.HasIndex(a => new { a.ApiKeyId, a.At });
        b.HasIndex(a => a.At); // retention
    }
}

internal sealed class ApiIdempotencyRecordConfiguration : IEntityTypeConfiguration<ApiIdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<ApiIdempotencyRecord> b)
    {
        b.ToTable("api_idempotency_records");
        b.Property(r => r.Key).HasMaxLength(ApiIdempotencyRecord.MaxKeyLength);
        b.Property(r => r.RequestHash).HasMaxLength(64);
        b.Property(r => r.ResponseContentType).HasMaxLength(200);
        b.Property(r => r.ResponseLocation).HasMaxLength(2000);
        // One row per key and idempotency key: the insert that wins runs the call, the other sees "in progress".
        b.HasIndex(r => new { r.ApiKeyId, r.Key }).IsUnique();
        b.HasIndex(r => r.ExpiresAt);
        b.HasOne<ApiKey>().WithMany().HasForeignKey(r => r.ApiKeyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CustomerAcquisitionConfiguration : IEntityTypeConfiguration<CustomerAcquisition>
{
    public void Configure(EntityTypeBuilder<CustomerAcquisition> b)
    {
        b.ToTable("customer_acquisitions");
        b.Property(a => a.Channel).HasMaxLength(32);
        b.Property(a => a.UtmSource).HasMaxLength(CustomerAcquisition.MaxFieldLength);
        b.Property(a => a.UtmMedium).HasMaxLength(CustomerAcquisition.MaxFieldLength);
        b.Property(a => a.UtmCampaign).HasMaxLength(CustomerAcquisition.MaxFieldLength);
        b.Property(a => a.UtmTerm).HasMaxLength(CustomerAcquisition.MaxFieldLength);
        b.Property(a => a.UtmContent).HasMaxLength(CustomerAcquisition.MaxFieldLength);
        b.Property(a => a.Referrer).HasMaxLength(CustomerAcquisition.MaxReferrerLength);
        b.HasIndex(a => a.CustomerId).IsUnique();
        b.HasIndex(a => new { a.TenantId, a.CreatedAt });
        b.HasOne<Customer>().WithMany().HasForeignKey(a => a.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}
