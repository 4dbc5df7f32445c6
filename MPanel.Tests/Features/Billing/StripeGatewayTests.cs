using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MPanel.Domain.Billing;
using MPanel.Infrastructure.Payments;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Billing;

/// <summary>The real <see cref="StripePaymentGateway"/> (Stripe.net over HTTP) against the local Stripe stand-in: the SDK's
/// form encoding, idempotency keys, 402 declines and webhook signatures all cross a real socket.</summary>
public sealed class StripeGatewayTests : IAsyncLifetime
{
    private static readonly Guid TenantId = Guid.NewGuid();

    private StripeStandIn _stripe = null!;
    private StripePaymentGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _stripe = await StripeStandIn.StartAsync();
        _gateway = Gateway(_stripe.SecretKey, _stripe.WebhookSecret);
    }

    public async Task DisposeAsync() => await _stripe.DisposeAsync();

    [Fact]
    public async Task EnsureCustomer_Twice_CreatesOneStripeCustomer()
    {
        var customer = new GatewayCustomer(Guid.NewGuid(), TenantId, "ada@example.test", "Ada Lovelace", ExistingGatewayId: null);

        var first = await _gateway.EnsureCustomerAsync(customer);
        var second = await _gateway.EnsureCustomerAsync(customer);

        Assert.StartsWith("cus_", first);
        Assert.Equal(first, second);
        var created = Assert.Single(_stripe.Customers);
        Assert.Equal(("ada@example.test", "Ada Lovelace"), (created.Email, created.Name));
        Assert.Equal(customer.CustomerId.ToString(), created.Metadata["customer_id"]);
        Assert.All(_stripe.Requests, r => Assert.Equal($"customer-{customer.CustomerId}", r.IdempotencyKey));
        Assert.Equal(new[] { false, true }, _stripe.Requests.Select(r => r.Replayed));

        var other = await _gateway.EnsureCustomerAsync(customer with { CustomerId = Guid.NewGuid() });
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task EnsureCustomer_WithExistingId_DoesNotCallStripe()
    {
        var id = await _gateway.EnsureCustomerAsync(new GatewayCustomer(Guid.NewGuid(), TenantId, "b@example.test", "B", "cus_existing"));

        Assert.Equal("cus_existing", id);
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task SetupIntent_ConfirmedWithTestCard_SavesCardOnCustomer()
    {
        var customerId = await NewCustomerAsync();

        var setup = await _gateway.CreateSetupIntentAsync(customerId, $"setup-{Guid.NewGuid()}");
        Assert.Equal("requires_payment_method", setup.Status);
        Assert.StartsWith($"{setup.Id}_secret_", setup.ClientSecret);
        Assert.Null(setup.PaymentMethodId);

        _stripe.SucceedSetupIntent(setup.Id, "pm_card_mastercard");
        var done = await _gateway.GetSetupIntentAsync(setup.Id);
        Assert.Equal("succeeded", done.Status);
        var card = await _gateway.GetPaymentMethodAsync(done.PaymentMethodId!);
        Assert.Equal(("mastercard", "4444", customerId), (card.Brand, card.Last4, card.CustomerId));
        Assert.True(card.ExpYear > DateTime.UtcNow.Year);

        await _gateway.DetachPaymentMethodAsync(card.Id);
        Assert.Null((await _gateway.GetPaymentMethodAsync(card.Id)).CustomerId);
    }

    [Fact]
    public async Task ChargeOffSession_SavedCard_Succeeds()
    {
        var (customerId, paymentMethodId) = await CustomerWithSavedCardAsync("pm_card_visa");
        var request = ChargeRequest(customerId, paymentMethodId, 4_999);

        var charge = await _gateway.ChargeOffSessionAsync(request);

        Assert.True(charge.Succeeded);
        Assert.StartsWith("pi_", charge.Id);
        Assert.Equal((4_999L, 4_999L, "eur", paymentMethodId), (charge.AmountMinor, charge.AmountReceivedMinor, charge.Currency, charge.PaymentMethodId));
        Assert.Null(charge.FailureCode);
        Assert.Equal(request.InvoiceId.ToString(), charge.Metadata["invoice_id"]);
        Assert.Equal(TenantId.ToString(), charge.Metadata["tenant_id"]);
        var sent = _stripe.Requests.Single(r => r.Path == "/v1/payment_intents").Form;
        Assert.Equal(("true", "true", "eur"), (sent["confirm"], sent["off_session"], sent["currency"]));
        var fetched = await _gateway.GetPaymentIntentAsync(charge.Id);
        Assert.Equal((charge.Id, charge.Status, charge.AmountReceivedMinor, charge.PaymentMethodId), (fetched.Id, fetched.Status, fetched.AmountReceivedMinor, fetched.PaymentMethodId));
        Assert.Equal(charge.Metadata, fetched.Metadata);
    }

    [Fact]
    public async Task ChargeOffSession_RetriedWithSameKey_ChargesOnce()
    {
        var (customerId, paymentMethodId) = await CustomerWithSavedCardAsync("pm_card_visa");
        var request = ChargeRequest(customerId, paymentMethodId, 1_500);

        var first = await _gateway.ChargeOffSessionAsync(request);
        var retried = await _gateway.ChargeOffSessionAsync(request);

        Assert.Equal(first.Id, retried.Id);
        var intent = Assert.Single(_stripe.PaymentIntents);
        Assert.Equal(request.IdempotencyKey, intent.IdempotencyKey);
        Assert.Equal(1, _stripe.SuccessfulChargeCount);
        Assert.Equal(new[] { false, true }, _stripe.Requests.Where(r => r.Path == "/v1/payment_intents").Select(r => r.Replayed));

        var nextPeriod = await _gateway.ChargeOffSessionAsync(request with { IdempotencyKey = $"renewal-{Guid.NewGuid()}" });
        Assert.NotEqual(first.Id, nextPeriod.Id);
        Assert.Equal(2, _stripe.SuccessfulChargeCount);
    }

    [Fact]
    public async Task ChargeOffSession_SameKeyOtherAmount_IsRejectedAsStripeDoes()
    {
        var (customerId, paymentMethodId) = await CustomerWithSavedCardAsync("pm_card_visa");
        var request = ChargeRequest(customerId, paymentMethodId, 1_000);
        await _gateway.ChargeOffSessionAsync(request);

        var error = await Assert.ThrowsAsync<GatewayException>(() => _gateway.ChargeOffSessionAsync(request with { AmountMinor = 2_000 }));

        Assert.Equal("idempotency_error", error.Code);
        Assert.Equal(1, _stripe.SuccessfulChargeCount);
    }

    [Fact]
    public async Task ChargeOffSession_DeclinedCard_ReturnsFailedChargeWithoutThrowing()
    {
        var customerId = await NewCustomerAsync();
        var request = ChargeRequest(customerId, "pm_card_chargeDeclined", 2_500);

        var charge = await _gateway.ChargeOffSessionAsync(request);

        Assert.False(charge.Succeeded);
        Assert.StartsWith("pi_", charge.Id);
        Assert.Equal("requires_payment_method", charge.Status);
        Assert.Equal(("generic_decline", "Your card was declined."), (charge.FailureCode, charge.FailureMessage));
        Assert.Equal((2_500L, 0L), (charge.AmountMinor, charge.AmountReceivedMinor));
        Assert.StartsWith("pm_", charge.PaymentMethodId);
        Assert.Equal(request.InvoiceId.ToString(), charge.Metadata["invoice_id"]);
        Assert.Equal(402, _stripe.Requests.Single(r => r.Path == "/v1/payment_intents").StatusCode);
        Assert.Equal(0, _stripe.SuccessfulChargeCount);

        var stored = await _gateway.GetPaymentIntentAsync(charge.Id);
        Assert.Equal(("requires_payment_method", "generic_decline"), (stored.Status, stored.FailureCode));
    }

    [Fact]
    public async Task ChargeOffSession_SavedCardThatDeclines_ReturnsFailureAndReplaysIt()
    {
        var (customerId, paymentMethodId) = await CustomerWithSavedCardAsync("pm_card_chargeDeclinedInsufficientFunds");
        var request = ChargeRequest(customerId, paymentMethodId, 900);

        var first = await _gateway.ChargeOffSessionAsync(request);
        var retried = await _gateway.ChargeOffSessionAsync(request);

        Assert.Equal("insufficient_funds", first.FailureCode);
        Assert.Equal(first.Id, retried.Id);
        Assert.Single(_stripe.PaymentIntents);
    }

    [Fact]
    public async Task ChargeOffSession_UnknownPaymentMethod_ThrowsGatewayException()
    {
        var customerId = await NewCustomerAsync();

        var error = await Assert.ThrowsAsync<GatewayException>(() => _gateway.ChargeOffSessionAsync(ChargeRequest(customerId, "pm_missing", 100)));

        Assert.Equal("resource_missing", error.Code);
        Assert.Contains("pm_missing", error.Message);
    }

    [Fact]
    public async Task ChargeOffSession_DetachedCard_ThrowsGatewayException()
    {
        var (customerId, paymentMethodId) = await CustomerWithSavedCardAsync("pm_card_visa");
        await _gateway.DetachPaymentMethodAsync(paymentMethodId);

        var error = await Assert.ThrowsAsync<GatewayException>(() => _gateway.ChargeOffSessionAsync(ChargeRequest(customerId, paymentMethodId, 100)));

        Assert.Equal("invalid_request_error", error.Code);
        Assert.Equal(0, _stripe.SuccessfulChargeCount);
    }

    [Fact]
    public async Task Checkout_CreateAndGet_RoundTripsMetadataAndWireFormat()
    {
        var customerId = await NewCustomerAsync();
        var request = CheckoutRequest(customerId, 12_345);

        var created = await _gateway.CreateCheckoutSessionAsync(request);
        var fetched = await _gateway.GetCheckoutSessionAsync(created.Id);

        Assert.StartsWith("cs_test_", created.Id);
        Assert.Equal($"{_stripe.BaseUrl}/checkout/{created.Id}", created.Url);
        Assert.Equal(("open", "unpaid"), (created.Status, created.PaymentStatus));
        Assert.Null(created.PaymentIntentId);
        Assert.Equal(request.InvoiceId.ToString(), created.Metadata["invoice_id"]);
        Assert.Equal(TenantId.ToString(), created.Metadata["tenant_id"]);
        Assert.Equal((created.Id, created.Url, created.Status), (fetched.Id, fetched.Url, fetched.Status));
        Assert.Equal(created.Metadata, fetched.Metadata);

        var sent = _stripe.Requests.Single(r => r.Path == "/v1/checkout/sessions");
        Assert.Equal(request.IdempotencyKey, sent.IdempotencyKey);
        Assert.Equal("payment", sent.Form["mode"]);
        Assert.Equal(customerId, sent.Form["customer"]);
        Assert.Equal("12345", sent.Form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("eur", sent.Form["line_items[0][price_data][currency]"]);
        Assert.Equal("Invoice INV-0042", sent.Form["line_items[0][price_data][product_data][name]"]);
        Assert.Equal("1", sent.Form["line_items[0][quantity]"]);
        Assert.Equal("off_session", sent.Form["payment_intent_data[setup_future_usage]"]);
        Assert.Equal(request.InvoiceId.ToString(), sent.Form["payment_intent_data[metadata][invoice_id]"]);
        Assert.Equal(TenantId.ToString(), sent.Form["payment_intent_data[metadata][tenant_id]"]);
    }

    [Fact]
    public async Task Checkout_PaidOnHostedPage_CompletesSessionSavesCardAndSendsWebhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_gateway);
        _stripe.WebhookUrl = receiver.Url;
        var customerId = await NewCustomerAsync();
        var session = await _gateway.CreateCheckoutSessionAsync(CheckoutRequest(customerId, 7_000));

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var page = await browser.GetStringAsync(session.Url);
        Assert.Contains("Pay", page);
        var paid = await browser.PostAsync($"{_stripe.BaseUrl}/checkout/{session.Id}/pay", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);
        Assert.Equal($"https://mpanel.test/invoices/paid?session={session.Id}", paid.Headers.Location!.ToString());
        var completed = await _gateway.GetCheckoutSessionAsync(session.Id);
        Assert.Equal(("complete", "paid"), (completed.Status, completed.PaymentStatus));
        var intent = await _gateway.GetPaymentIntentAsync(completed.PaymentIntentId!);
        Assert.True(intent.Succeeded);
        Assert.Equal(7_000, intent.AmountReceivedMinor);
        Assert.Equal(completed.Metadata["invoice_id"], intent.Metadata["invoice_id"]);
        Assert.Equal(customerId, (await _gateway.GetPaymentMethodAsync(intent.PaymentMethodId!)).CustomerId);

        var completedEvent = Assert.Single(receiver.Events, e => e.Type == "checkout.session.completed");
        Assert.Equal((session.Id, "checkout.session"), (completedEvent.ObjectId, completedEvent.ObjectType));
        Assert.Equal(0, receiver.Rejected);
    }

    [Fact]
    public async Task Refund_PartialAmount_IsIdempotentAndCannotExceedTheCharge()
    {
        var (customerId, paymentMethodId) = await CustomerWithSavedCardAsync("pm_card_visa");
        var charge = await _gateway.ChargeOffSessionAsync(ChargeRequest(customerId, paymentMethodId, 5_000));
        var key = $"refund-{Guid.NewGuid()}";

        var refund = await _gateway.RefundAsync(charge.Id, 2_000, key);
        var retried = await _gateway.RefundAsync(charge.Id, 2_000, key);

        Assert.StartsWith("re_", refund.Id);
        Assert.Equal(("succeeded", 2_000L, charge.Id), (refund.Status, refund.AmountMinor, refund.PaymentIntentId));
        Assert.Equal(refund, retried);
        Assert.Equal(2_000, Assert.Single(_stripe.PaymentIntents).AmountRefunded);

        var tooMuch = await Assert.ThrowsAsync<GatewayException>(() => _gateway.RefundAsync(charge.Id, 3_001, $"refund-{Guid.NewGuid()}"));
        Assert.Equal("amount_too_large", tooMuch.Code);
        var rest = await _gateway.RefundAsync(charge.Id, 3_000, $"refund-{Guid.NewGuid()}");
        Assert.Equal(3_000, rest.AmountMinor);
        Assert.Equal(5_000, Assert.Single(_stripe.PaymentIntents).AmountRefunded);
    }

    [Fact]
    public void ParseWebhook_SignedByStandIn_ReturnsEnvelope()
    {
        var created = DateTimeOffset.UtcNow.AddSeconds(-10);
        var payload = _stripe.CreateEventJson("payment_intent.succeeded", new { Id = "pi_123", Object = "payment_intent", Amount = 100 }, "evt_abc", created);

        var parsed = _gateway.ParseWebhook(payload, _stripe.SignatureHeader(payload, created));

        Assert.Equal(new GatewayEvent("evt_abc", "payment_intent.succeeded", "pi_123", "payment_intent",
            DateTimeOffset.FromUnixTimeSeconds(created.ToUnixTimeSeconds())), parsed);
    }

    [Fact]
    public void ParseWebhook_TamperedBody_IsRejected()
    {
        var payload = _stripe.CreateEventJson("payment_intent.succeeded", new { Id = "pi_123", Object = "payment_intent", Amount = 100 });
        var header = _stripe.SignatureHeader(payload);
        var tampered = payload.Replace("\"amount\": 100", "\"amount\": 1", StringComparison.Ordinal);
        Assert.NotEqual(payload, tampered);

        Assert.Throws<GatewaySignatureException>(() => _gateway.ParseWebhook(tampered, header));
        Assert.Equal("pi_123", _gateway.ParseWebhook(payload, header).ObjectId);
    }

    [Fact]
    public void ParseWebhook_WrongSecret_IsRejected()
    {
        var payload = _stripe.CreateEventJson("checkout.session.completed", new { Id = "cs_test_1", Object = "checkout.session" });

        Assert.Throws<GatewaySignatureException>(() => _gateway.ParseWebhook(payload, _stripe.SignatureHeader(payload, secret: "whsec_someone_else")));
        Assert.Throws<GatewaySignatureException>(() => Gateway(_stripe.SecretKey, "whsec_other").ParseWebhook(payload, _stripe.SignatureHeader(payload)));
        Assert.Throws<GatewaySignatureException>(() => _gateway.ParseWebhook(payload, "garbage"));
    }

    [Fact]
    public void ParseWebhook_OlderThanTolerance_IsRejected()
    {
        var payload = _stripe.CreateEventJson("checkout.session.completed", new { Id = "cs_test_1", Object = "checkout.session" });
        var now = DateTimeOffset.UtcNow;

        Assert.Throws<GatewaySignatureException>(() => _gateway.ParseWebhook(payload, _stripe.SignatureHeader(payload, now.AddSeconds(-301))));
        Assert.Equal("cs_test_1", _gateway.ParseWebhook(payload, _stripe.SignatureHeader(payload, now.AddSeconds(-290))).ObjectId);
    }

    [Fact]
    public async Task SendEvent_ReachesReceiver_OnlyWithTheRightSecret()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_gateway);
        _stripe.WebhookUrl = receiver.Url;

        var accepted = await _stripe.SendEventAsync("checkout.session.completed", new { Id = "cs_test_9", Object = "checkout.session" }, "evt_1");
        _stripe.WebhookSecret = "whsec_rotated_elsewhere";
        var rejected = await _stripe.SendEventAsync("checkout.session.completed", new { Id = "cs_test_9", Object = "checkout.session" }, "evt_2");
        var stale = await _stripe.SendEventAsync("checkout.session.completed", new { Id = "cs_test_9", Object = "checkout.session" }, "evt_3",
            DateTimeOffset.UtcNow.AddMinutes(-6));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        Assert.Equal("evt_1", Assert.Single(receiver.Events).Id);
        Assert.Equal(2, receiver.Rejected);
    }

    [Fact]
    public async Task OffSessionConfirmation_SendsPaymentIntentWebhooks_OncePerCharge()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_gateway);
        var (customerId, visa) = await CustomerWithSavedCardAsync("pm_card_visa");
        _stripe.WebhookUrl = receiver.Url;
        var request = ChargeRequest(customerId, visa, 800);

        var paid = await _gateway.ChargeOffSessionAsync(request);
        await _gateway.ChargeOffSessionAsync(request);
        var declined = await _gateway.ChargeOffSessionAsync(ChargeRequest(customerId, "pm_card_chargeDeclined", 800));
        await _stripe.WhenWebhooksDeliveredAsync();

        Assert.Equal(
            [("payment_intent.succeeded", paid.Id), ("payment_intent.payment_failed", declined.Id)],
            receiver.Events.Select(e => (e.Type, e.ObjectId)).ToArray());

        _stripe.SendPaymentIntentEvents = false;
        await _gateway.ChargeOffSessionAsync(ChargeRequest(customerId, visa, 800));
        await _stripe.WhenWebhooksDeliveredAsync();
        Assert.Equal(2, receiver.Events.Count);
    }

    [Fact]
    public async Task WrongApiKey_ThrowsGatewayException()
    {
        var gateway = Gateway("sk_test_not_the_stand_ins", _stripe.WebhookSecret);

        var error = await Assert.ThrowsAsync<GatewayException>(() => gateway.GetPaymentIntentAsync("pi_1"));

        Assert.Equal("invalid_request_error", error.Code);
        Assert.Contains("Invalid API Key", error.Message);
        Assert.Equal(401, Assert.Single(_stripe.Requests).StatusCode);
    }

    [Fact]
    public async Task WithoutSecretKey_IsNotConfigured()
    {
        var gateway = new StripePaymentGateway(Options.Create(new StripeOptions { ApiBase = _stripe.BaseUrl }), TimeProvider.System);

        Assert.False(gateway.IsConfigured);
        Assert.True(_gateway.IsConfigured);
        await Assert.ThrowsAsync<InvalidOperationException>(() => gateway.GetPaymentIntentAsync("pi_1"));
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public void AddMPanelPayments_BindsStripeSectionAndValidatesIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stripe:SecretKey"] = _stripe.SecretKey,
            ["Stripe:WebhookSecret"] = _stripe.WebhookSecret,
            ["Stripe:ApiBase"] = _stripe.BaseUrl,
        }).Build();
        using var services = new ServiceCollection().AddMPanelPayments(configuration).BuildServiceProvider();

        var gateway = services.GetRequiredService<IPaymentGateway>();
        Assert.IsType<StripePaymentGateway>(gateway);
        Assert.Same(gateway, services.GetRequiredService<IPaymentGateway>());
        Assert.True(gateway.IsConfigured);
        Assert.Equal(300, services.GetRequiredService<IOptions<StripeOptions>>().Value.WebhookToleranceSeconds);

        configuration["Stripe:ApiBase"] = "not a url";
        using var invalid = new ServiceCollection().AddMPanelPayments(configuration).BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => invalid.GetRequiredService<IOptions<StripeOptions>>().Value);
    }

    private StripePaymentGateway Gateway(string secretKey, string webhookSecret) =>
        new(Options.Create(new StripeOptions { SecretKey = secretKey, WebhookSecret = webhookSecret, ApiBase = _stripe.BaseUrl }), TimeProvider.System);

    private Task<string> NewCustomerAsync() =>
        _gateway.EnsureCustomerAsync(new GatewayCustomer(Guid.NewGuid(), TenantId, "client@example.test", "Client", null));

    private async Task<(string CustomerId, string PaymentMethodId)> CustomerWithSavedCardAsync(string testCard)
    {
        var customerId = await NewCustomerAsync();
        var setup = await _gateway.CreateSetupIntentAsync(customerId, $"setup-{Guid.NewGuid()}");
        return (customerId, _stripe.SucceedSetupIntent(setup.Id, testCard));
    }

    private static GatewayChargeRequest ChargeRequest(string customerId, string paymentMethodId, long amountMinor) =>
        new(customerId, paymentMethodId, TenantId, Guid.NewGuid(), amountMinor, "EUR", "Renewal INV-0042", $"renewal-{Guid.NewGuid()}");

    private static GatewayCheckoutRequest CheckoutRequest(string customerId, long amountMinor) =>
        new(customerId, TenantId, Guid.NewGuid(), "Invoice INV-0042", amountMinor, "EUR",
            "https://mpanel.test/invoices/paid?session={CHECKOUT_SESSION_ID}", "https://mpanel.test/invoices/cancelled", $"checkout-{Guid.NewGuid()}");

    /// <summary>A webhook endpoint as MPanel's will be: verifies with the gateway, 200 when it verifies, 400 when not.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<GatewayEvent> _events = new();
        private int _rejected;

        private WebhookReceiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";
        public IReadOnlyList<GatewayEvent> Events => [.. _events];
        public int Rejected => _rejected;

        public static async Task<WebhookReceiver> StartAsync(IPaymentGateway gateway)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration.Sources.Clear();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var receiver = new WebhookReceiver(builder.Build());
            receiver._app.MapPost("/webhooks/stripe", async (HttpContext context) =>
            {
                var payload = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync();
                try
                {
                    receiver._events.Enqueue(gateway.ParseWebhook(payload, context.Request.Headers["Stripe-Signature"].ToString()));
                    return Results.Ok();
                }
                catch (GatewaySignatureException)
                {
                    Interlocked.Increment(ref receiver._rejected);
                    return Results.BadRequest();
                }
            });
            await receiver._app.StartAsync();
            var address = receiver._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            receiver.Url = $"{address}/webhooks/stripe";
            return receiver;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
