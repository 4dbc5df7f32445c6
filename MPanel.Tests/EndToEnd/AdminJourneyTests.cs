using Microsoft.Playwright;
using MPanel.Domain.Customers;
using MPanel.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

public sealed class AdminJourneyTests(BrowserFactory app) : IClassFixture<BrowserFactory>
{
    [Fact]
    public async Task Admin_SignsIn_CreatesACustomer_AndSeesItInTheGrid()
    {
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("stat-customers-value")).Not.ToHaveTextAsync("0");
        await BrowserFactory.ScreenshotAsync(page, "dashboard");

        await page.GotoAsync("/customers");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();
        await page.GetByTestId("new-customer").ClickAsync();

        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        // Empty form: the fields say what is missing, nothing is saved.
        await page.GetByTestId("save-customer").ClickAsync();
        await Expect(dialog.GetByText("First name is required.")).ToBeVisibleAsync();

        await dialog.GetByLabel("First name").FillAsync("Katherine");
        await dialog.GetByLabel("Last name").FillAsync("Johnson");
        await dialog.GetByLabel("Email").FillAsync("katherine@example"); // passes the browser, refused by the domain
        await dialog.GetByLabel("Company (optional)").FillAsync("Langley Research");
        await dialog.GetByTestId("country").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("United States", new() { Exact = true }).ClickAsync();
        await page.GetByTestId("save-customer").ClickAsync();
        await Expect(dialog.GetByText("Enter a valid email address.")).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "customer-dialog-errors");

        await dialog.GetByLabel("Email").FillAsync("katherine.johnson@example.org");
        await page.GetByTestId("save-customer").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        await page.GetByPlaceholder("Search name, email or company").FillAsync("Johnson");
        var row = page.Locator(".mud-table-body tr", new() { HasText = "katherine.johnson@example.org" });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("Langley Research");
        await BrowserFactory.ScreenshotAsync(page, "customers-grid");

        await row.ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Katherine Johnson");
        await BrowserFactory.ScreenshotAsync(page, "customer-detail");
    }

    [Fact]
    public async Task CustomerCreatedElsewhere_AppearsOnAnotherBrowsersDashboardAndGrid_WithoutReload()
    {
        var dashboard = await app.SignedInPageAsync("admin@mpanel.localhost");
        await BrowserFactory.WaitForCircuitAsync(dashboard);
        var counter = dashboard.GetByTestId("stat-customers-value");
        await Expect(counter).Not.ToHaveTextAsync("0");
        var before = int.Parse((await counter.TextContentAsync())!.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);

        var grid = await app.SignedInPageAsync("support@mpanel.localhost");
        await grid.GotoAsync("/customers");
        await BrowserFactory.WaitForCircuitAsync(grid);
        await Expect(grid.Locator(".mud-table-body tr").First).ToBeVisibleAsync();

        // A third party (the API, as the billing manager) creates a customer.
        var api = await app.SignedInAsync("billing@mpanel.localhost", Infrastructure.Seeding.DemoSeeder.Password);
        var created = await api.PostJsonAsync("/api/customers", new CustomerDetails("Dorothy", "Vaughan", "dorothy.vaughan@example.org", "West Computing", null, "US"));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);

        await Expect(counter).ToHaveTextAsync((before + 1).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(grid.Locator(".mud-table-body tr", new() { HasText = "dorothy.vaughan@example.org" })).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(dashboard, "dashboard-live");
    }

    [Fact]
    public async Task Admin_MakesAnAccessTokenInTheUi_AndAScriptUsesIt()
    {
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await page.GotoAsync("/account/tokens");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("token-name").FillAsync("nightly export");
        await page.GetByLabel("Scopes").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("customers.read", new() { Exact = true }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.GetByTestId("create-token").ClickAsync();
        var secret = (await page.GetByTestId("token-secret").TextContentAsync())!.Trim();
        await Expect(page.Locator("table")).ToContainTextAsync("nightly export");
        await BrowserFactory.ScreenshotAsync(page, "access-tokens");

        var script = new HttpClient { BaseAddress = new Uri(app.RootUrl) };
        script.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await script.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await script.GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task Client_LandsInTheClientArea_AndCannotOpenStaffPages()
    {
        var page = await app.SignedInPageAsync("client@mpanel.localhost");
        await page.WaitForURLAsync("**/client");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator("a.mud-nav-link")).ToHaveCountAsync(1);
        await BrowserFactory.ScreenshotAsync(page, "client-home");
        var response = await page.GotoAsync("/customers");
        Assert.Equal(403, response!.Status);
        await Expect(page.Locator("h1")).ToHaveTextAsync("You do not have access");
    }
}
