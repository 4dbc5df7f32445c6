using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Customers;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> b)
    {
        b.ToTable("customers");
        b.Property(c => c.FirstName).HasMaxLength(100);
        b.Property(c => c.LastName).HasMaxLength(100);
        b.Property(c => c.Email).HasMaxLength(254);
        b.Property(c => c.Company).HasMaxLength(150);
        b.Property(c => c.Phone).HasMaxLength(32);
        b.Property(c => c.Country).HasMaxLength(2).IsFixedLength();
        b.HasIndex(c => new { c.TenantId, c.Email }).IsUnique();
        b.HasIndex(c => new { c.TenantId, c.CreatedAt });
        b.HasIndex(c => new { c.TenantId, c.LastName, c.FirstName }); // the grid's name sort (bench/run)
        b.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(c => c.Notes).WithOne().HasForeignKey(n => n.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(c => c.Notes).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.Ignore(c => c.DisplayName);
    }
}

internal sealed class CustomerNoteConfiguration : IEntityTypeConfiguration<CustomerNote>
{
    public void Configure(EntityTypeBuilder<CustomerNote> b)
    {
        b.ToTable("customer_notes");
        b.Property(n => n.Text).HasMaxLength(4000);
        b.Property(n => n.Author).HasMaxLength(200);
    }
}
