using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Marketing;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Payments;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>Remembers what provisioning was asked for (the engine is another helper's; this port is its contract).</summary>
public sealed class RecordingProvisioningPort : IProvisioningPort
{
    public ConcurrentQueue<(Guid TenantId, Guid SubscriptionId, ServiceAction Action)> Requests { get; } = new();

    public Task RequestAsync(Guid tenantId, Guid subscriptionId, ServiceAction action, string reason, CancellationToken ct = default)
    {
        Requests.Enqueue((tenantId, subscriptionId, action));
        return Task.CompletedTask;
    }

    public int CountFor(Guid subscriptionId) => Requests.Count(r => r.SubscriptionId == subscriptionId && r.Action == ServiceAction.Provision);
}

public sealed class ProvisioningApiFactory : MarketingApiFactory
{
    public RecordingProvisioningPort Port { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IProvisioningPort>(Port));
    }
}

/// <summary>POST services/provision: provisions what needs no payment (free, or paid already) through the order and
/// subscription services, and refuses with a code what would need one.</summary>
public sealed class ProvisionServiceTests(ProvisioningApiFactory factory) : IClassFixture<ProvisioningApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    private Task<Guid> ProductAsync(Guid tenantId, string name, decimal price, ProvisioningPolicy policy = ProvisioningPolicy.OnPayment) =>
        factory.InTenantAsync(tenantId, async sp => (await sp.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails(name, ProductType.SharedHosting,
            null, [], new ProductResources { Sites = 1 }, ProductVisibility.Public, null, policy, [new ProductPrice(BillingCycle.Monthly, "EUR", price, 0m)], []))).Id);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task AFreeProduct_IsCreatedActive_AndProvisioningIsRequested_OnceForARetriedKey()
    {
        var shop = await factory.ShopAsync("prov-free");
        var free = await ProductAsync(shop.Tenant.Id, "Free parking", 0m);
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var customer = await factory.AccountAsync(api, "free@prov-free.test");

        var body = new { customerId = customer, productId = free, cycle = "Monthly", domain = "Bücher.Example" };
        var request = () => new HttpRequestMessage(HttpMethod.Post, $"{Base}/services/provision")
        {
            Content = JsonContent.Create(body), Headers = { { "Idempotency-Key", "provision-free-1" } },
        };
        var response = await api.SendAsync(request());
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("subscriptionId").GetGuid();
        Assert.Equal("Active", created.GetProperty("status").GetString());
        Assert.Equal("requested", created.GetProperty("provisioning").GetString());
        Assert.Equal("xn--bcher-kva.example", created.GetProperty("domain").GetString());
        Assert.True(created.GetProperty("created").GetBoolean());
        Assert.Equal(1, factory.Port.CountFor(id));
        Assert.Equal((shop.Tenant.Id, id, ServiceAction.Provision), factory.Port.Requests.Single(r => r.SubscriptionId == id));

        var replay = await api.SendAsync(request());
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscriptionId").GetGuid());
        Assert.Equal(1, await factory.DbAsync(db => db.Subscriptions.CountAsync(s => s.CustomerId == customer)));
        Assert.Equal(1, factory.Port.CountFor(id));
    }

    [Fact]
    public async Task AnUnpaidService_IsRefusedWithACode_ThenProvisionedOncePaid()
    {
        var shop = await factory.ShopAsync("prov-paid");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var customer = await factory.AccountAsync(api, "paid@prov-paid.test");
        var order = await (await api.PostAsJsonAsync($"{Base}/orders", new { customerId = customer, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var subscription = await factory.DbAsync(db => db.Subscriptions.Where(s => s.CustomerId == customer).Select(s => s.Id).SingleAsync());

        var refused = await ProblemAsync(await api.PostAsJsonAsync($"{Base}/services/provision", new { subscriptionId = subscription }), HttpStatusCode.Conflict);
        Assert.Equal("invoice_unpaid", refused.GetProperty("code").GetString());
        Assert.Equal(SubscriptionStatus.Pending, await factory.DbAsync(db => db.Subscriptions.Where(s => s.Id == subscription).Select(s => s.Status).SingleAsync()));
        Assert.Equal(0, factory.Port.CountFor(subscription));

        await factory.InTenantAsync(shop.Tenant.Id, sp => sp.GetRequiredService<PaymentsService>()
            .RecordManualAsync(order.GetProperty("invoiceId").GetGuid(), order.GetProperty("total").GetDecimal(), PaymentGatewayKind.BankTransfer, "PAID-PROV"));
        Assert.Equal(1, factory.Port.CountFor(subscription)); // payment itself asked for provisioning
        var provisioned = await api.PostAsJsonAsync($"{Base}/services/provision", new { subscriptionId = subscription });
        Assert.True(provisioned.StatusCode == HttpStatusCode.OK, await provisioned.Content.ReadAsStringAsync());
        var body = await provisioned.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Active", body.GetProperty("status").GetString());
        Assert.Equal("requested", body.GetProperty("provisioning").GetString());
        Assert.False(body.GetProperty("created").GetBoolean());
        Assert.Equal(2, factory.Port.CountFor(subscription)); // asked again: requests are idempotent
    }

    [Fact]
    public async Task APricedProduct_ByProduct_IsRefused_AndNothingIsOrdered()
    {
        var shop = await factory.ShopAsync("prov-priced");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var customer = await factory.AccountAsync(api, "priced@prov-priced.test");
        var problem = await ProblemAsync(await api.PostAsJsonAsync($"{Base}/services/provision",
            new { customerId = customer, productId = shop.StarterId, cycle = "Monthly" }), HttpStatusCode.Conflict);
        Assert.Equal("payment_required", problem.GetProperty("code").GetString());
        Assert.Equal(0, await factory.DbAsync(db => db.Orders.CountAsync(o => o.CustomerId == customer)));

        var approval = await ProductAsync(shop.Tenant.Id, "Hand checked", 0m, ProvisioningPolicy.ManualApproval);
        var held = await ProblemAsync(await api.PostAsJsonAsync($"{Base}/services/provision",
            new { customerId = customer, productId = approval, cycle = "Monthly" }), HttpStatusCode.Conflict);
        Assert.Equal("awaiting_approval", held.GetProperty("code").GetString());

        var noPrice = await ProblemAsync(await api.PostAsJsonAsync($"{Base}/services/provision",
            new { customerId = customer, productId = shop.StarterId, cycle = "Monthly", currency = "USD" }), HttpStatusCode.BadRequest);
        Assert.True(noPrice.GetProperty("errors").TryGetProperty("cycle", out _));
        Assert.Equal(0, await factory.DbAsync(db => db.Orders.CountAsync(o => o.CustomerId == customer)));
    }

    [Theory]
    [InlineData("""{}""", "subscriptionId")]
    [InlineData("""{"subscriptionId": "00000000-0000-0000-0000-000000000001", "productId": "00000000-0000-0000-0000-000000000002"}""", "subscriptionId")]
    [InlineData("""{"customerId": "00000000-0000-0000-0000-000000000001", "cycle": "Monthly"}""", "productId")]
    [InlineData("""{"subscriptionId": "00000000-0000-0000-0000-000000000001", "domain": "not a domain"}""", "domain")]
    [InlineData("""{"subscriptionId": "00000000-0000-0000-0000-000000000001", "domain": "a\r\nb.example"}""", "domain")]
    public async Task AMalformedRequest_Answers400_NamingTheField(string json, string field)
    {
        var shop = await factory.ShopAsync("prov-bad-" + field.Length + json.Length);
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var problem = await ProblemAsync(await api.PostAsync($"{Base}/services/provision", MarketingApiFactory.JsonBody(json)), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task AnotherShopsIds_InTheBody_Answer404_AndChangeNothing()
    {
        var a = await factory.ShopAsync("prov-owner");
        var b = await factory.ShopAsync("prov-other");
        var apiA = factory.ApiClient((await factory.KeyAsync(a.Tenant.Id)).Secret);
        var customerA = await factory.AccountAsync(apiA, "ada@prov-owner.test");
        await apiA.PostAsJsonAsync($"{Base}/orders", new { customerId = customerA, items = new[] { new { productId = a.StarterId, cycle = "Monthly" } } });
        var subscriptionA = await factory.DbAsync(db => db.Subscriptions.Where(s => s.CustomerId == customerA).Select(s => s.Id).SingleAsync());
        var freeB = await ProductAsync(b.Tenant.Id, "Free in B", 0m);
        var freeA = await ProductAsync(a.Tenant.Id, "Free in A", 0m);
        var apiB = factory.ApiClient((await factory.KeyAsync(b.Tenant.Id, [ApiScopes.ServicesWrite])).Secret);
        var customerB = await factory.AccountAsync(factory.ApiClient((await factory.KeyAsync(b.Tenant.Id)).Secret), "bob@prov-other.test");

        await ProblemAsync(await apiB.PostAsJsonAsync($"{Base}/services/provision", new { subscriptionId = subscriptionA }), HttpStatusCode.NotFound);
        await ProblemAsync(await apiB.PostAsJsonAsync($"{Base}/services/provision", new { customerId = customerA, productId = freeB, cycle = "Monthly" }), HttpStatusCode.NotFound);
        await ProblemAsync(await apiB.PostAsJsonAsync($"{Base}/services/provision", new { customerId = customerB, productId = freeA, cycle = "Monthly" }), HttpStatusCode.NotFound);
        Assert.Equal(0, await factory.DbAsync(db => db.Orders.CountAsync(o => o.TenantId == b.Tenant.Id)));
        Assert.Equal(0, factory.Port.CountFor(subscriptionA));
    }
}
