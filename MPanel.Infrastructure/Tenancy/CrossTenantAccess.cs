using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Auditing;
using MPanel.Domain.Common;
using MPanel.Domain.Security;

namespace MPanel.Infrastructure.Tenancy;

/// <summary>The only way across the tenant wall: a SuperAdmin switching tenant or reading across
/// tenants. Every use is written to the audit log of the actor's home tenant.</summary>
public sealed class CrossTenantAccess(CurrentTenant current, TenantScopeFactory scopes, TimeProvider clock)
{
    public async Task<IDisposable> BeginAsync(string reason, CancellationToken ct = default)
    {
        EnsureSuperAdmin();
        await WriteAuditAsync("*", reason, ct);
        return current.EnterCrossTenant();
    }

    /// <summary>Returns a scope for trusted system code (jobs) that must see all tenants; not audited per call
    /// because no person is acting, but logged by the job.</summary>
    public IDisposable BeginSystem() => current.EnterCrossTenant();

    public async Task SwitchTenantAsync(Guid tenantId, string reason, CancellationToken ct = default)
    {
        EnsureSuperAdmin();
        Domain.Tenants.Tenant tenant;
        await using (var scope = scopes.Create())
        {
            tenant = await scope.Db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tenantId, ct)
                ?? throw new NotFoundError("Tenant", tenantId).ToException();
        }
        await WriteAuditAsync(tenantId.ToString(), reason, ct);
        current.SwitchTo(tenant.Id, tenant.Name);
    }

    private void EnsureSuperAdmin()
    {
        if (!current.Principal.IsInRole(Roles.SuperAdmin))
            throw new ForbiddenError("Only a SuperAdmin can cross tenants.").ToException();
    }

    private async Task WriteAuditAsync(string target, string reason, CancellationToken ct)
    {
        var home = current.HomeTenantId ?? throw new ForbiddenError("No tenant.").ToException();
        var changes = System.Text.Json.JsonSerializer.Serialize(new { reason, from = current.TenantId, to = target });
        // A unit of work of its own: the caller may be a long-lived circuit, whose context must not keep a failed entry.
        await using var scope = scopes.Create();
        using (scope.Tenant.EnterCrossTenant())
        {
            scope.Db.AuditEntries.Add(new AuditEntry(home, AuditActions.CrossTenantAccess, "Tenant", target, changes, current.Actor, clock.GetUtcNow()));
            await scope.Db.SaveChangesAsync(ct);
        }
    }
}
