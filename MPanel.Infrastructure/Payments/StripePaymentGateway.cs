using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MPanel.Domain.Billing;
using Stripe;
using Stripe.Checkout;

namespace MPanel.Infrastructure.Payments;

/// <summary><see cref="IPaymentGateway"/> on Stripe through the official Stripe.net SDK. Every call that creates an
/// object sends MPanel's idempotency key, so a retried job replays Stripe's first answer instead of charging again.
/// Stripe's errors become <see cref="GatewayException"/>, except a declined off-session charge, which is an expected
/// outcome and comes back as a failed <see cref="GatewayCharge"/>.</summary>
public sealed class StripePaymentGateway : IPaymentGateway
{
    private const string CardError = "card_error";

    private readonly StripeOptions _options;
    private readonly TimeProvider _clock;
    private readonly Lazy<StripeClient> _client;

    public StripePaymentGateway(IOptions<StripeOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _client = new Lazy<StripeClient>(CreateClient);
    }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(_options.SecretKey);

    public async Task<string> EnsureCustomerAsync(GatewayCustomer customer, CancellationToken ct = default)
    {
        if (!string.IsNullOrEmpty(customer.ExistingGatewayId)) return customer.ExistingGatewayId;
        var created = await CallAsync(() => new CustomerService(Client).CreateAsync(new CustomerCreateOptions
        {
            Email = customer.Email,
            Name = customer.Name,
            Metadata = new() { ["customer_id"] = Id(customer.CustomerId), ["tenant_id"] = Id(customer.TenantId) },
        }, Idempotent($"customer-{Id(customer.CustomerId)}"), ct));
        return created.Id;
    }

    public async Task<GatewaySetup> CreateSetupIntentAsync(string gatewayCustomerId, string idempotencyKey, CancellationToken ct = default)
    {
        var setup = await CallAsync(() => new SetupIntentService(Client).CreateAsync(new SetupIntentCreateOptions
        {
            Customer = gatewayCustomerId,
            Usage = "off_session",
            AllowedPaymentMethodTypes = ["card"],
        }, Idempotent(idempotencyKey), ct));
        return ToSetup(setup);
    }

    public async Task<GatewaySetup> GetSetupIntentAsync(string setupIntentId, CancellationToken ct = default) =>
        ToSetup(await CallAsync(() => new SetupIntentService(Client).GetAsync(setupIntentId, cancellationToken: ct)));

    public async Task<GatewayCard> GetPaymentMethodAsync(string paymentMethodId, CancellationToken ct = default)
    {
        var method = await CallAsync(() => new PaymentMethodService(Client).GetAsync(paymentMethodId, cancellationToken: ct));
        var card = method.Card ?? throw new GatewayException("not_a_card", $"Payment method {method.Id} is a {method.Type}, not a card.");
        return new GatewayCard(method.Id, card.Brand, card.Last4, (int)card.ExpMonth, (int)card.ExpYear, method.CustomerId);
    }

    public Task DetachPaymentMethodAsync(string paymentMethodId, CancellationToken ct = default) =>
        CallAsync(() => new PaymentMethodService(Client).DetachAsync(paymentMethodId, cancellationToken: ct));

    public async Task<GatewayCheckout> CreateCheckoutSessionAsync(GatewayCheckoutRequest request, CancellationToken ct = default)
    {
        var metadata = Metadata(request.TenantId, request.InvoiceId);
        var session = await CallAsync(() => new SessionService(Client).CreateAsync(new SessionCreateOptions
        {
            Mode = "payment",
            Customer = request.GatewayCustomerId,
            SuccessUrl = request.SuccessUrl,
            CancelUrl = request.CancelUrl,
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = request.Currency.ToLowerInvariant(),
                        UnitAmount = request.AmountMinor,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = request.Description },
                    },
                },
            ],
            PaymentIntentData = new SessionPaymentIntentDataOptions
            {
                SetupFutureUsage = "off_session",
                Description = request.Description,
                Metadata = new(metadata),
            },
            Metadata = metadata,
        }, Idempotent(request.IdempotencyKey), ct));
        return ToCheckout(session);
    }

    public async Task<GatewayCheckout> GetCheckoutSessionAsync(string sessionId, CancellationToken ct = default) =>
        ToCheckout(await CallAsync(() => new SessionService(Client).GetAsync(sessionId, cancellationToken: ct)));

    public async Task<GatewayCharge> ChargeOffSessionAsync(GatewayChargeRequest request, CancellationToken ct = default)
    {
        var options = new PaymentIntentCreateOptions
        {
            Amount = request.AmountMinor,
            Currency = request.Currency.ToLowerInvariant(),
            Customer = request.GatewayCustomerId,
            PaymentMethod = request.PaymentMethodId,
            Description = request.Description,
            Confirm = true,
            OffSession = true,
            Metadata = Metadata(request.TenantId, request.InvoiceId),
        };
        try
        {
            return ToCharge(await new PaymentIntentService(Client).CreateAsync(options, Idempotent(request.IdempotencyKey), ct));
        }
        catch (StripeException e) when (e.StripeError?.Type == CardError)
        {
            // A decline is an answer, not a failure of the call: Stripe answers 402 and puts the failed PaymentIntent
            // (status requires_payment_method) in the error.
            var error = e.StripeError;
            if (error.PaymentIntent is { } failed) return ToCharge(failed, error);
            return new GatewayCharge(Id: "", Status: "requires_payment_method", request.AmountMinor, 0, options.Currency,
                request.PaymentMethodId, error.DeclineCode ?? error.Code, error.Message, options.Metadata);
        }
        catch (StripeException e)
        {
            throw ToGatewayException(e);
        }
    }

    public async Task<GatewayCharge> GetPaymentIntentAsync(string paymentIntentId, CancellationToken ct = default) =>
        ToCharge(await CallAsync(() => new PaymentIntentService(Client).GetAsync(paymentIntentId, cancellationToken: ct)));

    public async Task<GatewayRefund> RefundAsync(string paymentIntentId, long amountMinor, string idempotencyKey, CancellationToken ct = default)
    {
        var refund = await CallAsync(() => new RefundService(Client).CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = paymentIntentId,
            Amount = amountMinor,
        }, Idempotent(idempotencyKey), ct));
        return new GatewayRefund(refund.Id, refund.Status, refund.Amount, refund.PaymentIntentId ?? paymentIntentId);
    }

    public GatewayEvent ParseWebhook(string payload, string signatureHeader)
    {
        if (string.IsNullOrWhiteSpace(_options.WebhookSecret))
            throw new GatewaySignatureException("No Stripe webhook secret is configured (Stripe:WebhookSecret).");
        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(payload, signatureHeader, _options.WebhookSecret, _options.WebhookToleranceSeconds,
                _clock.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException e)
        {
            throw new GatewaySignatureException(e.Message);
        }

        // The envelope is verified; read data.object's id and type from the signed JSON itself, which works for every
        // object type, including ones this SDK version does not model.
        using var json = JsonDocument.Parse(payload);
        string? objectId = null, objectType = null;
        if (json.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("object", out var dataObject)
            && dataObject.ValueKind == JsonValueKind.Object)
        {
            objectId = dataObject.TryGetProperty("id", out var id) ? id.GetString() : null;
            objectType = dataObject.TryGetProperty("object", out var type) ? type.GetString() : null;
        }
        return new GatewayEvent(stripeEvent.Id, stripeEvent.Type, objectId ?? "", objectType ?? "",
            new DateTimeOffset(DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc)));
    }

    private StripeClient Client => IsConfigured
        ? _client.Value
        : throw new InvalidOperationException("Stripe is not configured: set Stripe:SecretKey to take card payments.");

    private StripeClient CreateClient()
    {
        var apiBase = string.IsNullOrWhiteSpace(_options.ApiBase) ? null : _options.ApiBase.TrimEnd('/');
        return new StripeClient(_options.SecretKey, apiBase: apiBase, connectBase: apiBase, filesBase: apiBase);
    }

    private static RequestOptions Idempotent(string key) => new() { IdempotencyKey = key };

    private static string Id(Guid id) => id.ToString("D", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Metadata(Guid tenantId, Guid invoiceId) =>
        new() { ["tenant_id"] = Id(tenantId), ["invoice_id"] = Id(invoiceId) };

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeException e)
        {
            throw ToGatewayException(e);
        }
    }

    private static GatewayException ToGatewayException(StripeException e) =>
        new(e.StripeError?.DeclineCode ?? e.StripeError?.Code ?? e.StripeError?.Type ?? "stripe_error", e.StripeError?.Message ?? e.Message);

    private static GatewaySetup ToSetup(SetupIntent setup) => new(setup.Id, setup.ClientSecret, setup.Status, setup.PaymentMethodId);

    private static GatewayCheckout ToCheckout(Session session) =>
        // Stripe clears url once the session is complete or expired.
        new(session.Id, session.Url ?? "", session.Status, session.PaymentStatus, session.PaymentIntentId,
            session.Metadata ?? new Dictionary<string, string>());

    private static GatewayCharge ToCharge(PaymentIntent intent, StripeError? error = null)
    {
        // After a failed attempt Stripe moves the payment method from payment_method into last_payment_error.
        var failure = intent.LastPaymentError ?? error;
        return new GatewayCharge(intent.Id, intent.Status, intent.Amount, intent.AmountReceived, intent.Currency,
            intent.PaymentMethodId ?? failure?.PaymentMethod?.Id,
            intent.Status == "succeeded" ? null : failure?.DeclineCode ?? failure?.Code,
            intent.Status == "succeeded" ? null : failure?.Message,
            intent.Metadata ?? new Dictionary<string, string>());
    }
}
