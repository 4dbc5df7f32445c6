using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Infrastructure.Identity;

/// <summary>Puts the user's tenant into the cookie: the one claim every later request resolves its tenant from.</summary>
public sealed class MPanelClaimsFactory(
    UserManager<ApplicationUser> users, RoleManager<ApplicationRole> roles, IOptions<IdentityOptions> options, MPanelDbContext db)
    : UserClaimsPrincipalFactory<ApplicationUser, ApplicationRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ApplicationUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        var tenant = await db.Tenants.Where(t => t.Id == user.TenantId)
            .Select(t => new { t.Name, t.RequireTwoFactorForClients }).FirstOrDefaultAsync();
        identity.AddClaim(new Claim(MPanelClaims.TenantId, user.TenantId.ToString()));
        identity.AddClaim(new Claim(MPanelClaims.TenantName, tenant?.Name ?? ""));
        if (tenant?.RequireTwoFactorForClients == true) identity.AddClaim(new Claim(MPanelClaims.ClientTwoFactorRequired, "true"));
        identity.AddClaim(new Claim(MPanelClaims.DisplayName, user.DisplayName));
        return identity;
    }
}
