using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MPanel.Domain.Customers;
using MPanel.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

/// <summary>A billing clerk's day in the browser: set up a product, take an order, collect it through Stripe's hosted
/// checkout (the stand-in), refund part of it, then watch the billing day renew, suspend and — once the overdue invoice
/// is paid — unsuspend the subscription over simulated days. Hangfire runs for real here (webhooks, billing day).</summary>
public sealed class BillingJourneyTests(BillingJourneyTests.Factory app) : IClassFixture<BillingJourneyTests.Factory>
{
    public sealed class Factory : BrowserFactory, IAsyncLifetime
    {
        public MovableClock Clock { get; } = new();
        public StripeStandIn Stripe { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            Stripe = await StripeStandIn.StartForAsync(this, Clock);
            With("Jobs:RunServer", "true").With("Jobs:WorkerCount", "2");
            await base.InitializeAsync();
            Stripe.WebhookUrl = RootUrl + "/api/webhooks/stripe";
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                // The journey is about money: provisioning plans run empty here (the provisioning tests drive real servers).
                services.RemoveAll<MPanel.Domain.Provisioning.IProvisioningStep>();
            });
        }

        public new async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Stripe.DisposeAsync();
        }
    }

    private const string Admin = "admin@mpanel.localhost";

    [Fact]
    public async Task Clerk_SetsUpAProduct_TakesAnOrder_CollectsThroughStripe_Refunds_AndWatchesDunning()
    {
        // A customer in the Netherlands (21% VAT in the demo's tax rules).
        var api = await app.SignedInAsync(Admin, Infrastructure.Seeding.DemoSeeder.Password);
        var created = await api.PostAsJsonAsync("/api/customers", new CustomerDetails("Hedy", "Lamarr", "hedy.lamarr@example.org", null, null, "NL"));
        created.EnsureSuccessStatusCode();

        // 1. A product with a monthly price.
        var page = await app.SignedInPageAsync(Admin);
        await page.GotoAsync("/products");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("new-product").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await dialog.GetByLabel("Name").FillAsync("Journey Hosting");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Prices" }).ClickAsync();
        if (await dialog.GetByTestId("price-amount").CountAsync() == 0) await dialog.GetByTestId("add-price").ClickAsync();
        await FillAsync(dialog.GetByTestId("price-amount").First, "20");
        await dialog.GetByTestId("save-product").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByTestId("products-grid").GetByText("Journey Hosting")).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "billing-products");

        // 2. An order for Hedy.
        await page.GotoAsync("/orders");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("new-order").ClickAsync();
        dialog = page.Locator(".mud-dialog");
        await PickAsync(page, dialog.GetByTestId("customer-picker"), "Lamarr", "Hedy Lamarr");
        await dialog.GetByTestId("order-product").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Journey Hosting").First.ClickAsync();
        // The product has one price, so its cycle is chosen already; the estimate is before tax.
        await Expect(dialog.GetByTestId("order-estimate")).ToContainTextAsync("20.00 EUR");
        await BrowserFactory.ScreenshotAsync(page, "billing-new-order");
        await dialog.GetByTestId("place-order").ClickAsync();
        await Expect(page.GetByTestId("order-title")).ToBeVisibleAsync();
        await page.GetByTestId("order-invoice").Locator("a").First.ClickAsync();
        await Expect(page.GetByTestId("invoice-title")).ToContainTextAsync("INV-");
        await Expect(page.GetByTestId("amount-due")).ToContainTextAsync("24.20");
        var invoiceUrl = page.Url;

        // 3. The customer pays on Stripe's hosted page; the webhook marks the invoice paid.
        await page.GetByTestId("more-actions").ClickAsync();
        await page.GetByTestId("payment-link-action").ClickAsync();
        var link = page.GetByTestId("payment-link");
        await Expect(link).ToBeVisibleAsync();
        var checkoutUrl = await link.Locator("input").CountAsync() > 0 ? await link.Locator("input").First.InputValueAsync()
            : await link.EvaluateAsync<bool>("e => e.tagName === 'INPUT'") ? await link.InputValueAsync()
            : (await link.TextContentAsync())!.Trim();
        var customerTab = await page.Context.NewPageAsync();
        await customerTab.GotoAsync(checkoutUrl);
        await customerTab.GetByRole(AriaRole.Button, new() { Name = "Pay" }).ClickAsync();
        await customerTab.WaitForURLAsync(u => u.Contains("payment=success"));
        await customerTab.CloseAsync();
        await page.GotoAsync(invoiceUrl);
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("invoice-status")).ToContainTextAsync("Paid", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("payment-row")).ToContainTextAsync("Card");
        await Expect(page.GetByTestId("payment-row")).ToContainTextAsync("pi_");
        await BrowserFactory.ScreenshotAsync(page, "billing-invoice-paid");

        // 4. A partial refund through Stripe, documented by a credit note.
        await page.GetByTestId("refund").First.ClickAsync();
        dialog = page.Locator(".mud-dialog");
        await FillAsync(dialog.GetByTestId("amount"), "5");
        await FillAsync(dialog.GetByTestId("reason"), "Goodwill for a slow start");
        await dialog.GetByTestId("confirm").ClickAsync();
        await Expect(page.GetByTestId("credit-notes")).ToContainTextAsync("CN-");
        Assert.Contains(app.Stripe.Refunds, r => r.Amount == 500);
        await BrowserFactory.ScreenshotAsync(page, "billing-refund-credit-note");

        // The card saved at checkout would pay the renewal; remove it so dunning has something to do.
        var customerId = (await created.Content.ReadFromJsonAsync<IdOnly>())!.Id;
        var billing = await api.GetFromJsonAsync<CardsOnly>($"/api/customers/{customerId}/billing");
        foreach (var card in billing!.Cards) (await api.DeleteAsync($"/api/customers/{customerId}/cards/{card.Id}")).EnsureSuccessStatusCode();
        var subscriptions = await api.GetFromJsonAsync<PagedIds>($"/api/subscriptions?customerId={customerId}");
        var subscriptionId = subscriptions!.Items.Single().Id;
        var dueText = (await api.GetFromJsonAsync<SubscriptionOnly>($"/api/subscriptions/{subscriptionId}"))!.CurrentPeriodEnd;
        var due = DateOnly.Parse(dueText, System.Globalization.CultureInfo.InvariantCulture);

        // 5. Fourteen days before renewal the billing day invoices it; five days after, unpaid, it suspends.
        await MoveToAsync(due.AddDays(-14));
        page = await RunBillingDayAsync("Renewal invoices");
        await MoveToAsync(due.AddDays(5));
        page = await RunBillingDayAsync("Suspended");
        await page.GotoAsync($"/subscriptions/{subscriptionId}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("subscription-status")).ToContainTextAsync("Suspended");
        await Expect(page.GetByTestId("subscription-history")).ToContainTextAsync("unpaid 5 days");
        await BrowserFactory.ScreenshotAsync(page, "billing-subscription-suspended");

        // 6. The clerk records the customer's bank transfer on the renewal invoice: the service comes back.
        await page.GotoAsync($"/invoices?overdue=true");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("invoices-grid").GetByText("Hedy Lamarr").First.ClickAsync();
        await Expect(page.GetByTestId("invoice-title")).ToContainTextAsync("INV-"); // the detail page has rendered
        await Expect(page.GetByTestId("invoice-status")).ToContainTextAsync("Overdue");
        await page.GetByTestId("record-payment").ClickAsync();
        dialog = page.Locator(".mud-dialog");
        await FillAsync(dialog.GetByTestId("payment-reference"), "BANK-2026-0042");
        await dialog.GetByTestId("save-payment").ClickAsync();
        await Expect(page.GetByTestId("invoice-status")).ToContainTextAsync("Paid");
        await page.GotoAsync($"/subscriptions/{subscriptionId}");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("subscription-status")).ToContainTextAsync("Active");
        await Expect(page.GetByTestId("subscription-history")).ToContainTextAsync("Overdue invoice paid");
        await BrowserFactory.ScreenshotAsync(page, "billing-subscription-unsuspended");
    }

    /// <summary>Fills a MudBlazor field whether the test id sits on the input itself or on its wrapper.</summary>
    /// <summary>Types into an autocomplete until its list offers <paramref name="option"/>, then picks it. Text typed into a
    /// dialog that has just opened can land before the field's handlers are attached (no search runs); typing again once
    /// the list has not appeared is waiting for that condition, not for time.</summary>
    private static async Task PickAsync(IPage page, ILocator field, string search, string option)
    {
        var item = page.Locator(".mud-popover-open").GetByText(option).First;
        for (var attempt = 1; ; attempt++)
        {
            await FillAsync(field, "");
            await FillAsync(field, search);
            try
            {
                await item.WaitForAsync(new() { Timeout = 5000 });
                break;
            }
            catch (TimeoutException) when (attempt < 3) { }
        }
        await item.ClickAsync();
    }

    private static async Task FillAsync(ILocator field, string value)
    {
        var inner = field.Locator("input, textarea");
        if (await inner.CountAsync() > 0) await inner.First.FillAsync(value);
        else await field.FillAsync(value);
    }

    private async Task MoveToAsync(DateOnly day)
    {
        var today = DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime);
        app.Clock.Advance(TimeSpan.FromDays(day.DayNumber - today.DayNumber));
    }

    /// <summary>Signs in again (moving the clock days ahead ends staff sessions, as it should), presses "Run billing day
    /// now" and waits for the run to show up with the expected count.</summary>
    private async Task<IPage> RunBillingDayAsync(string expectedCount)
    {
        var page = await app.SignedInPageAsync(Admin);
        await page.GotoAsync("/billing/runs");
        await BrowserFactory.WaitForCircuitAsync(page);
        var runs = page.GetByTestId("billing-runs-grid");
        var before = await runs.GetByTestId("run-status").CountAsync();
        await page.GetByTestId("run-billing-day").ClickAsync();
        await Expect(runs.GetByTestId("run-status")).ToHaveCountAsync(before + 1, new() { Timeout = 30_000 });
        await Expect(runs.GetByTestId("run-counts").First).ToContainTextAsync(expectedCount, new() { Timeout = 30_000 });
        await BrowserFactory.ScreenshotAsync(page, "billing-runs-" + expectedCount.Replace(' ', '-').ToLowerInvariant());
        return page;
    }

    private sealed record IdOnly(Guid Id);
    private sealed record CardsOnly(IReadOnlyList<IdOnly> Cards);
    private sealed record PagedIds(IReadOnlyList<IdOnly> Items);
    private sealed record SubscriptionOnly(string CurrentPeriodEnd);
}
