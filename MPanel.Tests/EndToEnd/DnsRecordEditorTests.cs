using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using MPanel.Infrastructure.Dns;
using MPanel.Tests.Features.DnsZones;
using MPanel.Web.Features.DnsZones;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

public sealed class DnsRecordEditorTests(BrowserFactory app) : IClassFixture<BrowserFactory>, IAsyncLifetime
{
    private readonly string _zone = PowerDns.UniqueZone("e2e");

    public Task InitializeAsync() => PowerDns.EnsureReachableAsync();

    public Task DisposeAsync() => PowerDns.Client(app).DeleteZoneAsync(_zone, CancellationToken.None);

    [Fact]
    public async Task Admin_AddsARecord_SeesFieldErrors_AndRepairsDrift()
    {
        var platform = await app.PlatformAsync();
        var customerId = await app.InSystemScopeAsync((_, db) => db.Customers.Where(c => c.TenantId == platform.Id).Select(c => c.Id).FirstAsync());
        var zone = await PowerDns.AsTenantAsync(app, platform.Id, s => s.CreateAsync(new CreateDnsZoneRequest(customerId, _zone)));

        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await page.GotoAsync($"/dns/{zone.Id}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("zone-title")).ToHaveTextAsync(_zone);
        var grid = page.GetByTestId("records-grid");
        await Expect(grid.Locator(".mud-table-body tr", new() { HasText = "mail." })).ToBeVisibleAsync();

        // A bad address is a field error in the dialog; nothing is published.
        await page.GetByTestId("add-record").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await dialog.GetByLabel("Name").FillAsync("shop");
        await dialog.GetByLabel("IPv4 address").FillAsync("192.0.2.300");
        await dialog.GetByTestId("save-record").ClickAsync();
        await Expect(dialog.GetByText("Enter an IPv4 address like 192.0.2.10.")).ToBeVisibleAsync();
        Assert.Empty(await PowerDns.DigAsync($"shop.{_zone}", "A"));

        await dialog.GetByLabel("IPv4 address").FillAsync("192.0.2.44");
        await dialog.GetByTestId("save-record").ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(grid.Locator(".mud-table-body tr", new() { HasText = "192.0.2.44" })).ToBeVisibleAsync();
        Assert.Equal(["192.0.2.44"], await PowerDns.DigAsync($"shop.{_zone}", "A"));

        // Someone deletes it on PowerDNS directly: the page shows the drift, Repair puts it back.
        await PowerDns.Client(app).PatchRrsetsAsync(_zone, [new PdnsRrset($"shop.{_zone}.", "A", null, "DELETE", null)], CancellationToken.None);
        await page.ReloadAsync();
        await BrowserFactory.WaitForCircuitAsync(page);
        var banner = page.GetByTestId("drift-banner");
        await Expect(banner).ToContainTextAsync($"shop.{_zone} A");
        await BrowserFactory.ScreenshotAsync(page, "dns-record-editor-drift");
        await banner.GetByTestId("repair").ClickAsync();
        await Expect(banner).ToHaveCountAsync(0);
        Assert.Equal(["192.0.2.44"], await PowerDns.DigAsync($"shop.{_zone}", "A"));
        await BrowserFactory.ScreenshotAsync(page, "dns-record-editor");
    }
}
