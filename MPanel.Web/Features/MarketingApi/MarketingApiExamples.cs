using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MPanel.Domain.Billing;
using MPanel.Domain.Marketing;
using MPanel.Web.Common;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.ContactRequests;
using MPanel.Web.Features.Subscriptions;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>A request and/or a success-response example for one operation of the OpenAPI document. Endpoints can carry
/// it as metadata (<c>.WithMetadata(new ApiExamples(request, response))</c>); the marketing API's own operations have
/// theirs in <see cref="MarketingApiExamples.ByOperation"/>.</summary>
public sealed record ApiExamples(object? Request, object? Response);

/// <summary>A JSON request body the endpoint reads itself (not by parameter binding): described in the OpenAPI document only.</summary>
public sealed record DocumentedRequestBody(Type Type);

/// <summary>Examples for the OpenAPI document, built from the real request and response types (so they cannot drift from
/// the schemas without failing to compile), and one problem-details example per error status.</summary>
public static class MarketingApiExamples
{
    private static readonly Guid CustomerId = Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e80");
    private static readonly Guid ProductId = Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e81");
    private static readonly Guid OrderId = Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e82");
    private static readonly Guid InvoiceId = Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e83");
    private static readonly Guid ServiceId = Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e84");
    private static readonly Guid KeyId = Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e85");
    private static readonly DateTimeOffset At = new(2026, 11, 28, 10, 15, 0, TimeSpan.Zero);
    private static readonly ProductPrice[] Prices = [new(BillingCycle.Monthly, "EUR", 10m, 0m), new(BillingCycle.Annual, "EUR", 100m, 0m)];
    private static readonly ProductResources Resources = new() { Sites = 1, DiskMb = 10240, Mailboxes = 5, Databases = 2, DnsZones = 1, Certificates = 1 };
    private static readonly PlanChangeQuote Quote = new("EUR", 15, 30, 5m, 12.5m, 7.5m, 0m, false, new DateOnly(2026, 11, 28), new DateOnly(2026, 12, 13),
        "15 of 30 days left: 5.00 EUR credit for Web Starter, 12.50 EUR for Web Pro.");
    private static readonly ApiKeyRow Key = new(KeyId, "marketing website", "mpk_live_3kq9", [ApiScopes.CatalogRead, ApiScopes.OrdersWrite], 100, 10,
        "active", At, "admin@example.com", null, null, At, "203.0.113.7", null);

    public static readonly IReadOnlyDictionary<string, ApiExamples> ByOperation = new Dictionary<string, ApiExamples>
    {
        ["GetCatalog"] = new(null, new CatalogResponse([new CatalogProduct(ProductId, "Web Starter", ProductType.SharedHosting, "Everything a small site needs",
            ["1 site", "10 GB disk"], Resources, Prices, [], true, null)])),
        ["GetProductAvailability"] = new(null, new ProductAvailability(ProductId, "Web Starter", true, true, 42, null)),
        ["ValidateCoupon"] = new(new CouponValidateRequest("WELCOME10", [new CartLine(ProductId, BillingCycle.Monthly)], "EUR"),
            new CouponValidateResponse(true, "WELCOME10", "10 % off your first month", 1m, "EUR", false)),
        ["CreateAccount"] = new(new CreateAccountRequest("Ada", "Lovelace", "ada@example.com", "Analytical Engines Ltd", "+44 20 7946 0000", "GB",
                new UtmParameters("google", "cpc", "spring-sale"), "https://www.example.com/pricing"),
            new CreateAccountResponse(CustomerId, Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e86"), "ada@example.com", true)),
        ["PlaceOrder"] = new(new PlaceOrderRequest(CustomerId, [new CartLine(ProductId, BillingCycle.Monthly)], "WELCOME10", "EUR",
                new UtmParameters("google", "cpc", "spring-sale"), "https://www.example.com/thanks", "https://www.example.com/cart"),
            new PlaceOrderResponse(OrderId, "ORD-2026-000123", "pending_payment", InvoiceId, "INV-2026-000457", 10.71m, 10.71m, "EUR", false,
                "https://checkout.stripe.com/c/pay/cs_test_a1b2c3", null)),
        ["GetOrder"] = new(null, new OrderStatusResponse(OrderId, "ORD-2026-000123", "active", CustomerId, InvoiceId, "INV-2026-000457", InvoiceStatus.Paid,
            10.71m, "EUR", [new OrderItemStatus(ProductId, "Web Starter", BillingCycle.Monthly, ServiceId, SubscriptionStatus.Active)], At, At.AddMinutes(3))),
        ["ListCustomerServices"] = new(null, new Paged<SubscriptionRow>([new SubscriptionRow(ServiceId, CustomerId, "Ada Lovelace", "Web Starter",
            BillingCycle.Monthly, 10m, "EUR", SubscriptionStatus.Active, new DateOnly(2026, 12, 28), false)], 1)),
        ["UpgradeService"] = new(new UpgradeRequest(Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e87"), BillingCycle.Monthly,
                "https://www.example.com/thanks", "https://www.example.com/account"),
            new UpgradeResponse(true, Quote, null, false, null, null)),
        ["ProvisionService"] = new(new ProvisionRequest(null, CustomerId, ProductId, BillingCycle.Monthly, "EUR", "example.com"),
            new ProvisionResponse(ServiceId, CustomerId, ProductId, "Free DNS", BillingCycle.Monthly, "EUR", SubscriptionStatus.Active, OrderId,
                "requested", "example.com", true)),
        ["GetRevenueReport"] = new(null, new RevenueReport(new DateOnly(2026, 9, 1), new DateOnly(2026, 11, 30), "month", "UTC",
            [new RevenueSeries("EUR", 2380m, 119m, 2261m, [
                new RevenueBucket(new DateOnly(2026, 9, 1), 714m, 0m, 714m, 60),
                new RevenueBucket(new DateOnly(2026, 10, 1), 833m, 119m, 714m, 70),
                new RevenueBucket(new DateOnly(2026, 11, 1), 833m, 0m, 833m, 70)])])),
        ["GetCustomersReport"] = new(null, new CustomersReport(new DateOnly(2026, 10, 30), new DateOnly(2026, 11, 28), 57, 41, 16,
            [new SignupGroup("google", "cpc", "spring-sale", 30), new SignupGroup(null, null, null, 16), new SignupGroup("newsletter", "email", null, 11)])),
        ["GetUsageReport"] = new(null, new UsageReport(At, 120, new ResourceTotals(120, 1_228_800, 600, 240, 120, 120),
            [new ProductUsage(ProductId, "Web Starter", 120, Resources)])),
        ["ListApiKeys"] = new(null, new[] { Key }),
        ["CreateApiKey"] = new(new CreateApiKeyRequest("marketing website", [ApiScopes.CatalogRead, ApiScopes.OrdersWrite], null, 100, 10),
            new CreatedApiKey(Key, "mpk_live_3kq9_Vx2bQ8pLr0aZ7tN4mK6cW1yE5uH9sD3f")),
        ["RevokeApiKey"] = new(null, null),
        ["SubmitContactForm"] = new(new ContactForm("Grace Hopper", "grace@example.com", "Question about Web Pro", "Do you offer PostgreSQL 16?", ""),
            new ContactReceipt(true, Guid.Parse("0193a5f2-7c1e-7d4a-9b1e-3f2a5c6d7e88"))),
    };

    /// <summary>What each error status looks like, with its typical <c>code</c>.</summary>
    public static readonly IReadOnlyDictionary<string, object> Problems = new Dictionary<string, object>
    {
        ["400"] = new { type = "https://tools.ietf.org/html/rfc9110#section-15.5.1", title = "One or more validation errors occurred.", status = 400,
            errors = new Dictionary<string, string[]> { ["email"] = ["Enter a valid email address."] }, code = "validation", requestId = "0HN8J4K2L1:00000001" },
        ["401"] = Problem(401, "invalid_api_key", "Send a valid API key in the X-API-Key header. Revoked and expired keys are refused."),
        ["403"] = Problem(403, "insufficient_scope", "This API key's scopes do not allow this call."),
        ["404"] = Problem(404, "not_found", "Order was not found."),
        ["409"] = Problem(409, "invoice_unpaid", "The service's invoice is not paid; it is provisioned once it is (or use POST orders to take payment)."),
        ["413"] = Problem(413, "body_too_large", "Request bodies are limited to 65536 bytes."),
        ["415"] = Problem(415, "unsupported_media_type", "Send the form as application/json."),
        ["422"] = Problem(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request."),
        ["429"] = Problem(429, "rate_limited", "This key may make 100 read calls a minute; try again in 12 s."),
    };

    private static object Problem(int status, string code, string title) =>
        new { type = $"https://httpstatuses.io/{status}", title, status, code, requestId = "0HN8J4K2L1:00000001" };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { Converters = { new JsonStringEnumConverter() } };

    public static JsonNode? ToNode(object? value) => value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), Json);
}
