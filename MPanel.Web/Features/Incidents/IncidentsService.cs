using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MPanel.Domain.Common;
using MPanel.Domain.Incidents;
using MPanel.Domain.Tenants;
using MPanel.Domain.Webhooks;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Seeding;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Webhooks;

namespace MPanel.Web.Features.Incidents;

public sealed record IncidentUpdateView(Guid Id, IncidentStatus Status, string Message, string Author, DateTimeOffset At);

public sealed record IncidentView(Guid Id, string Title, IncidentSeverity Severity, IReadOnlyList<string> Components, IncidentStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ResolvedAt, string CreatedBy, IReadOnlyList<IncidentUpdateView> Updates);

/// <summary>A new incident: title, severity, affected components (see <see cref="StatusComponents"/>) and the first update.</summary>
public sealed record OpenIncidentRequest(string Title, IncidentSeverity Severity, IReadOnlyList<string>? Components, string Message,
    IncidentStatus Status = IncidentStatus.Investigating);

public sealed record PostIncidentUpdateRequest(IncidentStatus Status, string Message);

/// <summary>Staff's incidents of the current tenant. Every change writes incident.created or incident.updated to the
/// webhook outbox in the same SaveChanges.</summary>
public sealed class IncidentsService(TenantScopeFactory scopes, CurrentTenant current, TimeProvider clock, IMemoryCache cache)
{
    public async Task<Paged<IncidentView>> ListAsync(PageQuery page, bool openOnly = false, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.Incidents.AsNoTracking().Include(i => i.Updates).AsQueryable();
        if (openOnly) query = query.Where(i => i.Status != IncidentStatus.Resolved);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(i => i.Status == IncidentStatus.Resolved).ThenByDescending(i => i.CreatedAt).Page(page).AsSplitQuery().ToListAsync(ct);
        return new Paged<IncidentView>(rows.Select(ToView).ToList(), total);
    }

    public async Task<IncidentView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return ToView(await LoadAsync(scope, id, ct));
    }

    public async Task<IncidentView> OpenAsync(OpenIncidentRequest request, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var incident = Incident.Open(request.Title, request.Severity, request.Components, request.Message, request.Status, Author, now);
        await using var scope = scopes.Create();
        scope.Db.Incidents.Add(incident);
        WebhookOutbox.Add(scope.Db, WebhookEvents.IncidentCreated, Data(incident), now);
        await scope.Db.SaveChangesAsync(ct);
        StatusService.Forget(cache);
        return ToView(incident);
    }

    public async Task<IncidentView> PostUpdateAsync(Guid id, PostIncidentUpdateRequest request, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var incident = await LoadAsync(scope, id, ct);
        var now = clock.GetUtcNow();
        var update = incident.Post(request.Status, request.Message, Author, now);
        scope.Db.Add(update);
        WebhookOutbox.Add(scope.Db, WebhookEvents.IncidentUpdated, Data(incident), now);
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyError().ToException();
        }
        StatusService.Forget(cache);
        return ToView(incident);
    }

    public Task<IncidentView> ResolveAsync(Guid id, string? message, CancellationToken ct = default) =>
        PostUpdateAsync(id, new PostIncidentUpdateRequest(IncidentStatus.Resolved, string.IsNullOrWhiteSpace(message) ? "This incident has been resolved." : message), ct);

    private string Author => current.Actor.UserName ?? "staff";

    private static async Task<Incident> LoadAsync(TenantScope scope, Guid id, CancellationToken ct) =>
        await scope.Db.Incidents.Include(i => i.Updates).FirstOrDefaultAsync(i => i.Id == id, ct)
        ?? throw new NotFoundError("Incident", id).ToException();

    /// <summary>The webhook payload: the incident and its latest update.</summary>
    private static object Data(Incident i)
    {
        var latest = i.Updates.OrderBy(u => u.At).LastOrDefault();
        return new
        {
            id = i.Id, title = i.Title, severity = Lower(i.Severity), status = Lower(i.Status), components = i.ComponentList,
            createdAt = i.CreatedAt, resolvedAt = i.ResolvedAt,
            update = latest is null ? null : new { status = Lower(latest.Status), message = latest.Message, at = latest.At },
        };
    }

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static IncidentView ToView(Incident i) => new(i.Id, i.Title, i.Severity, i.ComponentList, i.Status, i.CreatedAt, i.UpdatedAt, i.ResolvedAt,
        i.CreatedBy, i.Updates.OrderByDescending(u => u.At).Select(u => new IncidentUpdateView(u.Id, u.Status, u.Message, u.Author, u.At)).ToList());
}

/// <summary>A component's state: <c>operational</c>, <c>degraded_performance</c>, <c>partial_outage</c> or <c>major_outage</c>.</summary>
public sealed record ComponentStatus(string Id, string Name, string Status);

public sealed record StatusIncidentUpdate(string Status, string Message, DateTimeOffset At);

public sealed record StatusIncident(Guid Id, string Title, string Severity, string Status, IReadOnlyList<string> Components, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt, IReadOnlyList<StatusIncidentUpdate> Updates);

public sealed record HealthCheckStatus(string Name, string Status);

/// <summary>The status page's data: overall state (the worst component's), each component, open incidents (the shop's
/// own and those of the tenants above it, i.e. the platform's), and — for API keys — the health checks behind it.</summary>
public sealed record SystemStatus(string Status, IReadOnlyList<ComponentStatus> Components, IReadOnlyList<StatusIncident> Incidents,
    IReadOnlyList<HealthCheckStatus>? Checks, DateTimeOffset GeneratedAt);

/// <summary>Builds <see cref="SystemStatus"/> for a tenant from open incidents and the readiness health checks (database,
/// Redis). Results are cached for a few seconds per tenant: the public page can be hit hard.</summary>
public sealed class StatusService(IServiceScopeFactory scopes, HealthCheckService health, IMemoryCache cache, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private static CancellationTokenSource _generation = new();

    public const string Operational = "operational";
    public const string Degraded = "degraded_performance";
    public const string PartialOutage = "partial_outage";
    public const string MajorOutage = "major_outage";

    /// <summary>Drops cached views (an incident changed), so staff see their change at once.</summary>
    public static void Forget(IMemoryCache cache)
    {
        var old = Interlocked.Exchange(ref _generation, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }

    public async Task<SystemStatus> ForTenantAsync(Guid tenantId, bool withChecks, CancellationToken ct)
    {
        var key = ("mpanel:status", tenantId, withChecks);
        if (cache.TryGetValue(key, out SystemStatus? cached) && cached is not null) return cached;
        var status = await BuildAsync(tenantId, withChecks, ct);
        cache.Set(key, status, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor }
            .AddExpirationToken(new Microsoft.Extensions.Primitives.CancellationChangeToken(_generation.Token)));
        return status;
    }

    /// <summary>The tenant a public request's host names: its first label is a tenant's slug (acme.example.com → acme);
    /// anything else is the platform.</summary>
    public async Task<Guid> TenantForHostAsync(string? host, CancellationToken ct)
    {
        var label = (host ?? "").Split(':')[0].Split('.')[0].ToLowerInvariant();
        return await cache.GetOrCreateAsync(("mpanel:status-host", label), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1);
            await using var scope = scopes.CreateAsyncScope();
            using var system = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
            var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
            var match = label.Length == 0 ? null
                : await db.Tenants.AsNoTracking().Where(t => t.Slug == label && t.Status == TenantStatus.Active).Select(t => (Guid?)t.Id).FirstOrDefaultAsync(ct);
            return match ?? await db.Tenants.AsNoTracking().Where(t => t.Slug == PlatformBootstrapper.PlatformSlug).Select(t => t.Id).FirstAsync(ct);
        });
    }

    private async Task<SystemStatus> BuildAsync(Guid tenantId, bool withChecks, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        using var system = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        // The tenant and the tenants above it (a reseller's customers are affected by the platform's incidents too).
        var chain = new List<Guid>();
        Guid? next = tenantId;
        while (next is { } id && chain.Count < 10 && !chain.Contains(id))
        {
            chain.Add(id);
            next = await db.Tenants.AsNoTracking().Where(t => t.Id == id).Select(t => t.ParentTenantId).FirstOrDefaultAsync(ct);
        }
        var incidents = await db.Incidents.AsNoTracking().Include(i => i.Updates)
            .Where(i => chain.Contains(i.TenantId) && i.Status != IncidentStatus.Resolved)
            .OrderByDescending(i => i.CreatedAt).Take(50).AsSplitQuery().ToListAsync(ct);
        var report = await health.CheckHealthAsync(r => r.Tags.Contains("ready"), ct);
        var checks = report.Entries.Select(e => new HealthCheckStatus(e.Key, e.Value.Status.ToString().ToLowerInvariant())).ToList();
        var databaseDown = report.Entries.TryGetValue("postgresql", out var pg) && pg.Status == HealthStatus.Unhealthy;
        var redisDown = report.Entries.TryGetValue("redis", out var redis) && redis.Status != HealthStatus.Healthy;

        var components = StatusComponents.All.Select(c =>
        {
            var worst = incidents.Where(i => i.ComponentList.Contains(c)).Select(i => Rank(i.Severity)).DefaultIfEmpty(0).Max();
            if (databaseDown && c is StatusComponents.ControlPanel or StatusComponents.Api or StatusComponents.Billing) worst = Math.Max(worst, 3);
            if (redisDown && c is StatusComponents.ControlPanel or StatusComponents.Api) worst = Math.Max(worst, 1);
            return new ComponentStatus(c, StatusComponents.Describe(c), Name(worst));
        }).ToList();
        var overall = components.Select(c => Array.IndexOf(Names, c.Status)).DefaultIfEmpty(0).Max();
        return new SystemStatus(Name(overall), components,
            incidents.Select(i => new StatusIncident(i.Id, i.Title, Lower(i.Severity), Lower(i.Status), i.ComponentList, i.CreatedAt, i.UpdatedAt,
                i.Updates.OrderByDescending(u => u.At).Select(u => new StatusIncidentUpdate(Lower(u.Status), u.Message, u.At)).ToList())).ToList(),
            withChecks ? checks : null, clock.GetUtcNow());
    }

    private static readonly string[] Names = [Operational, Degraded, PartialOutage, MajorOutage];

    private static int Rank(IncidentSeverity severity) => severity switch
    {
        IncidentSeverity.Critical => 3,
        IncidentSeverity.Major => 2,
        _ => 1,
    };

    private static string Name(int rank) => Names[Math.Clamp(rank, 0, 3)];

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
