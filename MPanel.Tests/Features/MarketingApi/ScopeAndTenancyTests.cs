using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Marketing;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>Each marketing endpoint needs its scope (403 without it), and a key sees only its own shop: every route that
/// takes an id answers 404 for another shop's id, and ids in bodies do too.</summary>
public sealed class ScopeAndTenancyTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    private sealed record MarketingRoute(string Method, string Pattern, string Scope);

    private IReadOnlyList<MarketingRoute> Routes() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith(Base + "/", StringComparison.Ordinal))
            .Select(e => new MarketingRoute(
                e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single(),
                e.RoutePattern.RawText!,
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Single(p => p is not null && ApiScopes.All.Contains(p))!))
            .ToList();

    private static string Fill(string pattern, Guid id, Guid? second = null) =>
        System.Text.RegularExpressions.Regex.Replace(pattern.Replace("{id:guid}", id.ToString()), @"\{[A-Za-z]+:guid\}", (second ?? id).ToString());

    [Fact]
    public async Task EveryEndpoint_WithoutItsScope_AnswersForbidden_AndWithIt_GetsPastAuthorization()
    {
        var shop = await factory.ShopAsync("scopes");
        var routes = Routes();
        Assert.True(routes.Count >= 10, $"only {routes.Count} marketing routes found");
        foreach (var route in routes)
        {
            var without = await factory.KeyAsync(shop.Tenant.Id, ApiScopes.All.Where(s => s != route.Scope).ToList());
            var with = await factory.KeyAsync(shop.Tenant.Id, [route.Scope]);
            var url = Fill(route.Pattern, Guid.NewGuid());
            var refused = await factory.ApiClient(without.Secret).SendAsync(new HttpRequestMessage(new HttpMethod(route.Method), url) { Content = MarketingApiFactory.JsonBody("{}") });
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{route.Method} {route.Pattern} without {route.Scope}: {(int)refused.StatusCode}");
            Assert.Contains("insufficient_scope", await refused.Content.ReadAsStringAsync());
            var allowed = await factory.ApiClient(with.Secret).SendAsync(new HttpRequestMessage(new HttpMethod(route.Method), url) { Content = MarketingApiFactory.JsonBody("{}") });
            Assert.True(allowed.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized), $"{route.Method} {route.Pattern} with {route.Scope}: {(int)allowed.StatusCode}");
        }
    }

    [Fact]
    public async Task AnotherShopsIds_AnswerNotFound_OnEveryRouteThatTakesOne_AndChangeNothing()
    {
        // Shop A owns everything; shop B's key asks for it.
        var a = await factory.ShopAsync("owner-a");
        var b = await factory.ShopAsync("other-b");
        var apiA = factory.ApiClient((await factory.KeyAsync(a.Tenant.Id)).Secret);
        var customerA = await factory.AccountAsync(apiA, "ada@owner-a.test");
        var orderA = await (await apiA.PostAsJsonAsync($"{Base}/orders", new { customerId = customerA, items = new[] { new { productId = a.StarterId, cycle = "Monthly" } } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var orderId = orderA.GetProperty("orderId").GetGuid();
        await factory.InTenantAsync(a.Tenant.Id, sp => sp.GetRequiredService<MPanel.Web.Features.Payments.PaymentsService>()
            .RecordManualAsync(orderA.GetProperty("invoiceId").GetGuid(), orderA.GetProperty("total").GetDecimal(), PaymentGatewayKind.BankTransfer, "PAID-A"));
        var serviceA = await factory.DbAsync(db => db.Subscriptions.Where(s => s.CustomerId == customerA).Select(s => s.Id).SingleAsync());
        var keyA = await factory.KeyAsync(a.Tenant.Id, [ApiScopes.CatalogRead]);
        var apiB = factory.ApiClient((await factory.KeyAsync(b.Tenant.Id)).Secret);
        var hook = await (await apiA.PostAsJsonAsync($"{Base}/webhooks/register", new { url = "https://owner-a.example.com/hooks", events = new[] { "order.created" } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var hookA = hook.GetProperty("endpoint").GetProperty("id").GetGuid();
        await apiA.PostAsync($"{Base}/webhooks/{hookA}/test", null);
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<MPanel.Web.Features.Webhooks.WebhookDispatchJob>().FanOutAsync(CancellationToken.None);
        var deliveryA = await factory.DbAsync(db => db.WebhookDeliveries.Where(d => d.EndpointId == hookA).Select(d => d.Id).FirstAsync());

        // Every id-bearing route, with the id of shop A's object of that kind.
        var ids = new Dictionary<string, Guid>
        {
            [$"GET {Base}/products/{{id:guid}}/availability"] = a.StarterId,
            [$"GET {Base}/orders/{{id:guid}}"] = orderId,
            [$"GET {Base}/customers/{{id:guid}}/services"] = customerA,
            [$"POST {Base}/services/{{id:guid}}/upgrade"] = serviceA,
            [$"DELETE {Base}/admin/api-keys/{{id:guid}}"] = keyA.Key.Id,
            [$"GET {Base}/webhooks/{{id:guid}}"] = hookA,
            [$"PATCH {Base}/webhooks/{{id:guid}}"] = hookA,
            [$"DELETE {Base}/webhooks/{{id:guid}}"] = hookA,
            [$"POST {Base}/webhooks/{{id:guid}}/rotate-secret"] = hookA,
            [$"POST {Base}/webhooks/{{id:guid}}/test"] = hookA,
            [$"GET {Base}/webhooks/{{id:guid}}/deliveries"] = hookA,
            [$"GET {Base}/webhooks/{{id:guid}}/deliveries/{{deliveryId:guid}}"] = hookA,
            [$"POST {Base}/webhooks/{{id:guid}}/deliveries/{{deliveryId:guid}}/replay"] = hookA,
        };
        var idRoutes = Routes().Where(r => r.Pattern.Contains('{')).Select(r => $"{r.Method} {r.Pattern}").ToHashSet();
        Assert.Equal(idRoutes.Order(), ids.Keys.Order()); // a new id-bearing route must be added here

        foreach (var (route, id) in ids)
        {
            var (method, pattern) = (route.Split(' ')[0], route.Split(' ')[1]);
            foreach (var query in method == "POST" ? new[] { "?preview=true", "" } : [""])
            {
                var request = new HttpRequestMessage(new HttpMethod(method), Fill(pattern, id, deliveryA) + query);
                if (method is "POST" or "PATCH") request.Content = JsonContent.Create(new { productId = b.ProId, cycle = "Monthly", enabled = false });
                var response = await apiB.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{route}{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        // Ids in bodies: shop A's customer and product.
        var order = await apiB.PostAsJsonAsync($"{Base}/orders", new { customerId = customerA, items = new[] { new { productId = b.StarterId, cycle = "Monthly" } } });
        Assert.Equal(HttpStatusCode.NotFound, order.StatusCode);
        var coupon = await apiB.PostAsJsonAsync($"{Base}/coupons/validate", new { code = "WELCOME10", items = new[] { new { productId = b.StarterId, cycle = "Monthly" } }, customerId = customerA });
        Assert.Equal(HttpStatusCode.NotFound, coupon.StatusCode);
        var foreignProduct = await apiB.PostAsJsonAsync($"{Base}/coupons/validate", new { code = "WELCOME10", items = new[] { new { productId = a.StarterId, cycle = "Monthly" } } });
        Assert.Equal(HttpStatusCode.NotFound, foreignProduct.StatusCode);

        // Nothing of shop A changed, and shop B got no order.
        Assert.Equal(SubscriptionStatus.Active, await factory.DbAsync(db => db.Subscriptions.Where(s => s.Id == serviceA).Select(s => s.Status).SingleAsync()));
        Assert.Null(await factory.DbAsync(db => db.Subscriptions.Where(s => s.Id == serviceA).Select(s => s.PendingChange).SingleAsync()));
        Assert.Null(await factory.DbAsync(db => db.ApiKeys.Where(k => k.Id == keyA.Key.Id).Select(k => k.RevokedAt).SingleAsync()));
        Assert.Equal(0, await factory.DbAsync(db => db.Orders.CountAsync(o => o.TenantId == b.Tenant.Id)));
        var endpointA = await factory.DbAsync(db => db.WebhookEndpoints.SingleAsync(e => e.Id == hookA));
        Assert.True(endpointA.Enabled);
        Assert.Null(endpointA.PreviousSecret);
    }

    [Fact]
    public async Task TheTenant_ComesFromTheKey_EvenWithAnotherTenantsCookie()
    {
        var a = await factory.ShopAsync("cookie-a");
        var b = await factory.ShopAsync("key-b");
        await factory.InTenantAsync(b.Tenant.Id, async sp =>
        {
            var catalog = sp.GetRequiredService<MPanel.Web.Features.Catalog.CatalogService>();
            return await catalog.CreateProductAsync(new ProductDetails("Only in B", ProductType.Email, null, [], new ProductResources(), ProductVisibility.Public, null,
                ProvisioningPolicy.OnPayment, [new ProductPrice(BillingCycle.Monthly, "EUR", 3m, 0m)], []));
        });
        await factory.CreateUserAsync(a.Tenant.Id, "owner@cookie-a.test", Roles.Reseller);
        var staffOfA = await factory.SignedInAsync("owner@cookie-a.test");
        staffOfA.DefaultRequestHeaders.Add("X-API-Key", (await factory.KeyAsync(b.Tenant.Id, [ApiScopes.CatalogRead])).Secret);
        var catalogB = await staffOfA.GetFromJsonAsync<JsonElement>($"{Base}/products/catalog");
        Assert.Contains(catalogB.GetProperty("products").EnumerateArray(), p => p.GetProperty("name").GetString() == "Only in B");
        Assert.Equal(HttpStatusCode.NotFound, (await staffOfA.GetAsync($"{Base}/products/{a.StarterId}/availability")).StatusCode);
    }
}
