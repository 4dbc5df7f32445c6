using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Sites;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Tenants;

/// <summary>Checks a reseller's limits where customers and sites are created (in the creating unit of work).
/// Counts are those the tenant's query filter sees, so they are the current tenant's own rows.</summary>
public static class TenantLimitGuard
{
    public static async Task EnsureRoomForCustomerAsync(TenantScope scope, CancellationToken ct)
    {
        if (await TenantAsync(scope, ct) is not { } tenant || tenant.Limits.MaxCustomers is null) return;
        tenant.EnsureRoomForCustomer(await scope.Db.Customers.CountAsync(ct));
    }

    public static async Task EnsureRoomForSiteAsync(TenantScope scope, CancellationToken ct)
    {
        if (await TenantAsync(scope, ct) is not { } tenant || tenant.Limits.MaxSites is null) return;
        tenant.EnsureRoomForSite(await scope.Db.Sites.CountAsync(s => s.Status != SiteStatus.Deleted, ct));
    }

    private static async Task<MPanel.Domain.Tenants.Tenant?> TenantAsync(TenantScope scope, CancellationToken ct) =>
        scope.Tenant.TenantId is { } id ? await scope.Db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct) : null;
}
