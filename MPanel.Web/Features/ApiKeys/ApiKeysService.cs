using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Domain.Marketing;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;

namespace MPanel.Web.Features.ApiKeys;

public sealed record ApiKeyRow(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, int ReadsPerMinute, int WritesPerMinute,
    string Status, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt,
    string? LastUsedIp, Guid? ReplacesKeyId);

/// <summary>A new key. Limits left out take the defaults (100 reads and 10 writes a minute); no expiry means it never expires.</summary>
public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt = null, int? ReadsPerMinute = null,
    int? WritesPerMinute = null);

/// <summary>The secret is in <see cref="Secret"/> once, in the answer to the request that made the key; never again.</summary>
public sealed record CreatedApiKey(ApiKeyRow Key, string Secret);

public sealed record ApiKeyLimitsRequest(int ReadsPerMinute, int WritesPerMinute);

public sealed record ApiActivityRow(Guid Id, DateTimeOffset At, Guid ApiKeyId, string KeyName, string KeyPrefix, string Method, string Route,
    int Status, int DurationMs, string? IpAddress);

/// <summary>Filters of the activity log. <paramref name="Status"/>: an exact code ("429") or a class ("2xx", "4xx", "5xx").</summary>
public sealed record ApiActivityFilter(Guid? ApiKeyId = null, string? Status = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>The current tenant's marketing-API keys (create, list, revoke, rotate, limits) and their activity log.</summary>
public sealed class ApiKeysService(TenantScopeFactory scopes, CurrentTenant current, TimeProvider clock)
{
    public async Task<IReadOnlyList<ApiKeyRow>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var keys = await scope.Db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToListAsync(ct);
        var now = clock.GetUtcNow();
        // Active keys first, newest first within each group.
        return keys.OrderBy(k => k.IsActive(now) ? 0 : 1).Select(k => ToRow(k, now)).ToList();
    }

    public async Task<ApiKeyRow> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var key = await scope.Db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct) ?? throw new NotFoundError("API key", id).ToException();
        return ToRow(key, clock.GetUtcNow());
    }

    public async Task<CreatedApiKey> CreateAsync(CreateApiKeyRequest request, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var (key, secret) = ApiKey.Issue(request.Name, request.Scopes, request.ExpiresAt, request.ReadsPerMinute, request.WritesPerMinute, Actor, now);
        await using var scope = scopes.Create();
        scope.Db.ApiKeys.Add(key);
        await scope.Db.SaveChangesAsync(ct);
        return new CreatedApiKey(ToRow(key, now), secret);
    }

    /// <summary>Stops the key at once; revoking a revoked key changes nothing.</summary>
    public async Task<ApiKeyRow> RevokeAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var key = await LoadAsync(scope, id, ct);
        key.Revoke(clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        return ToRow(key, clock.GetUtcNow());
    }

    /// <summary>A new secret for the same name, scopes, limits and expiry; the old key is revoked in the same change.</summary>
    public async Task<CreatedApiKey> RotateAsync(Guid id, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var scope = scopes.Create();
        var key = await LoadAsync(scope, id, ct);
        var (next, secret) = key.Rotate(Actor, now);
        scope.Db.ApiKeys.Add(next);
        await scope.Db.SaveChangesAsync(ct);
        return new CreatedApiKey(ToRow(next, now), secret);
    }

    public async Task<ApiKeyRow> UpdateLimitsAsync(Guid id, ApiKeyLimitsRequest request, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var key = await LoadAsync(scope, id, ct);
        key.SetLimits(request.ReadsPerMinute, request.WritesPerMinute);
        await scope.Db.SaveChangesAsync(ct);
        return ToRow(key, clock.GetUtcNow());
    }

    public async Task<Paged<ApiActivityRow>> ListActivityAsync(PageQuery page, ApiActivityFilter filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = from a in scope.Db.ApiActivity.AsNoTracking()
                    join k in scope.Db.ApiKeys.AsNoTracking() on a.ApiKeyId equals k.Id
                    select new { a, k.Name, k.Prefix };
        if (filter.ApiKeyId is { } keyId) query = query.Where(x => x.a.ApiKeyId == keyId);
        if (filter.From is { } from) query = query.Where(x => x.a.At >= from.ToUniversalTime());
        if (filter.To is { } to) query = query.Where(x => x.a.At < to.ToUniversalTime());
        switch (filter.Status?.Trim().ToLowerInvariant())
        {
            case null or "":
                break;
            case [var d, 'x', 'x'] when d is >= '1' and <= '5':
                var low = (d - '0') * 100;
                query = query.Where(x => x.a.Status >= low && x.a.Status < low + 100);
                break;
            case var code when int.TryParse(code, out var exact) && exact is >= 100 and <= 599:
                query = query.Where(x => x.a.Status == exact);
                break;
            default:
                throw ValidationError.For("status", "Filter by a status code (429) or a class (2xx, 4xx, 5xx).").ToException();
        }
        var total = await query.CountAsync(ct);
        var ordered = page.Descending || page.Sort is null ? query.OrderByDescending(x => x.a.At).ThenByDescending(x => x.a.Id) : query.OrderBy(x => x.a.At).ThenBy(x => x.a.Id);
        var items = await ordered.Page(page)
            .Select(x => new ApiActivityRow(x.a.Id, x.a.At, x.a.ApiKeyId, x.Name, x.Prefix, x.a.Method, x.a.Route, x.a.Status, x.a.DurationMs, x.a.IpAddress))
            .ToListAsync(ct);
        return new Paged<ApiActivityRow>(items, total);
    }

    private string Actor => current.Actor.UserName ?? "system";

    private static async Task<ApiKey> LoadAsync(TenantScope scope, Guid id, CancellationToken ct) =>
        await scope.Db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct) ?? throw new NotFoundError("API key", id).ToException();

    public static string StatusOf(ApiKey key, DateTimeOffset now) =>
        key.RevokedAt is not null ? "revoked" : key.ExpiresAt is { } e && now >= e ? "expired" : "active";

    private static ApiKeyRow ToRow(ApiKey k, DateTimeOffset now) => new(k.Id, k.Name, k.Prefix, k.ScopeList, k.ReadsPerMinute, k.WritesPerMinute,
        StatusOf(k, now), k.CreatedAt, k.CreatedBy, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.LastUsedIp, k.ReplacesKeyId);
}
