using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MPanel.Domain.Billing;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.EndToEnd;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Provisioning;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.Features.Provisioning;

/// <summary>The subscription page's stepper follows a running task live (bus events, no reload), shows a failure with
/// its error, and the queue page lists it with retry; the engine runs in the test host with fake steps defined here.</summary>
public sealed class ProvisioningStepperBrowserTests(ProvisioningStepperBrowserTests.Factory app) : IClassFixture<ProvisioningStepperBrowserTests.Factory>
{
    /// <summary>A site step that waits at a gate per subscription and can be told to fail.</summary>
    public sealed class GatedStep(string kind, int order, string title) : IProvisioningStep
    {
        public string Kind => kind;
        public int Order => order;
        public string Title => title;
        public ConcurrentDictionary<Guid, TaskCompletionSource> Gates { get; } = new();
        public ConcurrentDictionary<Guid, bool> Failing { get; } = new();
        public bool AppliesTo(ProvisioningStepContext context) => true;

        public async Task RunAsync(ProvisioningStepContext context, CancellationToken ct)
        {
            if (Gates.TryGetValue(context.SubscriptionId, out var gate)) await gate.Task.WaitAsync(ct);
            if (Failing.ContainsKey(context.SubscriptionId)) throw new InvalidOperationException("connection refused (127.0.0.1:58090)");
        }

        public Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(ProvisioningStepContext context, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<ProvisioningDrift>>([]);
    }

    public sealed class Factory : BrowserFactory
    {
        public GatedStep Zone { get; } = new("ui.zone", 10, "DNS zone");
        public GatedStep Site { get; } = new("ui.site", 20, "Website");
        public GatedStep Cert { get; } = new("ui.cert", 40, "Certificate");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Provisioning:RetryDelaysMs", "10");
            builder.UseSetting("CustomerDatabases:MariaDbAdmin", $"Server={Databases.CustomerDatabasesTests.Factory.MariaDbSocket()};Protocol=Unix;User ID=root");
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<IProvisioningStep>();
                services.AddSingleton<IProvisioningStep>(Zone);
                services.AddSingleton<IProvisioningStep>(Site);
                services.AddSingleton<IProvisioningStep>(Cert);
            });
        }
    }

    private const string Admin = "admin@mpanel.localhost";

    private async Task<(Guid TenantId, Guid SubscriptionId)> OrderAsync(string domain)
    {
        var platform = await app.PlatformAsync();
        var customer = await app.CreateCustomerAsync(platform.Id, "Linus", "Stepper" + Guid.NewGuid().ToString("N")[..4]);
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(platform.Id, "test");
        var product = await scope.ServiceProvider.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails("Stepper Hosting " + domain, ProductType.SharedHosting, null, [],
            new ProductResources { Sites = 1, DnsZones = 1, Certificates = 1 }, ProductVisibility.Public, null, ProvisioningPolicy.OnOrder, [new ProductPrice(BillingCycle.Monthly, "EUR", 9m, 0m)], []));
        var order = await scope.ServiceProvider.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customer.Id, [new CartLine(product.Id, BillingCycle.Monthly, Domain: domain)]), OrderChannel.Admin);
        return (platform.Id, order.Items[0].SubscriptionId);
    }

    private async Task<Guid> TaskIdAsync(Guid subscriptionId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var platform = await app.PlatformAsync();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(platform.Id, "test");
        return (await scope.ServiceProvider.GetRequiredService<ProvisioningService>().ForSubscriptionAsync(subscriptionId)).First().Id;
    }

    [Fact]
    public async Task Stepper_FollowsARunningTaskLive_AndAFailureShowsItsErrorWithRetry()
    {
        var (tenantId, sid) = await OrderAsync("stepper.example");
        var gate = new TaskCompletionSource();
        app.Site.Gates[sid] = gate;
        var page = await app.SignedInPageAsync(Admin);
        await page.GotoAsync($"/subscriptions/{sid}");
        await BrowserFactory.WaitForCircuitAsync(page);
        var stepper = page.GetByTestId("provisioning-stepper");
        await Expect(stepper.GetByTestId("provisioning-status")).ToHaveTextAsync("Queued");
        await Expect(page.GetByTestId("subscription-domain")).ToHaveTextAsync("stepper.example");

        // The job runs (here: in the test host); the open page re-renders on each event.
        var engine = app.Services.GetRequiredService<ProvisioningEngine>();
        var run = engine.RunAsync(tenantId, await TaskIdAsync(sid), CancellationToken.None);
        await Expect(stepper.Locator("[data-kind='ui.zone']")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Expect(stepper.Locator("[data-kind='ui.site']")).ToHaveAttributeAsync("data-status", "Running");
        await Expect(stepper.Locator("[data-kind='ui.cert']")).ToHaveAttributeAsync("data-status", "Pending");
        await BrowserFactory.ScreenshotAsync(page, "provisioning-stepper-running");
        gate.SetResult();
        Assert.Equal(ProvisioningTaskStatus.Succeeded, await run);
        await Expect(stepper.GetByTestId("provisioning-status")).ToHaveTextAsync("Succeeded");
        await Expect(stepper.Locator("[data-status='Succeeded']")).ToHaveCountAsync(3);
        await BrowserFactory.ScreenshotAsync(page, "provisioning-stepper-succeeded");

        // A second service whose agent is down: retries, then Failed with the error, retry and roll back offered.
        var (_, failing) = await OrderAsync("broken.example");
        app.Site.Failing[failing] = true;
        await page.GotoAsync($"/subscriptions/{failing}");
        await BrowserFactory.WaitForCircuitAsync(page);
        Assert.Equal(ProvisioningTaskStatus.Failed, await engine.RunAsync(tenantId, await TaskIdAsync(failing), CancellationToken.None));
        stepper = page.GetByTestId("provisioning-stepper");
        await Expect(stepper.GetByTestId("provisioning-error")).ToContainTextAsync("connection refused");
        await Expect(stepper.Locator("[data-kind='ui.site']")).ToHaveAttributeAsync("data-status", "Failed");
        await Expect(stepper.GetByTestId("provisioning-retry")).ToBeVisibleAsync();
        await Expect(stepper.GetByTestId("provisioning-rollback")).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "provisioning-stepper-failed");

        // The queue page, filtered to failures, shows the error; retry there queues the task again.
        await page.GotoAsync("/provisioning");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("provisioning-status-filter").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Failed", new() { Exact = true }).ClickAsync();
        var grid = page.GetByTestId("provisioning-grid");
        await Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
        await Expect(grid.GetByTestId("provisioning-status").Filter(new() { HasNotText = "Failed" })).ToHaveCountAsync(0);
        await Expect(grid.GetByTestId("provisioning-row-error").First).ToContainTextAsync("connection refused");
        await BrowserFactory.ScreenshotAsync(page, "provisioning-queue-failed");
        app.Site.Failing.TryRemove(failing, out _);
        await grid.GetByTestId("queue-retry").First.ClickAsync();
        await Expect(grid.GetByTestId("queue-retry")).ToHaveCountAsync(0);
        Assert.Equal(ProvisioningTaskStatus.Succeeded, await engine.RunAsync(tenantId, await TaskIdAsync(failing), CancellationToken.None));
        }

    [Fact]
    public async Task Staff_AddAServerWithAnEncryptedSecret_AndCreateACustomerDatabaseWhosePasswordIsShownOnce()
    {
        var page = await app.SignedInPageAsync(Admin);
        await page.GotoAsync("/servers");
        await BrowserFactory.WaitForCircuitAsync(page);
        var name = "web-" + Guid.NewGuid().ToString("N")[..6];
        await FillAsync(page.GetByTestId("server-name"), name);
        await FillAsync(page.GetByTestId("server-host"), "127.0.0.1");
        await page.GetByTestId("server-create").ClickAsync();
        await Expect(page.GetByTestId("server-title")).ToHaveTextAsync(name);
        await FillAsync(page.GetByTestId("connection-endpoint"), "http://127.0.0.1:58090");
        await FillAsync(page.GetByTestId("connection-secret"), "mpanel-dev-agent-secret");
        await page.GetByTestId("connection-save").ClickAsync();
        await Expect(page.GetByTestId("server-connections")).ToContainTextAsync("stored, encrypted");
        await page.GetByTestId("server-check").ClickAsync();
        await Expect(page.GetByTestId("server-health")).ToContainTextAsync("http://127.0.0.1:58090");
        await BrowserFactory.ScreenshotAsync(page, "servers-detail");
        var stored = await app.InSystemScopeAsync((_, db) => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Servers, s => s.Name == name));
        Assert.DoesNotContain("mpanel-dev-agent-secret", stored.Connections.Single().ProtectedSecret);

        await page.GotoAsync("/databases");
        await BrowserFactory.WaitForCircuitAsync(page);
        await app.CreateCustomerAsync((await app.PlatformAsync()).Id, "Ada", "Dbpage");
        await FillAsync(page.GetByTestId("customer-picker"), "Dbpage");
        await page.Locator(".mud-popover-open").GetByText("Ada Dbpage").First.ClickAsync();
        var dbName = "shop_" + Guid.NewGuid().ToString("N")[..6];
        await FillAsync(page.GetByTestId("database-name"), dbName);
        await page.GetByTestId("database-create").ClickAsync();
        await Expect(page.GetByTestId("database-credentials")).ToContainTextAsync(dbName);
        Assert.True((await page.GetByTestId("database-password").TextContentAsync())!.Trim().Length >= 20);
        await Expect(page.GetByTestId("databases-grid")).ToContainTextAsync(dbName);
        await BrowserFactory.ScreenshotAsync(page, "databases-created");
    }

    private static async Task FillAsync(ILocator field, string value)
    {
        var inner = field.Locator("input, textarea");
        if (await inner.CountAsync() > 0) await inner.First.FillAsync(value);
        else await field.FillAsync(value);
    }
}
