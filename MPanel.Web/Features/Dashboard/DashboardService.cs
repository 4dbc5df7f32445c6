using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Customers;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Dashboard;

public sealed record MonthCount(DateOnly Month, int Count);

public sealed record RecentActivity(DateTimeOffset At, string? UserName, string Action, string EntityType, string? EntityId);

public sealed record DashboardFigures(int Customers, int ActiveCustomers, int NewCustomers30Days, int Users, int ResellerTenants,
    IReadOnlyList<MonthCount> SignupsByMonth, IReadOnlyList<RecentActivity> Recent);

/// <summary>The figures on the dashboard, all read from the database for the current tenant.</summary>
public sealed class DashboardService(TenantScopeFactory scopes, CurrentTenant current, TimeProvider clock)
{
    public async Task<DashboardFigures> GetAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var db = scope.Db;
        var now = clock.GetUtcNow();
        var since = now.AddDays(-30);
        var firstMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(-11);
        var counts = await db.Customers.GroupBy(_ => 1).Select(g => new
        {
            Total = g.Count(),
            Active = g.Count(c => c.Status == CustomerStatus.Active),
            New = g.Count(c => c.CreatedAt >= since),
        }).FirstOrDefaultAsync(ct);
        var users = await db.Users.CountAsync(ct);
        var tenantId = current.TenantId;
        var resellers = await db.Tenants.CountAsync(t => t.ParentTenantId == tenantId, ct);
        var created = await db.Customers.Where(c => c.CreatedAt >= firstMonth).Select(c => c.CreatedAt).ToListAsync(ct);
        var byMonth = Enumerable.Range(0, 12)
            .Select(i => firstMonth.AddMonths(i))
            .Select(m => new MonthCount(DateOnly.FromDateTime(m.UtcDateTime),
                created.Count(c => c.UtcDateTime.Year == m.Year && c.UtcDateTime.Month == m.Month)))
            .ToList();
        var recent = await db.AuditEntries.OrderByDescending(a => a.At).Take(8)
            .Select(a => new RecentActivity(a.At, a.UserName, a.Action, a.EntityType, a.EntityId)).ToListAsync(ct);
        return new DashboardFigures(counts?.Total ?? 0, counts?.Active ?? 0, counts?.New ?? 0, users, resellers, byMonth, recent);
    }
}
