using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MPanel.Domain.Common;

namespace MPanel.Infrastructure.Events;

/// <summary>Delivers live events to subscribers in this process. Also the local fan-out behind the Redis bus.</summary>
public sealed class InProcessLiveEventBus(ILogger<InProcessLiveEventBus> logger) : ILiveEventBus
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Guid, Func<LiveEvent, Task>>> _subscribers = new();

    public Task PublishAsync(LiveEvent liveEvent, CancellationToken cancellationToken = default) => DeliverAsync(liveEvent);

    public async Task DeliverAsync(LiveEvent liveEvent)
    {
        if (!_subscribers.TryGetValue(liveEvent.TenantId, out var handlers)) return;
        foreach (var handler in handlers.Values)
        {
            try
            {
                await handler(liveEvent);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A live event subscriber failed on {Kind}", liveEvent.Kind);
            }
        }
    }

    public IDisposable Subscribe(Guid tenantId, Func<LiveEvent, Task> handler)
    {
        var id = Guid.NewGuid();
        var handlers = _subscribers.GetOrAdd(tenantId, _ => new());
        handlers[id] = handler;
        return new Subscription(() => handlers.TryRemove(id, out _));
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) dispose();
        }
    }
}
