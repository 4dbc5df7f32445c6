namespace MPanel.Domain.Common;

/// <summary>A small change notice: which tenant, what kind of thing, which one, what happened.
/// Components re-read what they show; events never carry data a subscriber could leak.</summary>
public sealed record LiveEvent(Guid TenantId, string Kind, string? EntityId, string Action);

/// <summary>Carries live events to subscribers: in-process on one machine, Redis pub/sub across several.</summary>
public interface ILiveEventBus
{
    Task PublishAsync(LiveEvent liveEvent, CancellationToken cancellationToken = default);

    /// <summary>Subscribes to every event of one tenant; dispose to unsubscribe.</summary>
    IDisposable Subscribe(Guid tenantId, Func<LiveEvent, Task> handler);
}
