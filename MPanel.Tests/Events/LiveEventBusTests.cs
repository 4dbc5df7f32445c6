using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MPanel.Domain.Common;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Events;
using MPanel.Tests.Support;
using StackExchange.Redis;

namespace MPanel.Tests.Events;

public sealed class LiveEventBusTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private static readonly string RedisConfiguration = Environment.GetEnvironmentVariable("MPANEL_TEST_REDIS") ?? "127.0.0.1:56379";

    [Fact]
    public async Task InProcess_DeliversOnlyToSubscribersOfThatTenant()
    {
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var gotA = new List<LiveEvent>();
        var gotB = new List<LiveEvent>();
        using var subA = bus.Subscribe(a, e => { gotA.Add(e); return Task.CompletedTask; });
        var subB = bus.Subscribe(b, e => { gotB.Add(e); return Task.CompletedTask; });
        await bus.PublishAsync(new LiveEvent(a, "Customer", "1", "Created"));
        subB.Dispose();
        await bus.PublishAsync(new LiveEvent(b, "Customer", "2", "Created"));
        Assert.Equal("1", Assert.Single(gotA).EntityId);
        Assert.Empty(gotB);
    }

    [Fact]
    public async Task InProcess_AFailingSubscriberDoesNotStopOthers()
    {
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        var tenant = Guid.NewGuid();
        var delivered = 0;
        using var bad = bus.Subscribe(tenant, _ => throw new InvalidOperationException("boom"));
        using var good = bus.Subscribe(tenant, _ => { delivered++; return Task.CompletedTask; });
        await bus.PublishAsync(new LiveEvent(tenant, "Customer", null, "Created"));
        Assert.Equal(1, delivered);
    }

    [Fact]
    public async Task Redis_CarriesEventsBetweenTwoInstances()
    {
        await using var redisA = await ConnectionMultiplexer.ConnectAsync(RedisConfiguration);
        await using var redisB = await ConnectionMultiplexer.ConnectAsync(RedisConfiguration);
        using var instanceA = new RedisLiveEventBus(redisA, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), NullLogger<RedisLiveEventBus>.Instance);
        using var instanceB = new RedisLiveEventBus(redisB, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), NullLogger<RedisLiveEventBus>.Instance);
        var tenant = Guid.NewGuid();
        var other = Guid.NewGuid();
        var received = new TaskCompletionSource<LiveEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var wrongTenant = 0;
        using var sub = instanceB.Subscribe(tenant, e => { received.TrySetResult(e); return Task.CompletedTask; });
        using var subOther = instanceB.Subscribe(other, _ => { Interlocked.Increment(ref wrongTenant); return Task.CompletedTask; });
        await redisA.GetSubscriber().PingAsync();
        await redisB.GetSubscriber().PingAsync(); // subscriptions are confirmed before publishing

        await instanceA.PublishAsync(new LiveEvent(tenant, "Customer", "42", "Created"));
        var e = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new LiveEvent(tenant, "Customer", "42", "Created"), e);
        Assert.Equal(0, wrongTenant);
    }

    [Fact]
    public async Task SavingACustomer_PublishesAfterCommit_ToItsTenantOnly()
    {
        var platform = await factory.PlatformAsync();
        var reseller = await factory.CreateResellerAsync("livebus");
        await factory.CreateUserAsync(platform.Id, "live@platform.test", Roles.Support);
        var bus = factory.Services.GetRequiredService<ILiveEventBus>();
        var platformEvents = new ConcurrentQueue<LiveEvent>();
        var resellerEvents = new ConcurrentQueue<LiveEvent>();
        using var a = bus.Subscribe(platform.Id, e => { platformEvents.Enqueue(e); return Task.CompletedTask; });
        using var b = bus.Subscribe(reseller.Id, e => { resellerEvents.Enqueue(e); return Task.CompletedTask; });

        var client = await factory.SignedInAsync("live@platform.test");
        var created = await (await client.PostJsonAsync("/api/customers", new CustomerDetails("Live", "Event", "live.event@example.org", null, null, "SE")))
            .ReadAsync<MPanel.Web.Features.Customers.CustomerView>();

        Assert.Contains(platformEvents, e => e.Kind == "Customer" && e.EntityId == created.Id.ToString() && e.Action == "Created");
        Assert.DoesNotContain(resellerEvents, e => e.Kind == "Customer");

        // A refused write publishes nothing.
        platformEvents.Clear();
        var dup = await client.PostJsonAsync("/api/customers", new CustomerDetails("Live", "Again", "live.event@example.org", null, null, "SE"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, dup.StatusCode);
        Assert.DoesNotContain(platformEvents, e => e.Kind == "Customer");
    }
}
