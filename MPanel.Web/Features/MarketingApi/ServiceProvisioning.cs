using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Subscriptions;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>Either <c>subscriptionId</c> (an existing service whose first invoice is paid or zero) or
/// <c>customerId</c> + <c>productId</c> + <c>cycle</c> (a new service at a price of zero in <c>currency</c>, default the
/// shop's base currency). <c>domain</c> is checked and echoed back; the provisioning engine takes the primary domain from
/// the service once services carry one.</summary>
public sealed record ProvisionRequest(Guid? SubscriptionId = null, Guid? CustomerId = null, Guid? ProductId = null, BillingCycle? Cycle = null,
    string? Currency = null, string? Domain = null);

/// <summary>The service after the call. <c>provisioning</c> is <c>requested</c> when the provisioning engine was asked to
/// set it up (again: requests are idempotent); follow <c>status</c> with <c>GET orders/{orderId}</c> or
/// <c>GET customers/{customerId}/services</c>.</summary>
public sealed record ProvisionResponse(Guid SubscriptionId, Guid CustomerId, Guid ProductId, string ProductName, BillingCycle Cycle, string Currency,
    SubscriptionStatus Status, Guid? OrderId, string Provisioning, string? Domain, bool Created);

/// <summary><c>POST services/provision</c>: the marketing site's way to set up a service that needs no payment (paid
/// already, or free). It only calls the order, subscription and provisioning services; refusals are typed errors.</summary>
public static class ServiceProvisioningEndpoint
{
    public const string Reason = "Provisioning requested through the marketing API";

    public static void MapServiceProvisioning(this RouteGroupBuilder api)
    {
        api.MapPost("/services/provision", async Task<Results<Ok<ProvisionResponse>, Created<ProvisionResponse>>> (OrdersService orders,
                SubscriptionsService subscriptions, CustomersService customers, CatalogService catalog, IProvisioningPort provisioning,
                ICurrentTenant tenant, ProvisionRequest body, CancellationToken ct) =>
            {
                var domain = Validate(body);
                var tenantId = tenant.TenantId!.Value;
                if (body.SubscriptionId is { } subscriptionId)
                {
                    var subscription = await subscriptions.GetAsync(subscriptionId, ct); // another shop's id: 404
                    var order = subscription.OrderId is { } oid ? await orders.GetAsync(oid, ct) : null;
                    if (order is { InvoiceStatus: not InvoiceStatus.Paid } && order.Total != 0)
                        throw new ConflictError("invoice_unpaid", "The service's invoice is not paid; it is provisioned once it is (or use POST orders to take payment).").ToException();
                    if (order is { Status: OrderStatus.AwaitingApproval })
                        throw new ConflictError("awaiting_approval", "This product is provisioned after staff approve the order.").ToException();
                    switch (subscription.Status)
                    {
                        case SubscriptionStatus.Pending when order is not null:
                            await orders.ApproveAsync(order.Id, ct); // activates the order's pending services and requests provisioning
                            break;
                        case SubscriptionStatus.Active:
                            await provisioning.RequestAsync(tenantId, subscription.Id, ServiceAction.Provision, Reason, ct);
                            break;
                        default:
                            throw new ConflictError("service_not_provisionable",
                                $"A service that is {subscription.Status.ToString().ToLowerInvariant()} cannot be provisioned.").ToException();
                    }
                    return TypedResults.Ok(await ResponseAsync(subscriptions, subscription.Id, domain, false, ct));
                }

                await customers.GetAsync(body.CustomerId!.Value, ct); // 404 for another shop's customer
                var product = await catalog.GetProductAsync(body.ProductId!.Value, ct);
                var currency = body.Currency?.Trim().ToUpperInvariant() is { Length: > 0 } given ? given : (await catalog.GetSettingsAsync(ct)).Details.BaseCurrency;
                var price = product.Details.Prices.FirstOrDefault(p => p.Cycle == body.Cycle && p.Currency == currency)
                    ?? throw ValidationError.For("cycle", $"{product.Details.Name} has no {body.Cycle} price in {currency}.").ToException();
                if (price.Amount + price.SetupFee != 0)
                    throw new ConflictError("payment_required",
                        $"{product.Details.Name} costs {price.Amount.ToString("0.00", CultureInfo.InvariantCulture)} {currency}: place an order (POST orders) to take payment.").ToException();
                if (product.Details.ProvisioningPolicy == ProvisioningPolicy.ManualApproval)
                    throw new ConflictError("awaiting_approval", "This product is provisioned after staff approve an order; place an order instead.").ToException();
                var placed = await orders.PlaceAsync(new PlaceOrder(body.CustomerId.Value, [new CartLine(product.Id, body.Cycle!.Value)], null, currency), OrderChannel.Api, ct);
                var id = placed.Items.Single().SubscriptionId;
                if ((await subscriptions.GetAsync(id, ct)).Status == SubscriptionStatus.Active)
                    await provisioning.RequestAsync(tenantId, id, ServiceAction.Provision, Reason, ct);
                var created = await ResponseAsync(subscriptions, id, domain, true, ct);
                return TypedResults.Created($"{MarketingApiEndpoints.BasePath}/customers/{created.CustomerId}/services", created);
            })
            .RequireAuthorization(ApiScopes.ServicesWrite).WithMetadata(new MarketingRate(ApiRateClass.Write))
            .WithTags("Services").WithName("ProvisionService").WithSummary("Provision a paid or free service")
            .WithDescription("""
                With `subscriptionId`: provisions an existing service whose first invoice is paid (or totals zero); an active service
                is asked to be provisioned again (idempotent). With `customerId`, `productId` and `cycle`: creates a free service
                (the product's price and setup fee are zero in that currency) and provisions it (201).
                Refusals (409, `code`): `invoice_unpaid`, `payment_required` (not free: use `POST orders`), `awaiting_approval`
                (staff approve this product), `service_not_provisionable` (suspended, cancelled or terminated). Send an Idempotency-Key.
                """)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<ProvisionResponse> ResponseAsync(SubscriptionsService subscriptions, Guid id, string? domain, bool created, CancellationToken ct)
    {
        var s = await subscriptions.GetAsync(id, ct);
        return new ProvisionResponse(s.Id, s.CustomerId, s.ProductId, s.ProductName, s.Cycle, s.Currency, s.Status, s.OrderId,
            s.Status == SubscriptionStatus.Active ? "requested" : "not_requested", domain, created);
    }

    /// <summary>One of the two shapes, and a plausible domain name (lower-cased, ASCII/punycode).</summary>
    private static string? Validate(ProvisionRequest body)
    {
        var byId = body.SubscriptionId is not null;
        var byProduct = body.CustomerId is not null || body.ProductId is not null || body.Cycle is not null;
        string? domain = null;
        if (body.Domain is { } raw)
        {
            try
            {
                domain = new IdnMapping().GetAscii(raw.Trim().TrimEnd('.')).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                domain = null;
            }
        }
        new Validator()
            .Require(byId != byProduct, "subscriptionId", "Give either subscriptionId, or customerId, productId and cycle.")
            .Require(byId || body.CustomerId is not null, "customerId", "Required with productId and cycle.")
            .Require(byId || body.ProductId is not null, "productId", "Required with customerId and cycle.")
            .Require(byId || body.Cycle is not null, "cycle", "Required with customerId and productId.")
            .Require(body.Domain is null || domain is { Length: <= 253 } && domain.Contains('.')
                     && domain.Split('.').All(l => l.Length is >= 1 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && l[0] != '-' && l[^1] != '-'),
                "domain", "A domain name such as example.com.")
            .ThrowIfInvalid();
        return domain;
    }
}
