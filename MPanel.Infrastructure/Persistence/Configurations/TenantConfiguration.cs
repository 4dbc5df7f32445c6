using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> b)
    {
        b.ToTable("tenants");
        b.Property(t => t.Name).HasMaxLength(100);
        b.Property(t => t.Slug).HasMaxLength(40);
        b.HasIndex(t => t.Slug).IsUnique();
        b.Property(t => t.DefaultCurrency).HasMaxLength(3).IsFixedLength();
        b.HasOne<Tenant>().WithMany().HasForeignKey(t => t.ParentTenantId).OnDelete(DeleteBehavior.Restrict);
        b.ComplexProperty(t => t.Limits);
        b.ComplexProperty(t => t.Branding, branding =>
        {
            branding.Property(x => x.ProductName).HasMaxLength(60);
            branding.Property(x => x.PrimaryColor).HasMaxLength(7);
            branding.Property(x => x.SecondaryColor).HasMaxLength(7);
            branding.Property(x => x.LogoUrl).HasMaxLength(500);
            branding.Property(x => x.SupportEmail).HasMaxLength(254);
        });
    }
}
