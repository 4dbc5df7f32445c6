namespace MPanel.Domain.Billing;

/// <summary>The one port every card gateway implements (Stripe today). Amounts cross it in the currency's minor unit,
/// as gateways count them. Every call that creates or moves money takes an idempotency key derived from MPanel's ids,
/// so a retried job or webhook never charges twice.</summary>
public interface IPaymentGateway
{
    /// <summary>False when no secret key is configured (the demo): card payments are then unavailable.</summary>
    bool IsConfigured { get; }

    Task<string> EnsureCustomerAsync(GatewayCustomer customer, CancellationToken ct = default);

    /// <summary>A SetupIntent for saving a card; the browser confirms it with the client secret.</summary>
    Task<GatewaySetup> CreateSetupIntentAsync(string gatewayCustomerId, string idempotencyKey, CancellationToken ct = default);

    Task<GatewaySetup> GetSetupIntentAsync(string setupIntentId, CancellationToken ct = default);

    Task<GatewayCard> GetPaymentMethodAsync(string paymentMethodId, CancellationToken ct = default);

    Task DetachPaymentMethodAsync(string paymentMethodId, CancellationToken ct = default);

    /// <summary>A hosted Checkout Session (mode payment) for one invoice, saving the card for later renewals.</summary>
    Task<GatewayCheckout> CreateCheckoutSessionAsync(GatewayCheckoutRequest request, CancellationToken ct = default);

    Task<GatewayCheckout> GetCheckoutSessionAsync(string sessionId, CancellationToken ct = default);

    /// <summary>A PaymentIntent confirmed off-session with a saved card (renewals).</summary>
    Task<GatewayCharge> ChargeOffSessionAsync(GatewayChargeRequest request, CancellationToken ct = default);

    Task<GatewayCharge> GetPaymentIntentAsync(string paymentIntentId, CancellationToken ct = default);

    Task<GatewayRefund> RefundAsync(string paymentIntentId, long amountMinor, string idempotencyKey, CancellationToken ct = default);

    /// <summary>Verifies a webhook's signature (300 s tolerance) and returns the event's envelope; throws
    /// <see cref="GatewaySignatureException"/> when it does not verify.</summary>
    GatewayEvent ParseWebhook(string payload, string signatureHeader);
}

public sealed record GatewayCustomer(Guid CustomerId, Guid TenantId, string Email, string Name, string? ExistingGatewayId);

public sealed record GatewaySetup(string Id, string ClientSecret, string Status, string? PaymentMethodId);

public sealed record GatewayCard(string Id, string Brand, string Last4, int ExpMonth, int ExpYear, string? CustomerId);

/// <summary>Metadata carries tenant_id and invoice_id so a webhook can find its invoice again.</summary>
public sealed record GatewayCheckoutRequest(string GatewayCustomerId, Guid TenantId, Guid InvoiceId, string Description,
    long AmountMinor, string Currency, string SuccessUrl, string CancelUrl, string IdempotencyKey);

public sealed record GatewayCheckout(string Id, string Url, string Status, string PaymentStatus, string? PaymentIntentId,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record GatewayChargeRequest(string GatewayCustomerId, string PaymentMethodId, Guid TenantId, Guid InvoiceId,
    long AmountMinor, string Currency, string Description, string IdempotencyKey);

/// <summary>Status is Stripe's PaymentIntent status: succeeded, processing, requires_payment_method, requires_action, canceled.</summary>
public sealed record GatewayCharge(string Id, string Status, long AmountMinor, long AmountReceivedMinor, string Currency,
    string? PaymentMethodId, string? FailureCode, string? FailureMessage, IReadOnlyDictionary<string, string> Metadata)
{
    public bool Succeeded => Status == "succeeded";
}

public sealed record GatewayRefund(string Id, string Status, long AmountMinor, string PaymentIntentId);

/// <summary>A verified webhook envelope; handlers re-fetch <see cref="ObjectId"/> rather than trusting the payload's copy.</summary>
public sealed record GatewayEvent(string Id, string Type, string ObjectId, string ObjectType, DateTimeOffset Created);

public sealed class GatewaySignatureException(string message) : Exception(message);

/// <summary>The gateway declined or failed a call (card declined, invalid request); <see cref="Code"/> is the gateway's code.</summary>
public sealed class GatewayException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
