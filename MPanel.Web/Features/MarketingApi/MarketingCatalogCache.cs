using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Tenants;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>The marketing catalogue per shop, as the JSON bytes the endpoint answers, kept for <see cref="Lifetime"/>.
/// A change to any product of the shop (edit, price, visibility, stock sold or released) is a live event that drops the
/// entry at once (on every instance with the Redis event bus); a load that overlaps a change is not kept. The lifetime
/// bounds the one gap: an order's stock change is published just before its transaction commits, so a read in between
/// may keep the old "stock left" for up to that long — ordering itself always checks stock in the database.</summary>
public sealed class MarketingCatalogCache(ILiveEventBus bus, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private sealed record Entry(byte[] Json, DateTimeOffset Expires);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly ConcurrentDictionary<Guid, IDisposable> _subscriptions = new();
    private long _generation;

    public async ValueTask<byte[]> GetAsync(Guid tenantId, Func<CancellationToken, Task<CatalogResponse>> load, CancellationToken ct)
    {
        if (_entries.TryGetValue(tenantId, out var entry) && entry.Expires > clock.GetUtcNow()) return entry.Json;
        _subscriptions.GetOrAdd(tenantId, id => bus.Subscribe(id, e =>
        {
            if (e.Kind is nameof(Product) or nameof(Tenant)) Invalidate(id);
            return Task.CompletedTask;
        }));
        var generation = Interlocked.Read(ref _generation);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(await load(ct), json.Value.SerializerOptions);
        if (Interlocked.Read(ref _generation) == generation) _entries[tenantId] = new Entry(bytes, clock.GetUtcNow() + Lifetime);
        return bytes;
    }

    public void Invalidate(Guid tenantId)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(tenantId, out _);
    }
}
