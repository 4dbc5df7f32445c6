using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class ContactRequestConfiguration : IEntityTypeConfiguration<ContactRequest>
{
    public void Configure(EntityTypeBuilder<ContactRequest> b)
    {
        b.ToTable("contact_requests");
        b.Property(c => c.Name).HasMaxLength(ContactRequest.MaxNameLength);
        b.Property(c => c.Email).HasMaxLength(ContactRequest.MaxEmailLength);
        b.Property(c => c.Subject).HasMaxLength(ContactRequest.MaxSubjectLength);
        b.Property(c => c.Message).HasMaxLength(ContactRequest.MaxMessageLength);
        b.Property(c => c.IpAddress).HasMaxLength(64);
        b.Property(c => c.UserAgent).HasMaxLength(300);
        b.Property(c => c.EmailedTo).HasMaxLength(254);
        b.HasIndex(c => new { c.TenantId, c.CreatedAt });
        b.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}
