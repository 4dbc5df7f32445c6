using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Customers;
using MPanel.Domain.Marketing;
using MPanel.Web.Common;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Invoices;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Payments;
using MPanel.Web.Features.Subscriptions;

namespace MPanel.Web.Features.MarketingApi;

// ---- what the marketing website sends and receives ----

public sealed record CatalogProduct(Guid Id, string Name, ProductType Type, string? Description, IReadOnlyList<string> Features,
    ProductResources Resources, IReadOnlyList<ProductPrice> Prices, IReadOnlyList<ProductOption> Options, bool InStock, int? StockLeft);

public sealed record CatalogResponse(IReadOnlyList<CatalogProduct> Products);

/// <summary>Whether a product can be ordered now; <see cref="Reason"/> is <c>retired</c> or <c>out_of_stock</c> when not.</summary>
public sealed record ProductAvailability(Guid ProductId, string Name, bool Available, bool InStock, int? StockLeft, string? Reason);

/// <summary>A promo code and the cart it would apply to; <c>currency</c> defaults to the shop's base currency,
/// <c>customerId</c> (optional) counts that customer's earlier uses.</summary>
public sealed record CouponValidateRequest(string Code, IReadOnlyList<CartLine>? Items, string? Currency = null, Guid? CustomerId = null);

public sealed record CouponValidateResponse(bool Valid, string Code, string Description, decimal Discount, string Currency, bool Recurring);

/// <summary>UTM parameters of the visit that led to the signup or the order (orders keep source, medium and campaign).</summary>
public sealed record UtmParameters(string? Source = null, string? Medium = null, string? Campaign = null, string? Term = null, string? Content = null);

public sealed record CreateAccountRequest(string FirstName, string LastName, string Email, string? Company, string? Phone, string Country,
    UtmParameters? Utm = null, string? Referrer = null);

/// <summary>The new customer and their login; a welcome mail with a set-password link (valid 24 hours) went to <c>email</c>.</summary>
public sealed record CreateAccountResponse(Guid CustomerId, Guid UserId, string Email, bool WelcomeEmailSent);

/// <summary>A checkout. <c>successUrl</c> and <c>cancelUrl</c> (absolute http(s) URLs, both or neither) are where Stripe
/// Checkout sends the customer back; without them, or when account credit pays the whole invoice, no checkout starts.</summary>
public sealed record PlaceOrderRequest(Guid CustomerId, IReadOnlyList<CartLine>? Items, string? PromoCode = null, string? Currency = null,
    UtmParameters? Utm = null, string? SuccessUrl = null, string? CancelUrl = null);

/// <summary>The order and its first invoice. Either <c>checkoutUrl</c> (send the customer there to pay) or
/// <c>paidByCredit</c> (account credit covered it); <c>paymentNote</c> says why neither, if so.</summary>
public sealed record PlaceOrderResponse(Guid OrderId, string Reference, string Status, Guid? InvoiceId, string? InvoiceNumber, decimal Total,
    decimal AmountDue, string Currency, bool PaidByCredit, string? CheckoutUrl, string? PaymentNote);

public sealed record OrderItemStatus(Guid ProductId, string ProductName, BillingCycle Cycle, Guid ServiceId, SubscriptionStatus ServiceStatus);

/// <summary>For the success page. <c>status</c>: pending_payment → provisioning → active (or awaiting_approval,
/// cancelled, suspended, ended).</summary>
public sealed record OrderStatusResponse(Guid OrderId, string Reference, string Status, Guid CustomerId, Guid? InvoiceId, string? InvoiceNumber,
    InvoiceStatus? InvoiceStatus, decimal Total, string Currency, IReadOnlyList<OrderItemStatus> Items, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

public sealed record UpgradeRequest(Guid ProductId, BillingCycle Cycle, string? SuccessUrl = null, string? CancelUrl = null);

/// <summary>With <c>preview=true</c> only <c>quote</c> is set and nothing changes. Otherwise an upgrade is invoiced
/// (<c>invoiceId</c>, and <c>checkoutUrl</c> when return URLs were given) and applied when paid; a downgrade follows the
/// shop's policy (<c>appliedNow</c>).</summary>
public sealed record UpgradeResponse(bool Preview, PlanChangeQuote Quote, Guid? InvoiceId, bool AppliedNow, string? CheckoutUrl, string? PaymentNote);

/// <summary>The order's state as the marketing site shows it, derived from the order, its invoice and its services.</summary>
public static class OrderProgress
{
    public static string Of(OrderStatus order, InvoiceStatus? invoice, IReadOnlyCollection<SubscriptionStatus> services) =>
        order == OrderStatus.Cancelled || invoice == Domain.Billing.InvoiceStatus.Void ? "cancelled"
        : invoice is not null and not Domain.Billing.InvoiceStatus.Paid ? "pending_payment"
        : order == OrderStatus.AwaitingApproval ? "awaiting_approval"
        : services.Any(s => s == SubscriptionStatus.Pending) ? "provisioning"
        : services.Count > 0 && services.All(s => s == SubscriptionStatus.Active) ? "active"
        : services.Any(s => s == SubscriptionStatus.Suspended) ? "suspended"
        : services.Any(s => s == SubscriptionStatus.Active) ? "active"
        : "ended";
}

/// <summary>The API the tenant's marketing website calls with an API key (<c>X-API-Key</c>). It calls the same feature
/// services as the UI and adds no rules of its own; the key's tenant is the tenant, so another tenant's ids answer 404.</summary>
public static class MarketingApiEndpoints
{
    public const string BasePath = "/api/marketing-api";
    public const string Channel = "api";

    public static bool IsMarketingPath(PathString path) => path.StartsWithSegments(BasePath, StringComparison.OrdinalIgnoreCase);

    public static IServiceCollection AddMarketingApi(this IServiceCollection services)
    {
        services.AddOptions<MarketingApiOptions>().BindConfiguration(MarketingApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddApiKeyAuthentication(IsMarketingPath);
        services.AddScoped<ApiKeysService>();
        services.AddScoped<SignupService>();
        services.AddScoped<IdempotencyStore>();
        services.AddScoped<MarketingMaintenanceJob>();
        services.AddScoped<MarketingReportsService>();
        services.AddSingleton<MarketingCatalogCache>();
        services.AddSingleton<ApiActivityLog>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiActivityLog>());
        services.AddSingleton<InProcessRateCounterStore>();
        services.AddSingleton<IRateCounterStore>(sp => sp.GetService<StackExchange.Redis.IConnectionMultiplexer>() is { } redis
            ? ActivatorUtilities.CreateInstance<RedisRateCounterStore>(sp, redis)
            : sp.GetRequiredService<InProcessRateCounterStore>());
        services.AddSingleton<IApiRateLimiter>(sp => sp.GetRequiredService<IRateCounterStore>() is RedisRateCounterStore redis
            ? new RedisApiRateLimiter(redis)
            : new InProcessApiRateLimiter(sp.GetRequiredService<InProcessRateCounterStore>()));
        services.AddPublicRateLimits();
        services.AddMarketingOpenApi();
        return services;
    }

    /// <summary>Limits, body size and the activity log, for marketing-API requests only; goes after tenant resolution and
    /// before authorization (so refused calls are logged too).</summary>
    public static IApplicationBuilder UseMarketingApi(this IApplicationBuilder app) =>
        app.UseWhen(http => IsMarketingPath(http.Request.Path), branch => branch.UseMiddleware<MarketingApiMiddleware>());

    public static void MapMarketingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(BasePath).DisableAntiforgery()
            .WithGroupName(MarketingOpenApi.DocumentName)
            .AddEndpointFilter<IdempotencyFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        var products = api.MapGroup("/products").WithTags("Catalogue").RequireAuthorization(ApiScopes.CatalogRead);
        // CatalogService is resolved only when the cache has to load (most calls are answered from the cached bytes).
        products.MapGet("/catalog", async (HttpContext http, MarketingCatalogCache cache, Domain.Tenants.ICurrentTenant tenant, CancellationToken ct) =>
                TypedResults.Bytes(await cache.GetAsync(tenant.TenantId!.Value,
                    async c => new CatalogResponse((await http.RequestServices.GetRequiredService<CatalogService>().OrderableAsync(c))
                        .Select(ToCatalogProduct).ToList()), ct), "application/json"))
            .Produces<CatalogResponse>()
            .WithName("GetCatalog").WithSummary("The catalogue")
            .WithDescription("Public, in-stock products with their prices per billing cycle and currency, options, features and resources.");
        products.MapGet("/{id:guid}/availability", async (CatalogService catalog, Guid id, CancellationToken ct) =>
                TypedResults.Ok(Availability(await catalog.GetProductAsync(id, ct))))
            .WithName("GetProductAvailability").WithSummary("Whether a product can be ordered now")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/coupons/validate", async (CatalogService catalog, CustomersService customers, CouponValidateRequest body, CancellationToken ct) =>
            {
                if (body.CustomerId is { } customerId) await customers.GetAsync(customerId, ct); // another tenant's customer: 404
                var currency = body.Currency?.Trim().ToUpperInvariant() is { Length: > 0 } given ? given : (await catalog.GetSettingsAsync(ct)).Details.BaseCurrency;
                var check = await catalog.CheckPromoAsync(body.Code ?? "", body.Items ?? [], currency, body.CustomerId, ct);
                return TypedResults.Ok(new CouponValidateResponse(true, check.Code, check.Description, check.Discount, check.Currency, check.Recurring));
            })
            .RequireAuthorization(ApiScopes.CatalogRead).WithMetadata(new MarketingRate(ApiRateClass.Read))
            .WithTags("Catalogue").WithName("ValidateCoupon").WithSummary("Check a promo code against a cart")
            .WithDescription("Answers the discount the code gives this cart; a code that does not exist or does not apply answers 400 with the reason under `errors.promoCode`.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).Idempotent();

        api.MapPost("/accounts/create", async Task<Created<CreateAccountResponse>> (SignupService signups, CreateAccountRequest body, HttpRequest request, CancellationToken ct) =>
            {
                var utm = body.Utm ?? new UtmParameters();
                var result = await signups.SignUpAsync(new CustomerDetails(body.FirstName, body.LastName, body.Email, body.Company, body.Phone, body.Country),
                    new AcquisitionDetails(utm.Source, utm.Medium, utm.Campaign, utm.Term, utm.Content, body.Referrer), Channel,
                    $"{request.Scheme}://{request.Host}{request.PathBase}", ct);
                return TypedResults.Created($"{BasePath}/customers/{result.CustomerId}/services", new CreateAccountResponse(result.CustomerId, result.UserId, result.Email, true));
            })
            .RequireAuthorization(ApiScopes.AccountsWrite)
            .WithTags("Accounts").WithName("CreateAccount").WithSummary("Create a customer account")
            .WithDescription("Creates the customer and a client login, stores the UTM parameters, and mails a welcome with a set-password link valid for 24 hours. Send an Idempotency-Key.")
            .ProducesValidationProblem().Idempotent();

        var orders = api.MapGroup("/orders").WithTags("Orders").RequireAuthorization(ApiScopes.OrdersWrite);
        orders.MapPost("/", async Task<Created<PlaceOrderResponse>> (OrdersService ordersService, InvoicesService invoices, PaymentsService payments,
                SubscriptionsService subscriptions, PlaceOrderRequest body, CancellationToken ct) =>
            {
                ValidateReturnUrls(body.SuccessUrl, body.CancelUrl);
                var utm = body.Utm ?? new UtmParameters();
                var order = await ordersService.PlaceAsync(new PlaceOrder(body.CustomerId, body.Items ?? [], body.PromoCode, body.Currency, utm.Source, utm.Medium, utm.Campaign),
                    OrderChannel.Api, ct);
                var amountDue = order.InvoiceId is { } iid ? (await invoices.GetAsync(iid, ct)).Summary.AmountDue : 0m;
                var (checkoutUrl, note) = await CheckoutAsync(payments, order.InvoiceId, amountDue, body.SuccessUrl, body.CancelUrl, ct);
                var response = new PlaceOrderResponse(order.Id, order.Reference, await StatusAsync(subscriptions, order, ct), order.InvoiceId, order.InvoiceNumber,
                    Amount(order.Total, order.Currency), Amount(amountDue, order.Currency), order.Currency, amountDue == 0 && order.Total > 0, checkoutUrl, note);
                return TypedResults.Created($"{BasePath}/orders/{order.Id}", response);
            })
            .WithName("PlaceOrder").WithSummary("Place an order (checkout)")
            .WithDescription("Creates the order, its pending services and the first invoice (account credit is applied), then starts a Stripe Checkout session for what is left to pay. Send an Idempotency-Key: a retry returns the same order.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).Idempotent();
        orders.MapGet("/{id:guid}", async (OrdersService ordersService, SubscriptionsService subscriptions, Guid id, CancellationToken ct) =>
            {
                var order = await ordersService.GetAsync(id, ct);
                var services = await ServicesOfAsync(subscriptions, order, ct);
                return TypedResults.Ok(new OrderStatusResponse(order.Id, order.Reference,
                    OrderProgress.Of(order.Status, order.InvoiceStatus, services.Select(s => s.ServiceStatus).ToList()),
                    order.CustomerId, order.InvoiceId, order.InvoiceNumber, order.InvoiceStatus, Amount(order.Total, order.Currency), order.Currency, services,
                    order.CreatedAt, order.CompletedAt));
            })
            .WithName("GetOrder").WithSummary("An order's status for the success page")
            .WithDescription("`status` goes pending_payment → provisioning → active; awaiting_approval when staff must approve, cancelled when it was cancelled.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Reading a customer's services is part of managing them, so it needs services:write (catalog:read covers only
        // public catalogue data).
        api.MapGet("/customers/{id:guid}/services", async (CustomersService customers, SubscriptionsService subscriptions, Guid id,
                int? page, int? pageSize, CancellationToken ct) =>
            {
                await customers.GetAsync(id, ct); // 404 for a customer of another tenant
                return TypedResults.Ok(await subscriptions.ListAsync(new PageQuery(page ?? 0, pageSize ?? 50), new SubscriptionListQuery(CustomerId: id), ct));
            })
            .RequireAuthorization(ApiScopes.ServicesWrite)
            .WithTags("Services").WithName("ListCustomerServices").WithSummary("A customer's services")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/services/{id:guid}/upgrade", async (SubscriptionsService subscriptions, PaymentsService payments, InvoicesService invoices,
                Guid id, bool? preview, UpgradeRequest body, CancellationToken ct) =>
            {
                var change = new PlanChangeRequest(body.ProductId, body.Cycle);
                if (preview == true) return TypedResults.Ok(new UpgradeResponse(true, await subscriptions.QuoteAsync(id, change, ct), null, false, null, null));
                ValidateReturnUrls(body.SuccessUrl, body.CancelUrl);
                var result = await subscriptions.ChangePlanAsync(id, change, ct);
                var amountDue = result.InvoiceId is { } iid ? (await invoices.GetAsync(iid, ct)).Summary.AmountDue : 0m;
                var (checkoutUrl, note) = await CheckoutAsync(payments, result.InvoiceId, amountDue, body.SuccessUrl, body.CancelUrl, ct);
                return TypedResults.Ok(new UpgradeResponse(false, result.Quote, result.InvoiceId, result.AppliedNow, checkoutUrl, note));
            })
            .RequireAuthorization(ApiScopes.ServicesWrite).WithMetadata(new MarketingRate(ApiRateClass.Write, ReadWhenQueryFlag: "preview"))
            .WithTags("Services").WithName("UpgradeService").WithSummary("Quote or change a service's plan")
            .WithDescription("With `preview=true`: the prorated quote, nothing changes (counted as a read). Without: the change is made; an upgrade is invoiced and applied once paid.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).Idempotent();

        api.MapServiceProvisioning();
        api.MapMarketingReports();

        var keys = api.MapGroup("/admin/api-keys").WithTags("API keys").RequireAuthorization(ApiScopes.Admin);
        keys.MapGet("/", async (ApiKeysService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .WithName("ListApiKeys").WithSummary("The shop's API keys (secrets are never shown again)");
        keys.MapPost("/", async Task<Created<CreatedApiKey>> (ApiKeysService service, CreateApiKeyRequest body, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(body, ct);
                return TypedResults.Created($"{BasePath}/admin/api-keys/{created.Key.Id}", created);
            })
            .WithName("CreateApiKey").WithSummary("Create an API key; the answer holds its secret, once").ProducesValidationProblem().Idempotent();
        keys.MapDelete("/{id:guid}", async (ApiKeysService service, Guid id, CancellationToken ct) =>
            {
                await service.RevokeAsync(id, ct);
                return TypedResults.NoContent();
            })
            .WithName("RevokeApiKey").WithSummary("Revoke an API key at once").ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>What every POST can answer besides its own results: a body too large, and the Idempotency-Key outcomes.</summary>
    private static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder post) => post
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>An amount as the customer sees it: in the currency's minor units (53.44, not 53.4400).</summary>
    private static decimal Amount(decimal value, string currency) => decimal.Round(value, Money.MinorUnits(currency), MidpointRounding.ToEven);

    private static CatalogProduct ToCatalogProduct(ProductView p) => new(p.Id, p.Details.Name, p.Details.Type, p.Details.Description, p.Details.Features,
        p.Details.Resources, p.Details.Prices, p.Details.Options, p.InStock, p.Details.StockLimit is { } limit ? Math.Max(0, limit - p.Sold) : null);

    private static ProductAvailability Availability(ProductView p)
    {
        var reason = p.Details.Visibility == ProductVisibility.Retired ? "retired" : !p.InStock ? "out_of_stock" : null;
        return new ProductAvailability(p.Id, p.Details.Name, reason is null, p.InStock, p.Details.StockLimit is { } limit ? Math.Max(0, limit - p.Sold) : null, reason);
    }

    private static void ValidateReturnUrls(string? successUrl, string? cancelUrl)
    {
        static bool Valid(string? url) => url is { Length: <= 2000 } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";
        new Validator()
            .Require(successUrl is null || Valid(successUrl), "successUrl", "An absolute http(s) URL of at most 2000 characters.")
            .Require(cancelUrl is null || Valid(cancelUrl), "cancelUrl", "An absolute http(s) URL of at most 2000 characters.")
            .Require((successUrl is null) == (cancelUrl is null), successUrl is null ? "successUrl" : "cancelUrl", "Give both successUrl and cancelUrl, or neither.")
            .ThrowIfInvalid();
    }

    /// <summary>A Stripe Checkout URL for what is left to pay, when return URLs were given and card payments are set up.
    /// The order already exists, so a failure to start the checkout is reported in the note rather than as an error
    /// (a retry with the same Idempotency-Key must not place a second order).</summary>
    private static async Task<(string? Url, string? Note)> CheckoutAsync(PaymentsService payments, Guid? invoiceId, decimal amountDue,
        string? successUrl, string? cancelUrl, CancellationToken ct)
    {
        if (invoiceId is not { } id || amountDue <= 0) return (null, null);
        if (successUrl is null || cancelUrl is null) return (null, "No successUrl/cancelUrl were given, so no card checkout was started; the invoice awaits payment.");
        if (!payments.CardsAvailable) return (null, "Card payments are not set up for this shop; the invoice awaits payment by other means.");
        try
        {
            return (await payments.StartCheckoutAsync(id, successUrl, cancelUrl, ct), null);
        }
        catch (Exception ex) when (ex is DomainException or GatewayException)
        {
            return (null, $"The card checkout could not be started: {ex.Message}");
        }
    }

    private static async Task<string> StatusAsync(SubscriptionsService subscriptions, OrderView order, CancellationToken ct) =>
        OrderProgress.Of(order.Status, order.InvoiceStatus, (await ServicesOfAsync(subscriptions, order, ct)).Select(s => s.ServiceStatus).ToList());

    /// <summary>The state of each service the order created, read through the subscriptions service.</summary>
    private static async Task<IReadOnlyList<OrderItemStatus>> ServicesOfAsync(SubscriptionsService subscriptions, OrderView order, CancellationToken ct)
    {
        var result = new List<OrderItemStatus>(order.Items.Count);
        foreach (var item in order.Items)
        {
            var subscription = await subscriptions.GetAsync(item.SubscriptionId, ct);
            result.Add(new OrderItemStatus(item.ProductId, item.ProductName, item.Cycle, item.SubscriptionId, subscription.Status));
        }
        return result;
    }
}
