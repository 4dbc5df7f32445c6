using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Provisioning;
using MPanel.Web.Features.Subscriptions;
using Xunit;

namespace MPanel.Tests.Features.Provisioning;

/// <summary>The engine is the unit under test here, so its steps are fakes defined in this file: each counts its calls
/// per subscription and can be told to fail, block or report drift. Everything else (tasks, rows, Hangfire enqueueing,
/// events, the billing port) is real, against PostgreSQL.</summary>
[Collection("Provisioning")]
public sealed class ProvisioningEngineTests(ProvisioningEngineTests.Factory factory) : IClassFixture<ProvisioningEngineTests.Factory>
{
    /// <summary>A fake step: records (subscription, action) calls; a per-subscription script decides failures.</summary>
    public sealed class FakeStep(string kind, int order, bool applies = true) : IProvisioningStep
    {
        public string Kind => kind;
        public int Order => order;
        public string Title => $"Fake {kind}";
        public ConcurrentQueue<(Guid Subscription, ServiceAction Action)> Calls { get; } = new();
        /// <summary>Failures still to throw per subscription (int.MaxValue: always).</summary>
        public ConcurrentDictionary<Guid, int> FailuresLeft { get; } = new();
        /// <summary>Subscriptions whose run blocks until cancelled (a crash in the middle of a step).</summary>
        public ConcurrentDictionary<Guid, TaskCompletionSource> Blocks { get; } = new();
        public ConcurrentDictionary<Guid, bool> Drifted { get; } = new();
        /// <summary>Subscriptions whose run is refused with a field error (bad input rather than a service outage).</summary>
        public ConcurrentDictionary<Guid, string> Invalid { get; } = new();

        public bool AppliesTo(ProvisioningStepContext context) => applies;

        public async Task RunAsync(ProvisioningStepContext context, CancellationToken ct)
        {
            Calls.Enqueue((context.SubscriptionId, context.Action));
            if (Blocks.TryRemove(context.SubscriptionId, out var started))
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }
            if (Invalid.TryGetValue(context.SubscriptionId, out var invalid))
                throw ValidationError.For("name", invalid).ToException();
            if (FailuresLeft.TryGetValue(context.SubscriptionId, out var left) && left > 0)
            {
                FailuresLeft[context.SubscriptionId] = left == int.MaxValue ? left : left - 1;
                throw new InvalidOperationException($"{kind} service is down");
            }
            context.State[$"{kind}.done"] = context.Action.ToString();
            Drifted.TryRemove(context.SubscriptionId, out _);
        }

        public Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(ProvisioningStepContext context, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<ProvisioningDrift>>(Drifted.ContainsKey(context.SubscriptionId)
                ? [new ProvisioningDrift(kind, $"{kind}:{context.AccountName}", "present", "missing")]
                : []);

        public int CountFor(Guid subscription, ServiceAction action = ServiceAction.Provision) => Calls.Count(c => c.Subscription == subscription && c.Action == action);
    }

    public sealed class Factory : MPanelFactory
    {
        public FakeStep Zone { get; } = new("fake.zone", 10);
        public FakeStep Site { get; } = new("fake.site", 20);
        public FakeStep Never { get; } = new("fake.never", 25, applies: false);
        public FakeStep Cert { get; } = new("fake.cert", 40);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Provisioning:RetryDelaysMs", "5,10");
            builder.ConfigureTestServices(services =>
            {
                // Registered in a shuffled order: the plan orders them.
                services.RemoveAll<IProvisioningStep>();   // the engine is under test: only the fakes below
                services.AddSingleton<IProvisioningStep>(Cert);
                services.AddSingleton<IProvisioningStep>(Zone);
                services.AddSingleton<IProvisioningStep>(Never);
                services.AddSingleton<IProvisioningStep>(Site);
            });
        }
    }

    private async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider);
    }

    private Task<T> DbAsync<T>(Func<Infrastructure.Persistence.MPanelDbContext, Task<T>> query) => factory.InSystemScopeAsync((_, db) => query(db));

    /// <summary>A tenant with a customer who ordered a product provisioned on order (no payment needed): the order asks
    /// the billing port, which queues a Provision task.</summary>
    private async Task<(Guid TenantId, Guid SubscriptionId)> OrderAsync(string slug, string? domain = null)
    {
        var tenant = await factory.CreateResellerAsync(slug);
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Grace", slug);
        var order = await InTenantAsync(tenant.Id, async sp =>
        {
            var product = await sp.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails("Engine Test", ProductType.SharedHosting, null, [],
                new ProductResources { Sites = 1, DnsZones = 1 }, ProductVisibility.Public, null, ProvisioningPolicy.OnOrder,
                [new ProductPrice(BillingCycle.Monthly, "EUR", 5m, 0m)], []));
            return await sp.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customer.Id, [new CartLine(product.Id, BillingCycle.Monthly, Domain: domain)]), OrderChannel.Admin);
        });
        return (tenant.Id, order.Items[0].SubscriptionId);
    }

    private Task<IReadOnlyList<ProvisioningTaskStatus>> RunPendingAsync(Guid tenantId, Guid subscriptionId) =>
        InTenantAsync(tenantId, sp => sp.GetRequiredService<ProvisioningService>().RunPendingAsync(subscriptionId));

    private Task<List<ProvisioningTask>> TasksAsync(Guid subscriptionId) =>
        DbAsync(db => db.ProvisioningTasks.Include(t => t.Steps).Where(t => t.SubscriptionId == subscriptionId).OrderBy(t => t.CreatedAt).ToListAsync());

    [Fact]
    public async Task Order_QueuesOneProvisionTask_ThatRunsApplicableStepsInOrder_AndMarksTheSubscriptionProvisioned()
    {
        var (tenantId, sid) = await OrderAsync("eng-order", "Bücher.Example");

        var sub = await DbAsync(db => db.Subscriptions.SingleAsync(s => s.Id == sid));
        Assert.Equal("xn--bcher-kva.example", sub.PrimaryDomain);
        Assert.Matches("^u[0-9a-f]{8}$", sub.AccountName);
        var queued = Assert.Single(await TasksAsync(sid));
        Assert.Equal((ProvisioningAction.Provision, ProvisioningTaskStatus.Queued, "billing"), (queued.Action, queued.Status, queued.RequestedBy));

        Assert.Equal([ProvisioningTaskStatus.Succeeded], await RunPendingAsync(tenantId, sid));

        var task = Assert.Single(await TasksAsync(sid));
        Assert.Equal(["fake.zone", "fake.site", "fake.cert"], task.Steps.OrderBy(s => s.Position).Select(s => s.Kind));
        Assert.All(task.Steps, s => Assert.Equal((ProvisioningStepStatus.Succeeded, 1), (s.Status, s.Attempts)));
        Assert.All(task.Steps, s => Assert.NotNull(s.DurationMs));
        Assert.Equal(0, factory.Never.CountFor(sid));
        Assert.NotNull((await DbAsync(db => db.Subscriptions.SingleAsync(s => s.Id == sid))).ProvisionedAt);
        // The steps' state is kept, encrypted, between runs.
        var account = await DbAsync(db => db.HostingAccounts.SingleAsync(a => a.SubscriptionId == sid));
        Assert.DoesNotContain("fake.zone.done", account.ProtectedState);
    }

    [Fact]
    public async Task Terminate_RunsTheStepsInReverseOrder()
    {
        var (tenantId, sid) = await OrderAsync("eng-term");
        await RunPendingAsync(tenantId, sid);
        await InTenantAsync(tenantId, sp => sp.GetRequiredService<SubscriptionsService>().TerminateAsync(sid, "test"));
        Assert.Equal([ProvisioningTaskStatus.Succeeded], await RunPendingAsync(tenantId, sid));

        var terminate = (await TasksAsync(sid)).Single(t => t.Action == ProvisioningAction.Terminate);
        Assert.Equal(["fake.cert", "fake.site", "fake.zone"], terminate.Steps.OrderBy(s => s.Position).Select(s => s.Kind));
        Assert.Equal(1, factory.Zone.CountFor(sid, ServiceAction.Terminate));
    }

    [Fact]
    public async Task StepRefusedForInvalidInput_ShowsStaffWhichFieldAndWhy()
    {
        var (tenantId, sid) = await OrderAsync("eng-invalid");
        factory.Site.Invalid[sid] = "The zone example.test is already hosted here.";

        Assert.Equal([ProvisioningTaskStatus.Failed], await RunPendingAsync(tenantId, sid));

        var step = (await TasksAsync(sid)).Single().Steps.Single(s => s.Status == ProvisioningStepStatus.Failed);
        Assert.Equal("One or more fields are invalid. name: The zone example.test is already hosted here.", step.LastError);
    }

    [Fact]
    public async Task FailingStep_IsRetriedWithBackoff_ThenTheTaskStopsInFailedWithItsError()
    {
        var (tenantId, sid) = await OrderAsync("eng-fail");
        factory.Site.FailuresLeft[sid] = int.MaxValue;

        Assert.Equal([ProvisioningTaskStatus.Failed], await RunPendingAsync(tenantId, sid));

        var task = Assert.Single(await TasksAsync(sid));
        Assert.Contains("fake.site service is down", task.Error);
        var steps = task.Steps.OrderBy(s => s.Position).ToList();
        Assert.Equal((ProvisioningStepStatus.Succeeded, 1), (steps[0].Status, steps[0].Attempts));
        Assert.Equal((ProvisioningStepStatus.Failed, 3), (steps[1].Status, steps[1].Attempts));
        Assert.Equal("fake.site service is down", steps[1].LastError);
        Assert.Equal(ProvisioningStepStatus.Pending, steps[2].Status);
        Assert.Equal(3, factory.Site.CountFor(sid));
        Assert.Equal(0, factory.Cert.CountFor(sid));
        Assert.Null((await DbAsync(db => db.Subscriptions.SingleAsync(s => s.Id == sid))).ProvisionedAt);
    }

    [Fact]
    public async Task RetryFromFailedStep_Completes_WithoutRepeatingStepsThatSucceeded()
    {
        var (tenantId, sid) = await OrderAsync("eng-retry");
        factory.Site.FailuresLeft[sid] = 4; // three attempts fail in the first run, one more in the retry
        await RunPendingAsync(tenantId, sid);
        var failed = Assert.Single(await TasksAsync(sid));
        Assert.Equal(ProvisioningTaskStatus.Failed, failed.Status);

        // Billing asking again while the task is open (failed) returns it: no second task.
        await factory.Services.GetRequiredService<IProvisioningPort>().RequestAsync(tenantId, sid, ServiceAction.Provision, "again");
        Assert.Single(await TasksAsync(sid));

        await InTenantAsync(tenantId, sp => sp.GetRequiredService<ProvisioningService>().RetryAsync(failed.Id));
        Assert.Equal([ProvisioningTaskStatus.Succeeded], await RunPendingAsync(tenantId, sid));

        Assert.Equal(1, factory.Zone.CountFor(sid));
        Assert.Equal(5, factory.Site.CountFor(sid));
        Assert.Equal(1, factory.Cert.CountFor(sid));
        var task = Assert.Single(await TasksAsync(sid));
        Assert.Equal((ProvisioningTaskStatus.Succeeded, 2), (task.Status, task.Attempts));
        Assert.Equal(5, task.Steps.Single(s => s.Kind == "fake.site").Attempts);
    }

    [Fact]
    public async Task Rollback_UndoesTheStepsThatRan_LastFirst()
    {
        var (tenantId, sid) = await OrderAsync("eng-rollback");
        factory.Cert.FailuresLeft[sid] = int.MaxValue;
        await RunPendingAsync(tenantId, sid);
        var failed = Assert.Single(await TasksAsync(sid));
        factory.Cert.FailuresLeft[sid] = 0; // the service is back; undoing the failed step is idempotent too

        var status = await factory.Services.GetRequiredService<ProvisioningEngine>().RollbackAsync(tenantId, failed.Id, CancellationToken.None);

        Assert.Equal(ProvisioningTaskStatus.RolledBack, status);
        var task = Assert.Single(await TasksAsync(sid));
        Assert.All(task.Steps, s => Assert.Equal(ProvisioningStepStatus.RolledBack, s.Status));
        var undo = factory.Zone.Calls.Concat(factory.Site.Calls).Concat(factory.Cert.Calls).Where(c => c.Subscription == sid && c.Action == ServiceAction.Terminate).ToList();
        Assert.Equal(3, undo.Count);
        Assert.Equal(1, factory.Zone.CountFor(sid, ServiceAction.Terminate));
        Assert.Equal(1, factory.Site.CountFor(sid, ServiceAction.Terminate));
    }

    [Fact]
    public async Task RepeatedRequests_WhileATaskIsOpen_ReturnTheSameTask()
    {
        var (tenantId, sid) = await OrderAsync("eng-idem");
        var port = factory.Services.GetRequiredService<IProvisioningPort>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => port.RequestAsync(tenantId, sid, ServiceAction.Provision, "again")));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => port.RequestAsync(tenantId, sid, ServiceAction.Suspend, "dunning")));

        var tasks = await TasksAsync(sid);
        Assert.Equal(1, tasks.Count(t => t.Action == ProvisioningAction.Provision));
        Assert.Equal(1, tasks.Count(t => t.Action == ProvisioningAction.Suspend));
    }

    [Fact]
    public async Task RerunAfterACrash_ContinuesFromTheFirstUnfinishedStep()
    {
        var (tenantId, sid) = await OrderAsync("eng-crash");
        var task = Assert.Single(await TasksAsync(sid));
        var started = new TaskCompletionSource();
        factory.Site.Blocks[sid] = started;
        var engine = factory.Services.GetRequiredService<ProvisioningEngine>();
        using var crash = new CancellationTokenSource();

        var run = engine.RunAsync(tenantId, task.Id, crash.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await crash.CancelAsync(); // the worker dies in the middle of the site step
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var halfway = Assert.Single(await TasksAsync(sid));
        Assert.Equal(ProvisioningTaskStatus.Running, halfway.Status);
        Assert.Equal(ProvisioningStepStatus.Running, halfway.Steps.Single(s => s.Kind == "fake.site").Status);

        // Hangfire runs the job again.
        Assert.Equal(ProvisioningTaskStatus.Succeeded, await engine.RunAsync(tenantId, task.Id, CancellationToken.None));
        Assert.Equal(1, factory.Zone.CountFor(sid));
        Assert.Equal(2, factory.Site.CountFor(sid));
        Assert.Equal(1, factory.Cert.CountFor(sid));
    }

    [Fact]
    public async Task EveryStepTransition_IsPublishedOnTheEventBus()
    {
        var (tenantId, sid) = await OrderAsync("eng-events");
        factory.Zone.FailuresLeft[sid] = 1;
        var seen = new ConcurrentQueue<string>();
        using var _ = factory.Services.GetRequiredService<ILiveEventBus>().Subscribe(tenantId, e =>
        {
            if (e.Kind == ProvisioningEvents.Kind && e.EntityId == sid.ToString()) seen.Enqueue(e.Action);
            return Task.CompletedTask;
        });

        await RunPendingAsync(tenantId, sid);

        Assert.Equal(
        [
            "task:Running", "step:fake.zone:Running", "step:fake.zone:Retrying", "step:fake.zone:Running", "step:fake.zone:Succeeded",
            "step:fake.site:Running", "step:fake.site:Succeeded", "step:fake.cert:Running", "step:fake.cert:Succeeded", "task:Succeeded",
        ], seen.ToArray());
    }

    [Fact]
    public async Task Reconcile_StoresDrift_AndRepairRunsTheProvisionPlanAgain()
    {
        var (tenantId, sid) = await OrderAsync("eng-drift");
        await RunPendingAsync(tenantId, sid);
        factory.Site.Drifted[sid] = true; // someone deleted the site behind MPanel's back

        var summaries = await InTenantAsync(tenantId, sp => sp.GetRequiredService<ProvisioningReconciler>().RunNightlyAsync(CancellationToken.None));
        Assert.Contains(summaries, s => s.ServerId is null && s.Drift >= 1 && s.Checked >= 1);
        var drift = await InTenantAsync(tenantId, sp => sp.GetRequiredService<ProvisioningService>().DriftAsync(sid));
        var row = Assert.Single(drift);
        Assert.Equal(("fake.site", "missing"), (row.Kind, row.Actual));

        await InTenantAsync(tenantId, sp => sp.GetRequiredService<ProvisioningService>().RepairAsync(sid));
        await RunPendingAsync(tenantId, sid);

        Assert.Equal(2, factory.Site.CountFor(sid));
        Assert.Empty(await InTenantAsync(tenantId, sp => sp.GetRequiredService<ProvisioningService>().DriftAsync(sid)));
        Assert.Equal(2, (await TasksAsync(sid)).Count(t => t.Action == ProvisioningAction.Provision && t.Status == ProvisioningTaskStatus.Succeeded));
    }

    [Fact]
    public async Task OrderWithAnInvalidDomain_IsRejected()
    {
        var tenant = await factory.CreateResellerAsync("eng-baddomain");
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Ada", "Bad");
        var error = await Assert.ThrowsAsync<DomainException>(() => InTenantAsync(tenant.Id, async sp =>
        {
            var product = await sp.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails("Bad Domain", ProductType.SharedHosting, null, [],
                new ProductResources { Sites = 1 }, ProductVisibility.Public, null, ProvisioningPolicy.OnOrder, [new ProductPrice(BillingCycle.Monthly, "EUR", 5m, 0m)], []));
            return await sp.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customer.Id, [new CartLine(product.Id, BillingCycle.Monthly, Domain: "bad;domain\n.com")]), OrderChannel.Admin);
        }));
        Assert.Contains("items[0].domain", ((ValidationError)error.Error).Fields.Keys);
    }
}
