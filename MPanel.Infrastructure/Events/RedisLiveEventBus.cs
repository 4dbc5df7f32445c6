using System.Text.Json;
using Microsoft.Extensions.Logging;
using MPanel.Domain.Common;
using StackExchange.Redis;

namespace MPanel.Infrastructure.Events;

/// <summary>Live events across several MPanel instances: published on one Redis channel, and every instance
/// (this one included) fans them out to its local subscribers when they come back from Redis.</summary>
public sealed class RedisLiveEventBus : ILiveEventBus, IDisposable
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("mpanel:live-events");

    private readonly IConnectionMultiplexer _redis;
    private readonly InProcessLiveEventBus _local;
    private readonly ILogger<RedisLiveEventBus> _logger;
    private readonly ChannelMessageQueue _queue;

    public RedisLiveEventBus(IConnectionMultiplexer redis, InProcessLiveEventBus local, ILogger<RedisLiveEventBus> logger)
    {
        _redis = redis;
        _local = local;
        _logger = logger;
        _queue = redis.GetSubscriber().Subscribe(Channel);
        _queue.OnMessage(OnMessageAsync);
    }

    public async Task PublishAsync(LiveEvent liveEvent, CancellationToken cancellationToken = default) =>
        await _redis.GetSubscriber().PublishAsync(Channel, JsonSerializer.Serialize(liveEvent));

    public IDisposable Subscribe(Guid tenantId, Func<LiveEvent, Task> handler) => _local.Subscribe(tenantId, handler);

    private async Task OnMessageAsync(ChannelMessage message)
    {
        LiveEvent? liveEvent;
        try
        {
            liveEvent = JsonSerializer.Deserialize<LiveEvent>(message.Message.ToString());
        }
        catch (JsonException ex)
        {
            _logger.LogWarning(ex, "Ignored a malformed live event");
            return;
        }
        if (liveEvent is not null) await _local.DeliverAsync(liveEvent);
    }

    public void Dispose() => _queue.Unsubscribe();
}
