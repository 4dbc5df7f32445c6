using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MPanel.Domain.Common;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Events;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Components.Shared;

namespace MPanel.Tests.Components;

public sealed class LiveSubscriberTests : BunitContext
{
    private readonly InProcessLiveEventBus _bus = new(NullLogger<InProcessLiveEventBus>.Instance);
    private readonly Guid _tenant = Guid.NewGuid();

    public LiveSubscriberTests()
    {
        var current = new CurrentTenant();
        current.InitializeForJob(_tenant, "bunit");
        Services.AddSingleton<ILiveEventBus>(_bus);
        Services.AddSingleton<ICurrentTenant>(current);
    }

    [Fact]
    public async Task CallsOnChange_OnlyForItsKindsAndItsTenant()
    {
        var seen = new List<LiveEvent>();
        Render<LiveSubscriber>(p => p
            .Add(s => s.Kinds, new[] { "Customer" })
            .Add(s => s.OnChange, (LiveEvent e) => seen.Add(e)));

        await _bus.PublishAsync(new LiveEvent(_tenant, "User", "u1", "Created"));
        await _bus.PublishAsync(new LiveEvent(Guid.NewGuid(), "Customer", "other-tenant", "Created"));
        await _bus.PublishAsync(new LiveEvent(_tenant, "Customer", "c1", "Updated"));

        Assert.Equal("c1", Assert.Single(seen).EntityId);
    }

    [Fact]
    public async Task StopsListening_WhenDisposed()
    {
        var calls = 0;
        Render<LiveSubscriber>(p => p
            .Add(s => s.Kinds, new[] { "Customer" })
            .Add(s => s.OnChange, (LiveEvent _) => calls++));
        await _bus.PublishAsync(new LiveEvent(_tenant, "Customer", "1", "Created"));
        await DisposeComponentsAsync();
        await _bus.PublishAsync(new LiveEvent(_tenant, "Customer", "2", "Created"));
        Assert.Equal(1, calls);

    }
}
