using Microsoft.Playwright;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Tests.Support;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Invoices;
using MPanel.Web.Features.Orders;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

// TEMPORARY: screenshots of the billing screens for a visual check. Delete after use.
public sealed class TmpBillingScreensTests(BrowserFactory app) : IClassFixture<BrowserFactory>
{
    private const string Out = "/tmp/mpshots";

    private static async Task Shot(IPage page, string name, bool full = true)
    {
        Directory.CreateDirectory(Out);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Out, name + ".png"), FullPage = full });
    }

    [Fact]
    public async Task Screens()
    {
        var api = await app.SignedInAsync("admin@mpanel.localhost", Infrastructure.Seeding.DemoSeeder.Password);
        var settings = await (await api.GetAsync("/api/billing/settings")).ReadAsync<BillingSettingsDocument>();
        var put = await api.PutJsonAsync("/api/billing/settings", settings with
        {
            SellerName = "MPanel Hosting B.V.", SellerCountry = "NL", SellerVatId = "NL123456789B01", SellerAddress = ["Keizersgracht 1", "1015 CJ Amsterdam"],
            BankTransferInstructions = "IBAN NL91 ABNA 0417 1643 00, BIC ABNANL2A",
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        await api.PostJsonAsync("/api/tax-rules", new TaxRuleDetails("VAT", "DE", null, 19m, false, 0));
        var product = await (await api.PostJsonAsync("/api/products", new ProductDetails(
            "Business Hosting", ProductType.SharedHosting, "Hosting for busy sites.", ["Free SSL"], new ProductResources { Sites = 5, DiskMb = 20480 },
            ProductVisibility.Public, null, ProvisioningPolicy.OnPayment,
            [new ProductPrice(BillingCycle.Monthly, "EUR", 19.90m, 9.90m), new ProductPrice(BillingCycle.Annual, "EUR", 199m, 0m)],
            [new ProductOption("extra-disk", "Extra disk", "10 GB", 10, [new ProductPrice(BillingCycle.Monthly, "EUR", 2.50m, 0m), new ProductPrice(BillingCycle.Annual, "EUR", 25m, 0m)])]))).ReadAsync<ProductView>();
        await api.PostJsonAsync("/api/products", new ProductDetails(
            "Premium Hosting", ProductType.SharedHosting, "More of everything.", [], new ProductResources { Sites = 20, DiskMb = 102400 },
            ProductVisibility.Public, null, ProvisioningPolicy.OnPayment, [new ProductPrice(BillingCycle.Monthly, "EUR", 39m, 0m), new ProductPrice(BillingCycle.Annual, "EUR", 390m, 0m)], []));
        await api.PostJsonAsync("/api/promo-codes", new PromoCodeDetails("SPRING20", "Spring: 20% off", PromoKind.Percent, 20m, null, false, [], null, null, 100, 1));
        var customer = await (await api.PostJsonAsync("/api/customers", new CustomerDetails("Ada", "Lovelace", "ada@analytical.example", "Analytical Engines GmbH", null, "DE"))).ReadAsync<CustomerView>();
        await api.PutJsonAsync($"/api/customers/{customer.Id}/billing-profile", new MPanel.Domain.Billing.BillingProfileDetails("Unter den Linden 5", null, "Berlin", "10117", null, null, false));
        var order = await (await api.PostJsonAsync("/api/orders", new PlaceOrder(customer.Id,
            [new CartLine(product.Id, BillingCycle.Monthly, [new OptionChoice("extra-disk", 2)])], "SPRING20", UtmSource: "newsletter", UtmMedium: "email", UtmCampaign: "spring"))).ReadAsync<OrderView>();
        var paid = await (await api.PostJsonAsync($"/api/invoices/{order.InvoiceId}/payments", new RecordPaymentRequest(10m, PaymentGatewayKind.BankTransfer, "SEPA 2026-0042"))).ReadAsync<InvoiceView>();
        var other = await (await api.PostJsonAsync("/api/orders", new PlaceOrder(customer.Id, [new CartLine(product.Id, BillingCycle.Annual)]))).ReadAsync<OrderView>();
        var full = await (await api.GetAsync($"/api/invoices/{other.InvoiceId}")).ReadAsync<InvoiceView>();
        var paidOther = await (await api.PostJsonAsync($"/api/invoices/{other.InvoiceId}/payments", new RecordPaymentRequest(full.Summary.AmountDue, PaymentGatewayKind.BankTransfer, "SEPA 77"))).ReadAsync<InvoiceView>();
        await api.PostJsonAsync($"/api/payments/{paidOther.Payments[0].Id}/refund", new AmountReasonRequest(20m, "Goodwill for the outage"));

        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        page.Console += (_, m) => { if (m.Type == "error") Console.WriteLine("CONSOLE: " + m.Text); };

        await page.GotoAsync($"/invoices/{order.InvoiceId}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("invoice-document")).ToBeVisibleAsync();
        await Shot(page, "invoice-detail");
        await page.GetByTestId("more-actions").ClickAsync();
        await Shot(page, "invoice-more", full: false);
        await page.Keyboard.PressAsync("Escape");
        await page.GotoAsync($"/invoices/{order.InvoiceId}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("record-payment").ClickAsync();
        await Expect(page.Locator(".mud-dialog")).ToBeVisibleAsync();
        await Shot(page, "invoice-record-payment", full: false);

        await page.GotoAsync($"/invoices/{other.InvoiceId}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("invoice-document")).ToBeVisibleAsync();
        await Shot(page, "invoice-paid-refunded");

        await page.GotoAsync($"/invoices/{order.InvoiceId}/print");
        await BrowserFactory.WaitForCircuitAsync(page).ContinueWith(_ => { });
        await Expect(page.GetByTestId("invoice-document")).ToBeVisibleAsync();
        await Shot(page, "invoice-print");

        await page.GotoAsync("/invoices");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();
        await Shot(page, "invoices");
        await page.GetByTestId("new-invoice").ClickAsync();
        await Expect(page.Locator(".mud-dialog")).ToBeVisibleAsync();
        await Shot(page, "invoice-new", full: false);
        await page.Keyboard.PressAsync("Escape");

        await page.GotoAsync("/orders");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();
        await Shot(page, "orders");
        await page.GetByTestId("new-order").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.GetByTestId("order-product")).ToBeVisibleAsync();
        await page.GetByTestId("customer-picker").Locator("input").FillAsync("Lovelace");
        await page.Locator(".mud-popover-open").GetByText("Ada Lovelace").First.ClickAsync();
        await page.GetByTestId("order-product").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Business Hosting").First.ClickAsync();
        await Expect(page.GetByTestId("order-estimate")).ToContainTextAsync("19.90");
        await dialog.GetByLabel("Extra disk (10 GB)").FillAsync("2");
        await page.GetByTestId("promo-code").Locator("input").FillAsync("spring20");
        await page.GetByTestId("check-promo").ClickAsync();
        await Expect(dialog.GetByText("Code accepted")).ToBeVisibleAsync();
        await Shot(page, "order-new-dialog", full: false);
        await page.GetByTestId("promo-code").Locator("input").FillAsync("nope");
        await page.GetByTestId("check-promo").ClickAsync();
        await Expect(dialog.GetByText("does not exist")).ToBeVisibleAsync();
        await Shot(page, "order-new-dialog-badpromo", full: false);
        await page.GetByTestId("promo-code").Locator("input").FillAsync("");
        await page.GetByTestId("place-order").ClickAsync();
        await page.WaitForURLAsync(u => u.Contains("/orders/"));
        await Expect(page.GetByTestId("order-title")).ToBeVisibleAsync();
        await Shot(page, "order-detail-new");

        await page.GotoAsync($"/orders/{order.Id}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("order-title")).ToBeVisibleAsync();
        await Shot(page, "order-detail");

        await page.GotoAsync($"/subscriptions/{other.Items[0].SubscriptionId}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("subscription-title")).ToBeVisibleAsync();
        await Shot(page, "subscription-detail");
        await page.GetByTestId("change-plan").ClickAsync();
        await page.GetByTestId("plan-product").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Premium Hosting").First.ClickAsync();
        await page.GetByTestId("get-quote").ClickAsync();
        await Expect(page.GetByTestId("plan-quote")).ToBeVisibleAsync();
        await Shot(page, "subscription-change-plan", full: false);
        await page.Keyboard.PressAsync("Escape");

        await page.GotoAsync("/subscriptions");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator(".mud-table-body tr").First).ToBeVisibleAsync();
        await Shot(page, "subscriptions");

        await page.GotoAsync($"/customers/{customer.Id}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("customer-billing")).ToBeVisibleAsync();
        await Shot(page, "customer-billing");
        await page.GetByText("Credit", new() { Exact = true }).ClickAsync();
        await Shot(page, "customer-billing-credit");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Invoices" }).ClickAsync();
        await Expect(page.GetByTestId("customer-invoices")).ToBeVisibleAsync();
        await Shot(page, "customer-billing-invoices");
    }
}
