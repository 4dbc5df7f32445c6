using System.Net;
using Microsoft.Playwright;
using MPanel.Tests.Features.Sites;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

/// <summary>Staff create a site in the browser; the real nginx serves it; suspend and unsuspend from its page.</summary>
public sealed class SitesJourneyTests(BrowserFactory app) : IClassFixture<BrowserFactory>
{
    [Fact]
    public async Task Admin_CreatesASite_ChangesItsAliases_SuspendsAndUnsuspendsIt()
    {
        await SiteStack.RequireAsync();
        var domain = $"journey-{Guid.NewGuid().ToString("N")[..8]}.test";
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await page.GotoAsync("/sites");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("new-site").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("Primary domain").FillAsync("evil.com;}");
        await page.GetByTestId("create-site").ClickAsync();
        await Expect(dialog.GetByText("Enter a domain name in ASCII")).ToBeVisibleAsync();
        await dialog.GetByLabel("Primary domain").FillAsync(domain);
        await dialog.GetByLabel("Aliases").FillAsync($"www.{domain}");
        await page.GetByTestId("create-site").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync(domain, new() { Timeout = 60_000 });
        await SiteStack.WaitForAsync($"www.{domain}", "/", HttpStatusCode.OK, domain);
        await Expect(page.GetByTestId("site-php")).ToContainTextAsync("8.2");
        await BrowserFactory.ScreenshotAsync(page, "site-detail");

        await page.GetByLabel("Aliases").FillAsync($"www.{domain} shop.{domain}");
        await page.GetByTestId("save-site").ClickAsync();
        await Expect(page.GetByText("Settings applied to the server.")).ToBeVisibleAsync();
        await SiteStack.WaitForAsync($"shop.{domain}", "/", HttpStatusCode.OK, domain);

        await page.GetByTestId("suspend-site").ClickAsync();
        await Expect(page.GetByTestId("unsuspend-site")).ToBeVisibleAsync();
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.ServiceUnavailable, "This site is suspended");
        await BrowserFactory.ScreenshotAsync(page, "site-suspended");
        await page.GetByTestId("unsuspend-site").ClickAsync();
        await Expect(page.GetByTestId("suspend-site")).ToBeVisibleAsync();
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.OK, domain);

        await page.GotoAsync("/sites");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator(".mud-table-body tr", new() { HasText = domain })).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "sites-grid");

        // Clean up the host: the account, its files and its server block.
        await page.Locator(".mud-table-body tr", new() { HasText = domain }).ClickAsync();
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByLabel("More actions").ClickAsync();
        await page.GetByText("Delete site and account…").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.GetByText("Site deleted.")).ToBeVisibleAsync();
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.NotFound, "");
    }
}
