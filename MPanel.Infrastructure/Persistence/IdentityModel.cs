using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MPanel.Infrastructure.Identity;

namespace MPanel.Infrastructure.Persistence;

internal static class IdentityModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<ApplicationUser>(b =>
        {
            b.ToTable("users");
            b.Property(u => u.DisplayName).HasMaxLength(200);
            b.HasIndex(u => new { u.TenantId, u.CustomerId });
        });
        builder.Entity<ApplicationRole>().ToTable("roles");
        builder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");
    }
}
