using System.ComponentModel.DataAnnotations;

namespace MPanel.Infrastructure.Payments;

/// <summary>Stripe settings, bound from the <c>Stripe</c> section. An empty <see cref="SecretKey"/> leaves card payments
/// unavailable (the demo), see <see cref="MPanel.Domain.Billing.IPaymentGateway.IsConfigured"/>.</summary>
public sealed class StripeOptions
{
    public const string Section = "Stripe";

    /// <summary>The secret (or restricted) API key, <c>sk_live_…</c>/<c>sk_test_…</c>.</summary>
    public string? SecretKey { get; set; }

    /// <summary>The publishable key the browser uses with Stripe.js.</summary>
    public string? PublishableKey { get; set; }

    /// <summary>The signing secret of the webhook endpoint, <c>whsec_…</c>.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>When set, the SDK talks to this base URL instead of https://api.stripe.com (tests point it at the local
    /// stand-in). Files and Connect requests go there too.</summary>
    [CustomValidation(typeof(StripeOptions), nameof(ValidateApiBase))]
    public string? ApiBase { get; set; }

    /// <summary>Empty means Stripe itself; anything else must be an absolute http(s) URL.</summary>
    public static ValidationResult? ValidateApiBase(string? value, ValidationContext _) =>
        string.IsNullOrWhiteSpace(value) || (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            ? ValidationResult.Success
            : new ValidationResult("Stripe:ApiBase must be an absolute http(s) URL.", [nameof(ApiBase)]);

    /// <summary>How old a webhook's signed timestamp may be, in seconds (Stripe's own default).</summary>
    [Range(1, 3600)]
    public int WebhookToleranceSeconds { get; set; } = 300;
}
