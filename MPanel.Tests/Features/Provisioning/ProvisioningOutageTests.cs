using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Features.Databases;
using MPanel.Tests.Features.DnsZones;
using MPanel.Tests.Features.Sites;
using MPanel.Tests.Support;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Databases;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Provisioning;
using MPanel.Web.Features.Subscriptions;
using Xunit;

namespace MPanel.Tests.Features.Provisioning;

/// <summary>Failure tests with the real steps (DNS zone via PowerDNS, site via the agent, database via MariaDB): the agent
/// or PowerDNS goes away in the middle of a plan. The shared services keep running for everyone else; this host reaches
/// them through <see cref="TcpForwarder"/>s the test switches off and on again.</summary>
/// <remarks>Same collection as <see cref="ProvisioningEngineTests"/>: Hangfire's job storage is process-global, so the two hosts must not run side by side.</remarks>
[Collection("Provisioning")]
public sealed class ProvisioningOutageTests(ProvisioningOutageTests.Factory factory) : IClassFixture<ProvisioningOutageTests.Factory>
{
    public sealed class Factory : MPanelFactory
    {
        public TcpForwarder Agent { get; } = new(58090);
        public TcpForwarder PowerDnsApi { get; } = new(58081);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Agent:Url", Agent.Url);
            builder.UseSetting("PowerDns:ApiUrl", PowerDnsApi.Url);
            builder.UseSetting("Provisioning:StepAttempts", "3");
            builder.UseSetting("Provisioning:RetryDelaysMs", "20,40");
            builder.UseSetting("CustomerDatabases:MariaDbAdmin", $"Server={CustomerDatabasesTests.Factory.MariaDbSocket()};Protocol=Unix;User ID=root");
            builder.UseSetting("CustomerDatabases:DefaultEngine", "MariaDb");
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (!disposing) return;
            Agent.DisposeAsync().AsTask().GetAwaiter().GetResult();
            PowerDnsApi.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private sealed record Ordered(Guid TenantId, Guid SubscriptionId, Guid TaskId, string Domain, string Account);

    private async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider);
    }

    private Task<T> DbAsync<T>(Func<Infrastructure.Persistence.MPanelDbContext, Task<T>> query) => factory.InSystemScopeAsync((_, db) => query(db));

    private Task<ProvisioningTask> TaskAsync(Guid taskId) =>
        DbAsync(db => db.ProvisioningTasks.AsNoTracking().Include(t => t.Steps).SingleAsync(t => t.Id == taskId));

    /// <summary>A hosting product with a zone, a site and a database, ordered with a unique domain (queues the Provision task).</summary>
    private async Task<Ordered> OrderAsync(string slug)
    {
        await SiteStack.RequireAsync();
        await PowerDns.EnsureReachableAsync();
        var tenant = await factory.CreateResellerAsync(slug);
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Olga", slug);
        var domain = PowerDns.UniqueZone("out");
        var order = await InTenantAsync(tenant.Id, async sp =>
        {
            var product = await sp.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails("Outage Hosting", ProductType.SharedHosting, null, [],
                new ProductResources { Sites = 1, DnsZones = 1, Databases = 1 }, ProductVisibility.Public, null, ProvisioningPolicy.OnOrder,
                [new ProductPrice(BillingCycle.Monthly, "EUR", 5m, 0m)], []));
            return await sp.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customer.Id, [new CartLine(product.Id, BillingCycle.Monthly, Domain: domain)]), OrderChannel.Admin);
        });
        var sid = order.Items[0].SubscriptionId;
        var sub = await DbAsync(db => db.Subscriptions.SingleAsync(s => s.Id == sid));
        var task = await DbAsync(db => db.ProvisioningTasks.SingleAsync(t => t.SubscriptionId == sid));
        return new Ordered(tenant.Id, sid, task.Id, domain, sub.AccountName);
    }

    /// <summary>Polls the task's rows until <paramref name="done"/> holds (the engine runs in this process; no fixed sleeps).</summary>
    private async Task<ProvisioningTask> WaitForAsync(Guid taskId, Func<ProvisioningTask, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        ProvisioningTask task;
        while (!done(task = await TaskAsync(taskId)))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}: task {task.Status}, steps {string.Join(", ", task.Steps.OrderBy(s => s.Position).Select(s => $"{s.Kind}={s.Status}/{s.Attempts}"))}");
            await Task.Delay(10);
        }
        return task;
    }

    private static ProvisioningStep Step(ProvisioningTask task, string kind) => task.Steps.Single(s => s.Kind == kind);

    private Task<ProvisioningTaskStatus> RunAsync(Ordered o) =>
        factory.Services.GetRequiredService<ProvisioningEngine>().RunAsync(o.TenantId, o.TaskId, CancellationToken.None);

    private async Task RetryAndCompleteAsync(Ordered o)
    {
        await InTenantAsync(o.TenantId, sp => sp.GetRequiredService<ProvisioningService>().RetryAsync(o.TaskId));
        Assert.Equal(ProvisioningTaskStatus.Succeeded, await RunAsync(o));
    }

    [Fact]
    public async Task AgentDownAfterTheZoneStep_SiteStepRetriesThenFails_AndARetryAfterRecoveryCompletesWithoutDuplicates()
    {
        var o = await OrderAsync("out-agent");
        factory.Agent.Hold(); // the site step's first call waits at the forwarder
        var run = RunAsync(o);
        var midway = await WaitForAsync(o.TaskId, t => t.Steps.Any(s => s.Kind == "site" && s.Status == ProvisioningStepStatus.Running) && factory.Agent.Held > 0, "the site step to call the agent");
        Assert.Equal((ProvisioningStepStatus.Succeeded, 1), (Step(midway, "dns.zone").Status, Step(midway, "dns.zone").Attempts));

        factory.Agent.Down();
        Assert.Equal(ProvisioningTaskStatus.Failed, await run);

        var failed = await TaskAsync(o.TaskId);
        var site = Step(failed, "site");
        Assert.Equal((ProvisioningStepStatus.Failed, 3), (site.Status, site.Attempts));
        Assert.False(string.IsNullOrWhiteSpace(site.LastError));
        Assert.False(string.IsNullOrWhiteSpace(failed.Error));
        Assert.Contains(site.LastError!, failed.Error);
        Assert.Equal(ProvisioningStepStatus.Pending, Step(failed, "database").Status);
        Assert.True(factory.Agent.Refused >= 3, $"each attempt reached the (down) agent: {factory.Agent.Refused} refused");
        Assert.Null((await DbAsync(db => db.Subscriptions.SingleAsync(s => s.Id == o.SubscriptionId))).ProvisionedAt);

        factory.Agent.Up();
        await RetryAndCompleteAsync(o);

        var done = await TaskAsync(o.TaskId);
        Assert.Equal(1, Step(done, "dns.zone").Attempts); // not repeated
        Assert.Equal(4, Step(done, "site").Attempts);
        await AssertExactlyOneOfEachAsync(o);
        await TerminateAsync(o);
    }

    [Fact]
    public async Task PowerDnsDownInTheZoneStep_RetriesThenFails_AndARetryAfterRecoveryCompletesWithoutDuplicates()
    {
        var o = await OrderAsync("out-pdns");
        factory.PowerDnsApi.Hold();
        var run = RunAsync(o);
        await WaitForAsync(o.TaskId, t => t.Steps.Any(s => s.Kind == "dns.zone" && s.Status == ProvisioningStepStatus.Running) && factory.PowerDnsApi.Held > 0, "the zone step to call PowerDNS");

        factory.PowerDnsApi.Down();
        Assert.Equal(ProvisioningTaskStatus.Failed, await run);

        var failed = await TaskAsync(o.TaskId);
        var zone = Step(failed, "dns.zone");
        Assert.Equal((ProvisioningStepStatus.Failed, 3), (zone.Status, zone.Attempts));
        Assert.False(string.IsNullOrWhiteSpace(zone.LastError));
        Assert.Contains(zone.LastError!, failed.Error);
        Assert.All(failed.Steps.Where(s => s.Kind != "dns.zone"), s => Assert.Equal(ProvisioningStepStatus.Pending, s.Status));
        Assert.False(await SiteStack.SystemUserExistsAsync(o.Account));

        factory.PowerDnsApi.Up();
        await RetryAndCompleteAsync(o);
        Assert.Equal(4, Step(await TaskAsync(o.TaskId), "dns.zone").Attempts);
        await AssertExactlyOneOfEachAsync(o);
        await TerminateAsync(o);
    }

    /// <summary>From outside MPanel as well as in its rows: one zone whose record sets are unique (one NS set), one nginx
    /// server block for the domain, one system user, one database.</summary>
    private async Task AssertExactlyOneOfEachAsync(Ordered o)
    {
        // PowerDNS, read directly (not through the forwarder): every (name, type) once, no repeated record, one NS set.
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{PowerDns.ApiUrl}/api/v1/servers/localhost/zones/{o.Domain}.");
        request.Headers.Add("X-API-Key", PowerDns.ApiKey);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zone = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var rrsets = zone.RootElement.GetProperty("rrsets").EnumerateArray()
            .Select(r => (Name: r.GetProperty("name").GetString()!, Type: r.GetProperty("type").GetString()!,
                Records: r.GetProperty("records").EnumerateArray().Select(x => x.GetProperty("content").GetString()!).ToList())).ToList();
        Assert.Equal(rrsets.Count, rrsets.Select(r => (r.Name, r.Type)).Distinct().Count());
        Assert.All(rrsets, r => Assert.Equal(r.Records.Count, r.Records.Distinct().Count()));
        var ns = Assert.Single(rrsets, r => r.Type == "NS" && r.Name == o.Domain + ".");
        Assert.NotEmpty(ns.Records);
        Assert.Equal(ns.Records.Order().ToArray(), (await PowerDns.DigAsync(o.Domain, "NS")).Order().ToArray());
        Assert.NotEmpty(await PowerDns.DigAsync(o.Domain, "A"));
        Assert.Equal(1, await DbAsync(db => db.DnsZones.CountAsync(z => z.Name == o.Domain)));

        // nginx: exactly one server block names the domain, and it serves the placed page.
        var sitesDir = NginxSitesDir();
        var blocks = Directory.EnumerateFiles(sitesDir, "*.conf")
            .Sum(f => File.ReadLines(f).Count(l => l.TrimStart().StartsWith("server_name ", StringComparison.Ordinal) && l.Split(' ', ';').Contains(o.Domain)));
        Assert.Equal(1, blocks);
        await SiteStack.WaitForAsync(o.Domain, "/", HttpStatusCode.OK, $"<h1>{o.Domain}</h1>");
        Assert.Equal(1, await DbAsync(db => db.Sites.CountAsync(s => s.SubscriptionId == o.SubscriptionId)));

        // One system user.
        Assert.Equal(1, File.ReadLines("/etc/passwd").Count(l => l.StartsWith(o.Account + ":", StringComparison.Ordinal)));

        // One database, and it exists on MariaDB.
        var db = Assert.Single(await DbAsync(d => d.CustomerDatabases.Where(x => x.SubscriptionId == o.SubscriptionId).ToListAsync()));
        Assert.True(await factory.Services.GetRequiredService<DatabaseProviders>().For(db.Engine).DatabaseExistsAsync(db.Name, CancellationToken.None));
    }

    private async Task TerminateAsync(Ordered o)
    {
        await InTenantAsync(o.TenantId, sp => sp.GetRequiredService<SubscriptionsService>().TerminateAsync(o.SubscriptionId, "test cleanup"));
        Assert.Equal([ProvisioningTaskStatus.Succeeded], await InTenantAsync(o.TenantId, sp => sp.GetRequiredService<ProvisioningService>().RunPendingAsync(o.SubscriptionId)));
        Assert.False(await SiteStack.SystemUserExistsAsync(o.Account));
    }

    /// <summary>The agent's nginx sites directory: MPANEL_TEST_NGINX_SITES, else the checkout's .data/nginx/sites (scripts/test).</summary>
    private static string NginxSitesDir()
    {
        if (Environment.GetEnvironmentVariable("MPANEL_TEST_NGINX_SITES") is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".data", "nginx", "sites");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("The agent's nginx sites directory was not found: set MPANEL_TEST_NGINX_SITES (scripts/test runs the agent with .data/nginx/sites).");
    }
}
