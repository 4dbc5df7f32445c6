using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

public sealed class ZzTmpCatalogScreens(BrowserFactory app) : IClassFixture<BrowserFactory>
{
    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = $"/tmp/catalog-shots/{name}.png", FullPage = true });

    [Fact]
    public async Task Screens()
    {
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await BrowserFactory.WaitForCircuitAsync(page);
        var api = page.Context.APIRequest;
        var settings = await (await api.GetAsync("/api/billing/settings")).JsonAsync();
        var s = System.Text.Json.Nodes.JsonNode.Parse(settings!.Value.GetRawText())!.AsObject();
        s["currencyRates"] = System.Text.Json.Nodes.JsonNode.Parse("[{\"currency\":\"USD\",\"rate\":1.08},{\"currency\":\"GBP\",\"rate\":0.86}]");
        s["sellerAddress"] = System.Text.Json.Nodes.JsonNode.Parse("[\"Keizersgracht 1\",\"1015 CJ Amsterdam\"]");
        var put = await api.PutAsync("/api/billing/settings", new() { DataString = s.ToJsonString(), Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });
        Assert.True(put.Ok, await put.TextAsync());
        string P(string name, string type, string vis, string prices, string stock = "null", string options = "[]") => $$"""
        {"name":"{{name}}","type":"{{type}}","description":"Fast SSD hosting.","features":["Free SSL","Daily backups"],
         "resources":{"sites":3,"diskMb":20480,"bandwidthGb":200,"mailboxes":10,"databases":2,"dnsZones":3,"certificates":3,"backupSchedule":"daily"},
         "visibility":"{{vis}}","stockLimit":{{stock}},"provisioningPolicy":"OnPayment","prices":{{prices}},"options":{{options}}}
        """;
        var opts = """[{"code":"extra-disk","name":"Extra disk","unit":"10 GB","maxQuantity":10,"prices":[{"cycle":"Monthly","currency":"EUR","amount":2,"setupFee":0},{"cycle":"Annual","currency":"EUR","amount":20,"setupFee":0}]}]""";
        foreach (var body in new[]
        {
            P("Starter Hosting", "SharedHosting", "Public", """[{"cycle":"Monthly","currency":"EUR","amount":4.99,"setupFee":0},{"cycle":"Annual","currency":"EUR","amount":47.88,"setupFee":0},{"cycle":"Monthly","currency":"USD","amount":5.49,"setupFee":0}]""", options: opts),
            P("Business Hosting", "SharedHosting", "Public", """[{"cycle":"Monthly","currency":"EUR","amount":14.99,"setupFee":10}]""", "50"),
            P("Wildcard SSL", "Ssl", "Hidden", """[{"cycle":"Annual","currency":"EUR","amount":89,"setupFee":0}]"""),
            P("Legacy Plan", "SharedHosting", "Retired", """[{"cycle":"OneTime","currency":"GBP","amount":120,"setupFee":0}]"""),
        })
        {
            var r = await api.PostAsync("/api/products", new() { DataString = body, Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });
            Assert.True(r.Ok, await r.TextAsync());
        }
        var promo = """{"code":"SPRING25","description":"Spring campaign","kind":"Percent","value":25,"currency":null,"recurring":false,"productIds":[],"startsAt":null,"endsAt":"2027-01-01T00:00:00Z","maxUses":100,"perCustomerLimit":1,"active":true}""";
        await api.PostAsync("/api/promo-codes", new() { DataString = promo, Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });
        await api.PostAsync("/api/tax-rules", new() { DataString = """{"name":"VAT","country":"NL","region":null,"rate":21,"compound":false,"priority":0}""", Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });
        await api.PostAsync("/api/tax-rules", new() { DataString = """{"name":"GST","country":"CA","region":null,"rate":5,"compound":false,"priority":0}""", Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });
        await api.PostAsync("/api/tax-rules", new() { DataString = """{"name":"QST","country":"CA","region":"QC","rate":9.975,"compound":true,"priority":1}""", Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });

        await page.GotoAsync("/products");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator(".mud-table-body tr", new() { HasText = "Starter Hosting" })).ToBeVisibleAsync();
        await Shot(page, "01-products");
        await page.Locator(".mud-table-body tr", new() { HasText = "Starter Hosting" }).ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "02-dialog-general");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Resources" }).ClickAsync();
        await page.WaitForTimeoutAsync(300);
        await Shot(page, "03-dialog-resources");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Prices (3)" }).ClickAsync();
        await page.WaitForTimeoutAsync(300);
        await Shot(page, "04-dialog-prices");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Options (1)" }).ClickAsync();
        await page.WaitForTimeoutAsync(300);
        await Shot(page, "05-dialog-options");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Dunning" }).ClickAsync();
        await page.GetByTestId("dunning-override").ClickAsync();
        await page.WaitForTimeoutAsync(300);
        await Shot(page, "06-dialog-dunning");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        await page.GetByTestId("new-product").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("Name").First.FillAsync("X");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Prices (1)" }).ClickAsync();
        await dialog.GetByLabel("Remove price").ClickAsync();
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "General" }).ClickAsync();
        await page.GetByTestId("save-product").ClickAsync();
        await page.WaitForTimeoutAsync(800);
        await Shot(page, "07-dialog-errors");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Prices (0)" }).ClickAsync();
        await page.WaitForTimeoutAsync(300);
        await Shot(page, "08-dialog-errors-prices");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await page.Locator(".mud-table-body tr", new() { HasText = "Business Hosting" }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("Name").First.FillAsync("Business Hosting Plus");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Prices (1)" }).ClickAsync();
        await page.GetByTestId("add-price").ClickAsync();
        await page.GetByTestId("save-product").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator(".mud-table-body tr", new() { HasText = "Business Hosting Plus" })).ToBeVisibleAsync();
        await Shot(page, "08b-saved");

        await page.GotoAsync("/billing/settings");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("number-preview")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "09-settings");
        await page.GetByTestId("number-format").FillAsync("{prefix}{yy}{mm}/{n:4}");
        await page.GetByTestId("reminder-days").FillAsync("-7, x");
        await page.GetByTestId("save-settings").ClickAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "09b-settings-invalid");
        await page.GetByTestId("reminder-days").FillAsync("-7, 0, 2");
        await page.GetByTestId("save-settings").ClickAsync();
        await Expect(page.GetByText("Billing settings saved.")).ToBeVisibleAsync();
        await page.GetByTestId("add-tax-rule").ClickAsync();
        await page.WaitForTimeoutAsync(300);
        await Shot(page, "10-settings-rule-editor");
        await page.GetByTestId("rule-region").FillAsync("BE");
        await page.GetByTestId("save-tax-rule").ClickAsync();
        await page.WaitForTimeoutAsync(800);
        await Shot(page, "10b-rule-saved");

        await page.GotoAsync("/promo-codes");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator(".mud-table-body tr", new() { HasText = "SPRING25" })).ToBeVisibleAsync();
        await Shot(page, "11-promos");
        await page.Locator(".mud-table-body tr", new() { HasText = "SPRING25" }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "12-promo-dialog");

        var support = await app.SignedInPageAsync("support@mpanel.localhost");
        await support.GotoAsync("/products");
        await BrowserFactory.WaitForCircuitAsync(support);
        await support.Locator(".mud-table-body tr", new() { HasText = "Starter Hosting" }).ClickAsync();
        await Expect(support.Locator(".mud-dialog")).ToBeVisibleAsync();
        await support.WaitForTimeoutAsync(500);
        await Shot(support, "13-support-readonly");
    }
}
