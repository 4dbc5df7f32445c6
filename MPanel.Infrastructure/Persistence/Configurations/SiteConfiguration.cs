using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Sites;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class SiteConfiguration : IEntityTypeConfiguration<Site>
{
    public void Configure(EntityTypeBuilder<Site> b)
    {
        b.ToTable("sites");
        b.Property(s => s.AccountName).HasMaxLength(16);
        b.Property(s => s.PrimaryDomain).HasMaxLength(253);
        b.Property(s => s.Aliases).HasColumnType("text[]");
        b.Property(s => s.PhpVersion).HasMaxLength(8);
        b.Property(s => s.DocumentRoot).HasMaxLength(500);
        b.Property(s => s.LastError).HasMaxLength(2000);
        b.Ignore(s => s.IsLive);
        // One live site per domain on the platform (a domain is served by one server block).
        b.HasIndex(s => s.PrimaryDomain).IsUnique().HasFilter("status <> 'Deleted'");
        b.HasIndex(s => s.AccountName);
        b.HasIndex(s => s.SubscriptionId).HasFilter("subscription_id IS NOT NULL");
        b.HasIndex(s => new { s.TenantId, s.CreatedAt });
        b.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}
