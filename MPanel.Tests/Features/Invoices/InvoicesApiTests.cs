using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Invoices;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Payments;
using MPanel.Web.Features.Subscriptions;

namespace MPanel.Tests.Features.Invoices;

/// <summary>The billing flow through the HTTP API, as a reseller's staff would drive it: each test runs in a tenant of
/// its own, so its documents are numbered from 1.</summary>
public sealed class InvoicesApiTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private int Year => factory.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime.Year;

    /// <summary>A fresh reseller tenant, its owner signed in, German VAT at 19%.</summary>
    private async Task<(Guid TenantId, HttpClient Client)> TenantAsync(string slug)
    {
        var tenant = await factory.CreateResellerAsync(slug);
        await factory.CreateUserAsync(tenant.Id, $"owner@{slug}.test", Roles.Reseller);
        var client = await factory.SignedInAsync($"owner@{slug}.test");
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/tax-rules", new TaxRuleDetails("VAT", "DE", null, 19m, false, 0))).StatusCode);
        return (tenant.Id, client);
    }

    private static async Task<ProductView> ProductAsync(HttpClient client, string name, decimal monthly = 10m, decimal setupFee = 5m)
    {
        var response = await client.PostJsonAsync("/api/products", new ProductDetails(
            name, ProductType.SharedHosting, "Hosting for small sites.", ["Free SSL"], new ProductResources { Sites = 1, DiskMb = 1024 },
            ProductVisibility.Public, null, ProvisioningPolicy.OnPayment,
            [new ProductPrice(BillingCycle.Monthly, "EUR", monthly, setupFee), new ProductPrice(BillingCycle.Annual, "EUR", monthly * 10, 0m)], []));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<ProductView>();
    }

    private static async Task<CustomerView> CustomerAsync(HttpClient client, string first, string last, string? email = null)
    {
        var response = await client.PostJsonAsync("/api/customers", new CustomerDetails(first, last, email ?? $"{first}.{last}@example.de".ToLowerInvariant(), null, null, "DE"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<CustomerView>();
    }

    private static async Task<OrderView> OrderAsync(HttpClient client, Guid customerId, Guid productId)
    {
        var response = await client.PostJsonAsync("/api/orders", new PlaceOrder(customerId, [new CartLine(productId, BillingCycle.Monthly)], UtmSource: "newsletter"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<OrderView>();
    }

    private static async Task<InvoiceView> InvoiceAsync(HttpClient client, Guid id) =>
        await (await client.GetAsync($"/api/invoices/{id}")).ReadAsync<InvoiceView>();

    [Fact]
    public async Task Order_IssuesNumberedTaxedInvoice_FullBankTransferPaysIt_ActivatesAndCompletes_AndARepeatChangesNothing()
    {
        var (_, client) = await TenantAsync("invflow");
        var product = await ProductAsync(client, "Starter Hosting");
        var customer = await CustomerAsync(client, "Ada", "Lovelace");

        var order = await OrderAsync(client, customer.Id, product.Id);
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(OrderChannel.Admin, order.Channel);
        Assert.Equal("newsletter", order.Utm.Source);
        Assert.Equal($"INV-{Year}-000001", order.InvoiceNumber);
        Assert.Equal(InvoiceStatus.Open, order.InvoiceStatus);

        var invoice = await InvoiceAsync(client, order.InvoiceId!.Value);
        Assert.Equal($"INV-{Year}-000001", invoice.Summary.Number);
        Assert.Equal(order.Id, invoice.OrderId);
        Assert.Equal(2, invoice.Document.Lines.Count); // the product's month and its setup fee
        Assert.Contains(invoice.Document.Lines, l => l.Description.StartsWith("Starter Hosting, monthly", StringComparison.Ordinal) && l.Net == 10m && l.Tax == 1.90m);
        Assert.Contains(invoice.Document.Lines, l => l.Description.Contains("setup fee", StringComparison.Ordinal) && l.Net == 5m);
        var tax = Assert.Single(invoice.Document.Taxes);
        Assert.Equal(("VAT", 19m, 15m, 2.85m), (tax.Name, tax.Rate, tax.Base, tax.Amount));
        Assert.Equal((15m, 2.85m, 17.85m, 17.85m), (invoice.Document.Subtotal, invoice.Document.TaxTotal, invoice.Document.Total, invoice.Summary.AmountDue));
        Assert.True(invoice.CanPay);

        var paid = await client.PostJsonAsync($"/api/invoices/{invoice.Id}/payments", new RecordPaymentRequest(17.85m, PaymentGatewayKind.BankTransfer, "SEPA 2026-0042"));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        var view = await paid.ReadAsync<InvoiceView>();
        Assert.Equal(InvoiceStatus.Paid, view.Summary.Status);
        Assert.Equal(0m, view.Summary.AmountDue);
        var payment = Assert.Single(view.Payments);
        Assert.Equal((PaymentGatewayKind.BankTransfer, PaymentStatus.Succeeded, "SEPA 2026-0042"), (payment.Gateway, payment.Status, payment.Reference));

        var subscription = await (await client.GetAsync($"/api/subscriptions/{order.Items[0].SubscriptionId}")).ReadAsync<SubscriptionView>();
        Assert.Equal(SubscriptionStatus.Active, subscription.Status);
        Assert.Contains(subscription.Transitions, t => t.To == SubscriptionStatus.Active && t.Reason == "First invoice paid");
        Assert.Equal(OrderStatus.Completed, (await (await client.GetAsync($"/api/orders/{order.Id}")).ReadAsync<OrderView>()).Status);

        // The bank statement is imported twice: the second time is refused and nothing is added.
        var again = await client.PostJsonAsync($"/api/invoices/{invoice.Id}/payments", new RecordPaymentRequest(17.85m, PaymentGatewayKind.BankTransfer, "SEPA 2026-0042"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var after = await InvoiceAsync(client, invoice.Id);
        Assert.Equal(17.85m, after.Document.AmountPaid);
        Assert.Single(after.Payments);
    }

    [Fact]
    public async Task PartPayment_RecordedTwiceWithTheSameReference_IsAppliedOnce()
    {
        var (_, client) = await TenantAsync("invtwice");
        var product = await ProductAsync(client, "Twice Hosting");
        var customer = await CustomerAsync(client, "Grace", "Hopper");
        var order = await OrderAsync(client, customer.Id, product.Id);
        var id = order.InvoiceId!.Value;

        var first = await client.PostJsonAsync($"/api/invoices/{id}/payments", new RecordPaymentRequest(5m, PaymentGatewayKind.BankTransfer, "STATEMENT LINE 7"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var second = await client.PostJsonAsync($"/api/invoices/{id}/payments", new RecordPaymentRequest(5m, PaymentGatewayKind.BankTransfer, "STATEMENT LINE 7"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        var invoice = await InvoiceAsync(client, id);
        Assert.Equal(5m, invoice.Document.AmountPaid);
        Assert.Equal(12.85m, invoice.Summary.AmountDue);
        Assert.Equal(InvoiceStatus.Open, invoice.Summary.Status);
        Assert.Single(invoice.Payments);

        var tooMuch = await client.PostJsonAsync($"/api/invoices/{id}/payments", new RecordPaymentRequest(100m, PaymentGatewayKind.Manual, "CASH 1"));
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Contains("\"amount\"", await tooMuch.Content.ReadAsStringAsync());
        var card = await client.PostJsonAsync($"/api/invoices/{id}/payments", new RecordPaymentRequest(1m, PaymentGatewayKind.Stripe, "pretend"));
        Assert.Equal(HttpStatusCode.BadRequest, card.StatusCode);
    }

    [Fact]
    public async Task PartRefund_IssuesACreditNoteInItsOwnSeries()
    {
        var (_, client) = await TenantAsync("invrefund");
        var product = await ProductAsync(client, "Refund Hosting");
        var customer = await CustomerAsync(client, "Alan", "Turing");
        var order = await OrderAsync(client, customer.Id, product.Id);
        var paid = await (await client.PostJsonAsync($"/api/invoices/{order.InvoiceId}/payments",
            new RecordPaymentRequest(17.85m, PaymentGatewayKind.BankTransfer, "TRF 991"))).ReadAsync<InvoiceView>();

        var refund = await client.PostJsonAsync($"/api/payments/{paid.Payments[0].Id}/refund", new AmountReasonRequest(5.95m, "Setup fee waived after all"));
        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        var invoice = await refund.ReadAsync<InvoiceView>();
        Assert.Equal(5.95m, invoice.AmountRefunded);
        Assert.Equal(5.95m, invoice.Payments[0].AmountRefunded);
        Assert.Equal(InvoiceStatus.Paid, invoice.Summary.Status);
        var noteRow = Assert.Single(invoice.CreditNotes);
        Assert.Equal($"CN-{Year}-000001", noteRow.Number);

        var note = await InvoiceAsync(client, noteRow.Id);
        Assert.Equal(InvoiceKind.CreditNote, note.Summary.Kind);
        Assert.Equal(InvoiceStatus.Issued, note.Summary.Status);
        Assert.Equal(invoice.Id, note.OriginalInvoiceId);
        Assert.Equal("Credit note", note.Document.Title);
        Assert.Equal(5.95m, note.Document.Total);
        Assert.Equal(19m, Assert.Single(note.Document.Taxes).Rate);

        var overRefund = await client.PostJsonAsync($"/api/payments/{paid.Payments[0].Id}/refund", new AmountReasonRequest(20m, "Too much"));
        Assert.Equal(HttpStatusCode.BadRequest, overRefund.StatusCode);
        var notes = await (await client.GetAsync("/api/invoices?kind=CreditNote")).ReadAsync<Paged<InvoiceRow>>();
        Assert.Single(notes.Items);
    }

    [Fact]
    public async Task ManualInvoice_UnpaidCanBeVoided_AndIsThenNoLongerPayable()
    {
        var (_, client) = await TenantAsync("invvoid");
        var customer = await CustomerAsync(client, "Hedy", "Lamarr");
        var created = await client.PostJsonAsync("/api/invoices", new CreateInvoiceRequest(customer.Id,
            [new ManualLine("Site migration", 3m, 40m), new ManualLine("DNS clean-up", 1m, 25m, 5m)], "EUR", 14, "Thanks for your business."));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var invoice = await created.ReadAsync<InvoiceView>();
        Assert.Equal($"INV-{Year}-000001", invoice.Summary.Number);
        Assert.Equal((140m, 26.60m, 166.60m), (invoice.Document.Subtotal, invoice.Document.TaxTotal, invoice.Document.Total));
        Assert.Equal(invoice.Document.IssueDate.AddDays(14), invoice.Document.DueDate);
        Assert.True(invoice.CanVoid);

        var noReason = await client.PostJsonAsync($"/api/invoices/{invoice.Id}/void", new ReasonRequest(""));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        var voided = await client.PostJsonAsync($"/api/invoices/{invoice.Id}/void", new ReasonRequest("Customer ordered the wrong service"));
        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        var view = await voided.ReadAsync<InvoiceView>();
        Assert.Equal(InvoiceStatus.Void, view.Summary.Status);
        Assert.Equal($"INV-{Year}-000001", view.Summary.Number); // keeps its number: no gap
        Assert.Equal("Customer ordered the wrong service", view.VoidReason);
        Assert.Equal(0m, view.Summary.AmountDue);

        var pay = await client.PostJsonAsync($"/api/invoices/{invoice.Id}/payments", new RecordPaymentRequest(10m, PaymentGatewayKind.BankTransfer, "LATE 1"));
        Assert.Equal(HttpStatusCode.Conflict, pay.StatusCode);
        var list = await (await client.GetAsync("/api/invoices?status=Void")).ReadAsync<Paged<InvoiceRow>>();
        Assert.Equal(invoice.Id, Assert.Single(list.Items).Id);
    }

    [Fact]
    public async Task Pdf_IsAPdfNamedAfterTheNumber()
    {
        var (_, client) = await TenantAsync("invpdf");
        var product = await ProductAsync(client, "Pdf Hosting");
        var customer = await CustomerAsync(client, "Émilie", "du Châtelet", "emilie@example.fr");
        var order = await OrderAsync(client, customer.Id, product.Id);

        var response = await client.GetAsync($"/api/invoices/{order.InvoiceId}/pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"INV-{Year}-000001.pdf", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length > 1000);
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
    }

    [Fact]
    public async Task CustomerCredit_AdjustedByStaff_PaysTheNextInvoice()
    {
        var (_, client) = await TenantAsync("invcredit");
        var customer = await CustomerAsync(client, "Lise", "Meitner");
        var profile = await client.PutJsonAsync($"/api/customers/{customer.Id}/billing-profile",
            new BillingProfileDetails("Kaiser-Wilhelm-Str. 1", null, "Berlin", "10117", null, "de 123456789", false));
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        var badVat = await client.PutJsonAsync($"/api/customers/{customer.Id}/billing-profile", new BillingProfileDetails(null, null, null, null, null, "FR123", false));
        Assert.Equal(HttpStatusCode.BadRequest, badVat.StatusCode);
        Assert.Contains("\"vatId\"", await badVat.Content.ReadAsStringAsync());

        var credited = await client.PostJsonAsync($"/api/customers/{customer.Id}/credit", new AdjustCreditRequest(10m, "eur", "Goodwill for the outage"));
        Assert.Equal(HttpStatusCode.OK, credited.StatusCode);
        var billing = await credited.ReadAsync<CustomerBilling>();
        Assert.Equal(10m, billing.CreditBalance["EUR"]);
        Assert.Equal("DE123456789", billing.Profile.VatId);
        var below = await client.PostJsonAsync($"/api/customers/{customer.Id}/credit", new AdjustCreditRequest(-50m, "EUR", "Too much"));
        Assert.Equal(HttpStatusCode.BadRequest, below.StatusCode);

        var invoice = await (await client.PostJsonAsync("/api/invoices", new CreateInvoiceRequest(customer.Id, [new ManualLine("Consulting", 1m, 20m)]))).ReadAsync<InvoiceView>();
        Assert.Equal(10m, invoice.Document.AmountPaid);
        Assert.Equal(PaymentGatewayKind.Credit, Assert.Single(invoice.Payments).Gateway);
        Assert.Contains("Kaiser-Wilhelm-Str. 1", invoice.Document.Buyer.AddressLines);
        var after = await (await client.GetAsync($"/api/customers/{customer.Id}/billing")).ReadAsync<CustomerBilling>();
        Assert.Equal(0m, after.CreditBalance["EUR"]);
        Assert.Contains(after.Credit, e => e.Kind == CreditEntryKind.AppliedToInvoice && e.Amount == -10m);
        var mine = await (await client.GetAsync($"/api/invoices?customerId={customer.Id}")).ReadAsync<Paged<InvoiceRow>>();
        Assert.Equal(invoice.Id, Assert.Single(mine.Items).Id);
    }

    [Fact]
    public async Task Subscription_CancelAtTermEnd_ThenResume_IsRecordedInItsHistory()
    {
        var (_, client) = await TenantAsync("invsubs");
        var product = await ProductAsync(client, "Subs Hosting");
        var customer = await CustomerAsync(client, "Katherine", "Johnson");
        var order = await OrderAsync(client, customer.Id, product.Id);
        await client.PostJsonAsync($"/api/invoices/{order.InvoiceId}/payments", new RecordPaymentRequest(17.85m, PaymentGatewayKind.BankTransfer, "TRF 5"));
        var id = order.Items[0].SubscriptionId;

        var cancel = await client.PostJsonAsync($"/api/subscriptions/{id}/cancel", new CancelSubscriptionRequest(true, "Moving to another host"));
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await cancel.ReadAsync<SubscriptionView>();
        Assert.True(cancelled.CancelAtPeriodEnd);
        Assert.Equal(SubscriptionStatus.Active, cancelled.Status);
        var resumed = await (await client.PostAsync($"/api/subscriptions/{id}/resume", null)).ReadAsync<SubscriptionView>();
        Assert.False(resumed.CancelAtPeriodEnd);
        Assert.Contains(resumed.Transitions, t => t.Reason.Contains("Moving to another host", StringComparison.Ordinal) && t.Actor == "owner@invsubs.test");

        var quote = await client.PostJsonAsync($"/api/subscriptions/{id}/quote", new PlanChangeRequest(product.Id, BillingCycle.Annual));
        Assert.Equal(HttpStatusCode.OK, quote.StatusCode);
        Assert.Equal(100m, (await quote.ReadAsync<PlanChangeQuote>()).ChargeForNew);
        var list = await (await client.GetAsync($"/api/subscriptions?customerId={customer.Id}")).ReadAsync<Paged<SubscriptionRow>>();
        Assert.Equal(id, Assert.Single(list.Items).Id);
    }

    [Fact]
    public async Task ClientRole_IsForbidden_AndAnotherTenant_SeesNothing()
    {
        var (tenantId, client) = await TenantAsync("invowner");
        var product = await ProductAsync(client, "Private Hosting");
        var customer = await CustomerAsync(client, "Rosalind", "Franklin");
        var order = await OrderAsync(client, customer.Id, product.Id);
        var invoiceId = order.InvoiceId!.Value;

        await factory.CreateUserAsync(tenantId, "client@invowner.test", Roles.Client);
        var clientUser = await factory.SignedInAsync("client@invowner.test");
        Assert.Equal(HttpStatusCode.Forbidden, (await clientUser.GetAsync("/api/invoices")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await clientUser.GetAsync($"/api/invoices/{invoiceId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await clientUser.GetAsync($"/api/invoices/{invoiceId}/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await clientUser.PostJsonAsync($"/api/invoices/{invoiceId}/payments",
            new RecordPaymentRequest(17.85m, PaymentGatewayKind.BankTransfer, "SELF-PAID"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await clientUser.GetAsync("/api/orders")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await clientUser.GetAsync($"/api/customers/{customer.Id}/billing")).StatusCode);

        // Support staff read invoices but may not take payments.
        await factory.CreateUserAsync(tenantId, "staff@invowner.test", Roles.ResellerStaff);
        var staff = await factory.SignedInAsync("staff@invowner.test");
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync($"/api/invoices/{invoiceId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PostJsonAsync($"/api/invoices/{invoiceId}/void", new ReasonRequest("Not allowed to"))).StatusCode);

        var (_, other) = await TenantAsync("invother");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/invoices/{invoiceId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/invoices/{invoiceId}/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostJsonAsync($"/api/invoices/{invoiceId}/payments",
            new RecordPaymentRequest(17.85m, PaymentGatewayKind.BankTransfer, "CROSS-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostJsonAsync($"/api/invoices/{invoiceId}/void", new ReasonRequest("Not mine to void"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/orders/{order.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/customers/{customer.Id}/billing")).StatusCode);
        Assert.Empty((await (await other.GetAsync("/api/invoices")).ReadAsync<Paged<InvoiceRow>>()).Items);

        var untouched = await InvoiceAsync(client, invoiceId);
        Assert.Equal((InvoiceStatus.Open, 0m), (untouched.Summary.Status, untouched.Document.AmountPaid));
    }
}
