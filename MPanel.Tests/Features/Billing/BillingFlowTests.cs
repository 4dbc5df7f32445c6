using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Features.Billing;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Invoices;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Payments;
using Xunit;

namespace MPanel.Tests.Features.Billing;

/// <summary>Billing end to end against PostgreSQL and the Stripe stand-in, with a clock the tests move day by day:
/// orders, renewals, saved-card charges, dunning, webhooks — and that none of it happens twice.</summary>
public sealed class BillingFlowTests(BillingFlowTests.Factory factory) : IClassFixture<BillingFlowTests.Factory>
{
    public sealed class Factory : BillingFactory;

    private DateOnly Today => DateOnly.FromDateTime(factory.Clock.GetUtcNow().UtcDateTime);

    private async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider);
    }

    private Task InTenantAsync(Guid tenantId, Func<IServiceProvider, Task> work) => InTenantAsync(tenantId, async sp => { await work(sp); return 0; });

    private async Task<(Tenant Tenant, Customer Customer, ProductView Product)> SetUpAsync(string slug)
    {
        var tenant = await factory.CreateResellerAsync(slug);
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Ada", slug);
        var product = await InTenantAsync(tenant.Id, async sp =>
        {
            var catalog = sp.GetRequiredService<CatalogService>();
            await catalog.SaveTaxRuleAsync(null, new TaxRuleDetails("VAT", "DE", null, 19m, false, 0));
            return await catalog.CreateProductAsync(new ProductDetails("Web Starter", ProductType.SharedHosting, null, ["1 site"], new ProductResources { Sites = 1, DiskMb = 1024 },
                ProductVisibility.Public, null, ProvisioningPolicy.OnPayment, [new ProductPrice(BillingCycle.Monthly, "EUR", 10m, 0m)], []));
        });
        return (tenant, customer, product);
    }

    private Task<OrderView> OrderAsync(Guid tenantId, Guid customerId, Guid productId) =>
        InTenantAsync(tenantId, sp => sp.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customerId, [new CartLine(productId, BillingCycle.Monthly)]), OrderChannel.Admin));

    private Task<BillingRun> BillingDayAsync(Guid tenantId) =>
        InTenantAsync(tenantId, async sp =>
        {
            var id = await sp.GetRequiredService<BillingDayJob>().RunAsync(tenantId, CancellationToken.None);
            return await factory.InSystemScopeAsync((_, db) => db.BillingRuns.SingleAsync(r => r.Id == id));
        });

    private Task<T> DbAsync<T>(Func<MPanelDbContext, Task<T>> query) => factory.InSystemScopeAsync((_, db) => query(db));

    private Task<Subscription> SubscriptionAsync(Guid customerId) =>
        DbAsync(db => db.Subscriptions.Include(s => s.Transitions).SingleAsync(s => s.CustomerId == customerId));

    private Task<List<string>> EmailKeysAsync(Guid customerId, string email) =>
        DbAsync(db => db.EmailMessages.Where(e => e.To == email).OrderBy(e => e.CreatedAt).Select(e => e.DedupKey).ToListAsync());

    [Fact]
    public async Task InvoiceNumbers_UnderConcurrentFinalisation_AreGapFree()
    {
        var (tenant, customer, _) = await SetUpAsync("numbers");
        const int parallel = 24;
        var created = await Task.WhenAll(Enumerable.Range(1, parallel).Select(i => InTenantAsync(tenant.Id, sp =>
            sp.GetRequiredService<InvoicesService>().CreateManualAsync(customer.Id, [new ManualLine($"Consulting hour {i}", 1, 80m)], "EUR", 14, null))));

        var year = Today.Year;
        var numbers = created.Select(v => v.Summary.Number!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(1, parallel).Select(n => $"INV-{year}-{n:D6}"), numbers);
        // The counter row agrees: the next number is parallel + 1, nothing was skipped or handed out twice.
        var counter = await DbAsync(db => db.DocumentCounters.SingleAsync(c => c.TenantId == tenant.Id && c.Series == DocumentSeries.Invoice));
        Assert.Equal(parallel, counter.LastNumber);
    }

    [Fact]
    public async Task BillingDay_OverSimulatedDays_RenewsOnceRemindsSuspendsAndUnsuspendsOnPayment()
    {
        var (tenant, customer, product) = await SetUpAsync("dunning");
        var order = await OrderAsync(tenant.Id, customer.Id, product.Id);
        Assert.Equal(11.90m, order.Total); // 10.00 + 19% German VAT
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RecordManualAsync(order.InvoiceId!.Value, 11.90m, PaymentGatewayKind.BankTransfer, "STATEMENT-1"));
        var subscription = await SubscriptionAsync(customer.Id);
        Assert.Equal(SubscriptionStatus.Active, subscription.Status);
        var due = subscription.CurrentPeriodEnd;

        // Day by day from fifteen days before renewal to five days after it.
        factory.Clock.Advance(TimeSpan.FromDays(due.DayNumber - Today.DayNumber - 15));
        var renewals = 0;
        while (Today < due.AddDays(5))
        {
            factory.Clock.Advance(TimeSpan.FromDays(1));
            var run = await BillingDayAsync(tenant.Id);
            Assert.Equal("succeeded", run.Status);
            renewals += run.Counts.GetValueOrDefault("renewalInvoices");
            if (Today == due.AddDays(-14))
            {
                Assert.Equal(1, run.Counts["renewalInvoices"]);
                // The same day again creates nothing.
                Assert.Equal(0, (await BillingDayAsync(tenant.Id)).Counts["renewalInvoices"]);
            }
        }
        Assert.Equal(1, renewals);
        var renewal = await DbAsync(db => db.Invoices.SingleAsync(i => i.SubscriptionId == subscription.Id && i.RenewalPeriodStart == due));
        Assert.Equal(InvoiceStatus.Open, renewal.Status);
        Assert.Equal(due, renewal.DueDate);

        subscription = await SubscriptionAsync(customer.Id);
        Assert.Equal(SubscriptionStatus.Suspended, subscription.Status);
        Assert.Contains(subscription.Transitions, t => t.To == SubscriptionStatus.Suspended && t.Actor == "billing" && t.Reason.Contains("unpaid 5 days"));
        var keys = await EmailKeysAsync(customer.Id, customer.Email);
        foreach (var expected in new[] { $"invoice:{renewal.Id}", $"reminder:{renewal.Id}:-7", $"reminder:{renewal.Id}:-3", $"reminder:{renewal.Id}:0",
                     $"overdue:{renewal.Id}", $"suspension-warning:{renewal.Id}:{subscription.Id}", $"suspended:{renewal.Id}:{subscription.Id}" })
            Assert.Contains(expected, keys);
        Assert.Equal(keys.Count, keys.Distinct().Count());

        // Paying the overdue invoice lifts the suspension and extends the paid period by one month.
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RecordManualAsync(renewal.Id, renewal.Total, PaymentGatewayKind.BankTransfer, "STATEMENT-2"));
        subscription = await SubscriptionAsync(customer.Id);
        Assert.Equal(SubscriptionStatus.Active, subscription.Status);
        Assert.Equal(due.AddMonths(1), subscription.CurrentPeriodEnd);
        Assert.Contains(subscription.Transitions, t => t.From == SubscriptionStatus.Suspended && t.To == SubscriptionStatus.Active && t.Reason == "Overdue invoice paid");
    }

    [Fact]
    public async Task BillingDay_UnpaidThirtyDays_Terminates()
    {
        var (tenant, customer, product) = await SetUpAsync("terminate");
        var order = await OrderAsync(tenant.Id, customer.Id, product.Id);
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RecordManualAsync(order.InvoiceId!.Value, order.Total, PaymentGatewayKind.Manual, "cash"));
        var due = (await SubscriptionAsync(customer.Id)).CurrentPeriodEnd;
        factory.Clock.Advance(TimeSpan.FromDays(due.DayNumber - Today.DayNumber - 14));
        await BillingDayAsync(tenant.Id);
        factory.Clock.Advance(TimeSpan.FromDays(14 + 30));
        var run = await BillingDayAsync(tenant.Id);
        Assert.Equal(1, run.Counts.GetValueOrDefault("terminated"));
        Assert.Equal(SubscriptionStatus.Terminated, (await SubscriptionAsync(customer.Id)).Status);
        Assert.Equal(0, (await BillingDayAsync(tenant.Id)).Counts.GetValueOrDefault("terminated"));
    }

    [Fact]
    public async Task SavedCard_ChargedOnceBeforeDue_AndReplayedRunsNeverChargeAgain()
    {
        var (tenant, customer, product) = await SetUpAsync("cards");
        await SaveCardAsync(tenant.Id, customer.Id, "pm_card_visa");
        var order = await OrderAsync(tenant.Id, customer.Id, product.Id);
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().ChargeSavedCardAsync(order.InvoiceId!.Value));
        var due = (await SubscriptionAsync(customer.Id)).CurrentPeriodEnd;
        var chargesAfterOrder = ChargesFor(customer.Id);
        Assert.Equal(1, chargesAfterOrder);

        factory.Clock.Advance(TimeSpan.FromDays(due.DayNumber - Today.DayNumber - 14));
        await BillingDayAsync(tenant.Id);
        factory.Clock.Advance(TimeSpan.FromDays(13)); // the day before due
        var run = await BillingDayAsync(tenant.Id);
        Assert.Equal(1, run.Counts.GetValueOrDefault("cardsCharged"));
        await BillingDayAsync(tenant.Id);
        await BillingDayAsync(tenant.Id);
        await factory.Stripe.WhenWebhooksDeliveredAsync();
        await HandleStoredEventsAsync();

        Assert.Equal(chargesAfterOrder + 1, ChargesFor(customer.Id));
        var renewal = await DbAsync(db => db.Invoices.SingleAsync(i => i.CustomerId == customer.Id && i.RenewalPeriodStart == due));
        Assert.Equal(InvoiceStatus.Paid, renewal.Status);
        Assert.Single(await DbAsync(db => db.Payments.Where(p => p.InvoiceId == renewal.Id && p.Status == PaymentStatus.Succeeded).ToListAsync()));
        Assert.Equal(due.AddMonths(1), (await SubscriptionAsync(customer.Id)).CurrentPeriodEnd);
    }

    [Fact]
    public async Task DeclinedCard_IsRetriedOnTheRetryDays_OneAttemptEach()
    {
        var (tenant, customer, product) = await SetUpAsync("declines");
        var order = await OrderAsync(tenant.Id, customer.Id, product.Id);
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RecordManualAsync(order.InvoiceId!.Value, order.Total, PaymentGatewayKind.BankTransfer, "first"));
        await SaveCardAsync(tenant.Id, customer.Id, "pm_card_chargeDeclined");
        var due = (await SubscriptionAsync(customer.Id)).CurrentPeriodEnd;
        factory.Clock.Advance(TimeSpan.FromDays(due.DayNumber - Today.DayNumber - 14));
        await BillingDayAsync(tenant.Id);

        var attempts = new List<int>();
        for (var day = -1; day <= 6; day++)
        {
            factory.Clock.Advance(TimeSpan.FromDays(day == -1 ? 13 : 1));
            await BillingDayAsync(tenant.Id);
            await BillingDayAsync(tenant.Id); // a replayed run the same day adds no attempt
            attempts.Add(AttemptsFor(customer.Id));
        }
        // Attempts at −1, +1, +3 and +5 (days −1 … +6 in order).
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4], attempts);
        var failed = await DbAsync(db => db.Payments.Where(p => p.CustomerId == customer.Id && p.Status == PaymentStatus.Failed).ToListAsync());
        Assert.Equal(4, failed.Count);
        Assert.All(failed, p => Assert.Equal("generic_decline", p.FailureCode));
        Assert.Equal(4, (await EmailKeysAsync(customer.Id, customer.Email)).Count(k => k.StartsWith("payment-failed:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Checkout_WebhookDeliveredTwiceAndReplayed_PaysTheInvoiceOnce()
    {
        var (tenant, customer, product) = await SetUpAsync("checkout");
        var order = await OrderAsync(tenant.Id, customer.Id, product.Id);
        var invoiceId = order.InvoiceId!.Value;
        var url = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().StartCheckoutAsync(invoiceId, "https://shop.test/ok", "https://shop.test/cancel"));

        // The customer pays on the hosted page; the stand-in sends payment_intent.succeeded and checkout.session.completed.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var pay = await browser.PostAsync(url + "/pay", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.SeeOther, pay.StatusCode);
        await factory.Stripe.WhenWebhooksDeliveredAsync();
        Assert.All(factory.Stripe.WebhookDeliveries, d => Assert.Equal(200, d.StatusCode));
        await HandleStoredEventsAsync();

        var invoice = await DbAsync(db => db.Invoices.SingleAsync(i => i.Id == invoiceId));
        Assert.Equal(InvoiceStatus.Paid, invoice.Status);
        Assert.Equal(SubscriptionStatus.Active, (await SubscriptionAsync(customer.Id)).Status);
        Assert.Single(await DbAsync(db => db.SavedCards.Where(c => c.CustomerId == customer.Id).ToListAsync()));

        // Stripe redelivers the same event: acknowledged, not stored again.
        var delivered = factory.Stripe.WebhookDeliveries.First(d => d.Type == "checkout.session.completed");
        using var again = new StringContent(delivered.Payload, System.Text.Encoding.UTF8, "application/json");
        again.Headers.Add("Stripe-Signature", factory.Stripe.SignatureHeader(delivered.Payload));
        var replay = await factory.CreateClient().PostAsync("/api/webhooks/stripe", again);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Contains("\"duplicate\":true", await replay.Content.ReadAsStringAsync());

        // A different event about the same PaymentIntent, and every stored event handled again (a job retry):
        var intentId = factory.Stripe.CheckoutSessions.Single().PaymentIntentId!;
        await factory.Stripe.SendEventAsync("payment_intent.succeeded", factory.Stripe.GetObject(intentId));
        await HandleStoredEventsAsync(all: true);

        invoice = await DbAsync(db => db.Invoices.SingleAsync(i => i.Id == invoiceId));
        Assert.Equal(order.Total, invoice.AmountPaid);
        Assert.Single(await DbAsync(db => db.Payments.Where(p => p.InvoiceId == invoiceId && p.Status == PaymentStatus.Succeeded).ToListAsync()));
        Assert.Single(factory.Stripe.PaymentIntents, p => p.Metadata.GetValueOrDefault("invoice_id") == invoiceId.ToString());
    }

    [Fact]
    public async Task StripeWebhook_BadSignatureOrStaleTimestamp_IsRejected()
    {
        var json = factory.Stripe.CreateEventJson("payment_intent.succeeded", new { id = "pi_forged", @object = "payment_intent" });
        var client = factory.CreateClient();
        using var forged = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        forged.Headers.Add("Stripe-Signature", factory.Stripe.SignatureHeader(json, secret: "whsec_wrong"));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/webhooks/stripe", forged)).StatusCode);
        using var stale = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        stale.Headers.Add("Stripe-Signature", factory.Stripe.SignatureHeader(json, factory.Clock.GetUtcNow().AddSeconds(-301)));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/webhooks/stripe", stale)).StatusCode);
        Assert.False(await DbAsync(db => db.GatewayEvents.AnyAsync(e => e.ObjectId == "pi_forged")));
    }

    [Fact]
    public async Task Refund_OfACardPayment_GoesThroughStripeOnceAndIssuesACreditNote()
    {
        var (tenant, customer, product) = await SetUpAsync("refunds");
        await SaveCardAsync(tenant.Id, customer.Id, "pm_card_visa");
        var order = await OrderAsync(tenant.Id, customer.Id, product.Id);
        var outcome = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().ChargeSavedCardAsync(order.InvoiceId!.Value));
        Assert.True(outcome.Succeeded);
        var payment = await DbAsync(db => db.Payments.SingleAsync(p => p.InvoiceId == order.InvoiceId && p.Status == PaymentStatus.Succeeded));

        var view = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RefundAsync(payment.Id, 5m, "Goodwill for downtime"));
        var note = Assert.Single(view.CreditNotes);
        Assert.Equal($"CN-{Today.Year}-000001", note.Number);
        Assert.Equal(5m, note.Total);
        var refund = Assert.Single(factory.Stripe.Refunds, r => r.PaymentIntentId == payment.GatewayReference);
        Assert.Equal(500, refund.Amount);
        await Assert.ThrowsAsync<MPanel.Domain.Common.DomainException>(() =>
            InTenantAsync(tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RefundAsync(payment.Id, 7m, "More than is left")));
        Assert.Single(factory.Stripe.Refunds, r => r.PaymentIntentId == payment.GatewayReference);
    }

    private int ChargesFor(Guid customerId) => factory.Stripe.PaymentIntents.Count(p => p.Status == "succeeded" && p.Metadata.GetValueOrDefault("invoice_id") is { } id
        && InvoiceCustomers.TryGetValue(id, out var c) && c == customerId);

    private int AttemptsFor(Guid customerId) => factory.Stripe.PaymentIntents.Count(p => p.Metadata.GetValueOrDefault("invoice_id") is { } id
        && InvoiceCustomers.TryGetValue(id, out var c) && c == customerId);

    private Dictionary<string, Guid> InvoiceCustomers =>
        factory.InSystemScopeAsync((_, db) => db.Invoices.Select(i => new { i.Id, i.CustomerId }).ToDictionaryAsync(i => i.Id.ToString(), i => i.CustomerId)).GetAwaiter().GetResult();

    private async Task SaveCardAsync(Guid tenantId, Guid customerId, string testCard)
    {
        var setup = await InTenantAsync(tenantId, sp => sp.GetRequiredService<PaymentsService>().StartCardSetupAsync(customerId));
        factory.Stripe.SucceedSetupIntent(setup.Id, testCard);
        await InTenantAsync(tenantId, sp => sp.GetRequiredService<PaymentsService>().CompleteCardSetupAsync(customerId, setup.Id));
    }

    /// <summary>What the Hangfire worker does with stored webhook events (the test host runs no job server).</summary>
    private async Task HandleStoredEventsAsync(bool all = false)
    {
        var ids = await DbAsync(db => db.GatewayEvents.Where(e => all || e.ProcessedAt == null).OrderBy(e => e.ReceivedAt).Select(e => e.Id).ToListAsync());
        foreach (var id in ids)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<StripeEventJob>().HandleAsync(id, CancellationToken.None);
        }
    }
}
