using System.Collections.Concurrent;
using MPanel.Domain.Common;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;

namespace MPanel.Web.Features.ApiKeys;

/// <summary>Keys found by prefix, kept for <see cref="Lifetime"/> so that a busy key costs no database read per call.
/// Any change to a key or tenant of that tenant (revoke, rotate, new limits, tenant suspended) is a live event, which
/// drops the tenant's entries at once — on every instance when the event bus runs over Redis. A load that overlaps such
/// an event is not kept. The hash comparison, revocation and expiry checks still run on every call.</summary>
public sealed class ApiKeyCache(ILiveEventBus bus, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    public sealed record Entry(ApiKey Key, string TenantName, TenantStatus TenantStatus, DateTimeOffset Expires, long Generation);

    private readonly ConcurrentDictionary<string, Entry> _byPrefix = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, IDisposable> _subscriptions = new();
    private long _generation;
    private readonly ConcurrentDictionary<Guid, (DateTimeOffset At, string? Ip)> _lastUsedWrites = new();

    public Entry? Find(string prefix) =>
        _byPrefix.TryGetValue(prefix, out var entry) && entry.Expires > clock.GetUtcNow() ? entry : null;

    /// <summary>The generation to pass to <see cref="Keep"/>: read it before loading; any invalidation since then means
    /// the load may be stale, and it is not kept.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public void Keep(string prefix, ApiKey key, string tenantName, TenantStatus status, long generation)
    {
        _subscriptions.GetOrAdd(key.TenantId, id => bus.Subscribe(id, e =>
        {
            if (e.Kind is nameof(ApiKey) or nameof(Tenant)) Invalidate(id);
            return Task.CompletedTask;
        }));
        if (Generation == generation)
            _byPrefix[prefix] = new Entry(key, tenantName, status, clock.GetUtcNow() + Lifetime, generation);
    }

    public void Invalidate(Guid tenantId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (prefix, entry) in _byPrefix)
            if (entry.Key.TenantId == tenantId) _byPrefix.TryRemove(prefix, out _);
    }

    /// <summary>Whether last-used time and address are due to be written (at most once per interval, or when the address
    /// changes); remembers the write, since a cached key's own LastUsedAt does not move.</summary>
    public bool LastUsedDue(ApiKey key, string? ip, DateTimeOffset now, TimeSpan interval)
    {
        var (at, lastIp) = _lastUsedWrites.TryGetValue(key.Id, out var written) ? written : (key.LastUsedAt ?? DateTimeOffset.MinValue, key.LastUsedIp);
        if (now - at < interval && lastIp == ip) return false;
        _lastUsedWrites[key.Id] = (now, ip);
        return true;
    }
}
