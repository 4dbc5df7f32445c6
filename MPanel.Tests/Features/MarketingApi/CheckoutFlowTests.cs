using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Marketing;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>What the marketing website does, with only an API key: catalogue, account, coupon, order, payment on Stripe's
/// hosted page, then polling the order until it is active.</summary>
public sealed class CheckoutFlowTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    [Fact]
    public async Task FullCheckout_AccountCouponOrderStripePayment_EndsActive()
    {
        var shop = await factory.ShopAsync("checkout");
        var key = await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.CatalogRead, ApiScopes.AccountsWrite, ApiScopes.OrdersWrite]);
        var api = factory.ApiClient(key.Secret, forwardedFor: "203.0.113.7");

        // 1. The catalogue.
        var catalog = await api.GetFromJsonAsync<JsonElement>($"{Base}/products/catalog");
        var products = catalog.GetProperty("products").EnumerateArray().ToList();
        Assert.Equal(["Web Pro", "Web Starter"], products.Select(p => p.GetProperty("name").GetString()));
        var starter = products.Single(p => p.GetProperty("id").GetGuid() == shop.StarterId);
        Assert.Contains(starter.GetProperty("prices").EnumerateArray(), p => p.GetProperty("cycle").GetString() == "Monthly" && p.GetProperty("amount").GetDecimal() == 10m);
        Assert.Equal(50, products.Single(p => p.GetProperty("id").GetGuid() == shop.ProId).GetProperty("stockLeft").GetInt32());
        var availability = await api.GetFromJsonAsync<JsonElement>($"{Base}/products/{shop.StarterId}/availability");
        Assert.True(availability.GetProperty("available").GetBoolean());

        // 2. The account: customer, client login, UTM fields, and a welcome mail with a set-password link.
        var account = await api.PostAsJsonAsync($"{Base}/accounts/create", new
        {
            firstName = "Grace", lastName = "Hopper", email = "grace@checkout.test", company = "Navy", country = "DE",
            utm = new { source = "newsletter", medium = "email", campaign = "spring-sale", term = "hosting", content = "banner-a" },
            referrer = "https://blog.example/post",
        });
        Assert.Equal(HttpStatusCode.Created, account.StatusCode);
        var created = await account.Content.ReadFromJsonAsync<JsonElement>();
        var customerId = created.GetProperty("customerId").GetGuid();
        var userId = created.GetProperty("userId").GetGuid();
        var acquisition = await factory.DbAsync(db => db.CustomerAcquisitions.SingleAsync(a => a.CustomerId == customerId));
        Assert.Equal(("api", "newsletter", "email", "spring-sale", "hosting", "banner-a", "https://blog.example/post"),
            (acquisition.Channel, acquisition.UtmSource, acquisition.UtmMedium, acquisition.UtmCampaign, acquisition.UtmTerm, acquisition.UtmContent, acquisition.Referrer));
        var user = await factory.DbAsync(db => db.Users.SingleAsync(u => u.Id == userId));
        Assert.Equal((customerId, shop.Tenant.Id, false), (user.CustomerId!.Value, user.TenantId, user.EmailConfirmed));
        Assert.Equal(Roles.Client, await factory.DbAsync(db => (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == userId select r.Name).SingleAsync()));
        var welcome = await factory.WaitForAsync("grace@checkout.test");
        Assert.Contains("valid for 24 hours", welcome.TextBody);
        Assert.Contains("/account/reset-password?userId=" + userId, welcome.Link());
        // The audit log names the key that acted.
        Assert.True(await factory.DbAsync(db => db.AuditEntries.AnyAsync(a => a.EntityType == "Customer" && a.EntityId == customerId.ToString()
            && a.UserName == "api-key:" + key.Key.Prefix)));

        // 3. The coupon against the cart.
        var coupon = await api.PostAsJsonAsync($"{Base}/coupons/validate",
            new { code = "welcome10", items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } }, customerId });
        Assert.Equal(HttpStatusCode.OK, coupon.StatusCode);
        var check = await coupon.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("WELCOME10", 1.00m, "EUR"), (check.GetProperty("code").GetString(), check.GetProperty("discount").GetDecimal(), check.GetProperty("currency").GetString()));

        // 4. The order: an invoice and a Stripe Checkout URL.
        var placed = await api.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{Base}/orders")
        {
            Content = JsonContent.Create(new
            {
                customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } }, promoCode = "WELCOME10",
                utm = new { source = "newsletter", medium = "email", campaign = "spring-sale" },
                successUrl = "https://shop.example/thanks", cancelUrl = "https://shop.example/cart",
            }),
            Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
        });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>();
        var orderId = order.GetProperty("orderId").GetGuid();
        Assert.Equal($"{Base}/orders/{orderId}", placed.Headers.Location!.OriginalString);
        Assert.Equal("pending_payment", order.GetProperty("status").GetString());
        Assert.Equal(10.71m, order.GetProperty("total").GetDecimal()); // (10 - 10 %) + 19 % VAT
        Assert.Equal(10.71m, order.GetProperty("amountDue").GetDecimal());
        Assert.False(order.GetProperty("paidByCredit").GetBoolean());
        Assert.StartsWith("INV-", order.GetProperty("invoiceNumber").GetString());
        var checkoutUrl = order.GetProperty("checkoutUrl").GetString()!;
        Assert.StartsWith(factory.Stripe.BaseUrl + "/checkout/", checkoutUrl);
        var stored = await factory.DbAsync(db => db.Orders.SingleAsync(o => o.Id == orderId));
        Assert.Equal((OrderChannel.Api, "newsletter", "email", "spring-sale", "WELCOME10"), (stored.Channel, stored.UtmSource, stored.UtmMedium, stored.UtmCampaign, stored.PromoCode));

        var status = await api.GetFromJsonAsync<JsonElement>($"{Base}/orders/{orderId}");
        Assert.Equal("pending_payment", status.GetProperty("status").GetString());
        Assert.Equal("Pending", status.GetProperty("items")[0].GetProperty("serviceStatus").GetString());

        // 5. The customer pays on the hosted page; Stripe's webhooks arrive and the job handles them.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var pay = await browser.PostAsync(checkoutUrl + "/pay", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.SeeOther, pay.StatusCode);
        Assert.Equal("https://shop.example/thanks", pay.Headers.Location!.GetLeftPart(UriPartial.Path));
        await factory.Stripe.WhenWebhooksDeliveredAsync();
        await factory.HandleStoredStripeEventsAsync();

        // 6. The success page polls the order.
        status = await api.GetFromJsonAsync<JsonElement>($"{Base}/orders/{orderId}");
        Assert.Equal("active", status.GetProperty("status").GetString());
        Assert.Equal("Paid", status.GetProperty("invoiceStatus").GetString());
        Assert.Equal("Active", status.GetProperty("items")[0].GetProperty("serviceStatus").GetString());

        // The customer's services, and every call in the activity log with the key, route template and address.
        var services = await factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.ServicesWrite])).Secret)
            .GetFromJsonAsync<JsonElement>($"{Base}/customers/{customerId}/services");
        Assert.Equal("Web Starter", services.GetProperty("items")[0].GetProperty("productName").GetString());
        var log = await factory.ActivityAsync(a => a.ApiKeyId == key.Key.Id, count: 8);
        Assert.Contains(log, a => a is { Method: "POST", Route: "/api/marketing-api/orders", Status: 201, IpAddress: "203.0.113.7" });
        Assert.Contains(log, a => a is { Method: "GET", Route: "/api/marketing-api/orders/{id:guid}", Status: 200 });
        Assert.All(log, a => Assert.Equal(shop.Tenant.Id, a.TenantId));
    }

    [Fact]
    public async Task Order_CoveredByAccountCredit_IsPaidByCreditWithoutCheckout()
    {
        var shop = await factory.ShopAsync("credit");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var customerId = await factory.AccountAsync(api, "credit@checkout.test");
        await factory.InTenantAsync(shop.Tenant.Id, async sp =>
        {
            await sp.GetRequiredService<MPanel.Web.Features.Payments.PaymentsService>().AdjustCreditAsync(customerId, 50m, "EUR", "Goodwill credit");
            return 0;
        });
        var placed = await api.PostAsJsonAsync($"{Base}/orders", new
        {
            customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } },
            successUrl = "https://shop.example/thanks", cancelUrl = "https://shop.example/cart",
        });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(order.GetProperty("paidByCredit").GetBoolean());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("checkoutUrl").ValueKind);
        Assert.Equal(0m, order.GetProperty("amountDue").GetDecimal());
        Assert.Equal("active", order.GetProperty("status").GetString());
        Assert.DoesNotContain(factory.Stripe.CheckoutSessions, s => s.Metadata.GetValueOrDefault("invoice_id") == order.GetProperty("invoiceId").GetGuid().ToString());
    }

    [Fact]
    public async Task Upgrade_PreviewQuotesWithoutChanging_ThenTheChangeIsInvoiced()
    {
        var shop = await factory.ShopAsync("upgrade");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var customerId = await factory.AccountAsync(api, "upgrade@checkout.test");
        var order = await (await api.PostAsJsonAsync($"{Base}/orders", new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("successUrl", order.GetProperty("paymentNote").GetString());
        await factory.InTenantAsync(shop.Tenant.Id, sp => sp.GetRequiredService<MPanel.Web.Features.Payments.PaymentsService>()
            .RecordManualAsync(order.GetProperty("invoiceId").GetGuid(), order.GetProperty("total").GetDecimal(), PaymentGatewayKind.BankTransfer, "STATEMENT-1"));
        var services = await api.GetFromJsonAsync<JsonElement>($"{Base}/customers/{customerId}/services");
        var serviceId = services.GetProperty("items")[0].GetProperty("id").GetGuid();

        var preview = await api.PostAsJsonAsync($"{Base}/services/{serviceId}/upgrade?preview=true", new { productId = shop.ProId, cycle = "Monthly" });
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var quote = await preview.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(quote.GetProperty("preview").GetBoolean());
        Assert.True(quote.GetProperty("quote").GetProperty("amountDue").GetDecimal() > 0);
        Assert.Equal(1, await factory.DbAsync(db => db.Invoices.CountAsync(i => i.CustomerId == customerId)));

        var change = await api.PostAsJsonAsync($"{Base}/services/{serviceId}/upgrade", new
        {
            productId = shop.ProId, cycle = "Monthly", successUrl = "https://shop.example/thanks", cancelUrl = "https://shop.example/cart",
        });
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        var result = await change.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(result.GetProperty("preview").GetBoolean());
        var invoiceId = result.GetProperty("invoiceId").GetGuid();
        Assert.StartsWith(factory.Stripe.BaseUrl + "/checkout/", result.GetProperty("checkoutUrl").GetString());
        Assert.Equal(2, await factory.DbAsync(db => db.Invoices.CountAsync(i => i.CustomerId == customerId)));
        Assert.True(await factory.DbAsync(db => db.Invoices.AnyAsync(i => i.Id == invoiceId && i.SubscriptionId == serviceId)));
    }
}
