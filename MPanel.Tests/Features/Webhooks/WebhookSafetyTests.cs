using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Marketing;
using MPanel.Domain.Webhooks;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Webhooks;

namespace MPanel.Tests.Features.Webhooks;

/// <summary>With the production settings (no private addresses, https only): internal URLs are refused when registered
/// and, for names that resolve inward, again when connecting.</summary>
public sealed class WebhookSsrfTests(StrictWebhooksFactory factory) : IClassFixture<StrictWebhooksFactory>
{
    private const string Base = StrictWebhooksFactory.Base;

    [Theory]
    [InlineData("http://shop.example.com/hooks", "https")]
    [InlineData("https://127.0.0.1/hooks", "private")]
    [InlineData("https://10.1.2.3/hooks", "private")]
    [InlineData("https://169.254.169.254/latest/meta-data", "private")]
    [InlineData("https://[::1]/hooks", "private")]
    [InlineData("https://[fd00::1]/hooks", "private")]
    [InlineData("https://100.64.0.1/hooks", "private")]
    [InlineData("https://localhost/hooks", "this machine")]
    [InlineData("https://user:pass@shop.example.com/hooks", "user name")]
    [InlineData("not a url", "absolute")]
    public async Task Register_RefusesInternalOrUnsafeUrls_WithAFieldError(string url, string reason)
    {
        var shop = await factory.ShopAsync("ssrf-" + Math.Abs(url.GetHashCode() % 100000));
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var response = await api.PostAsJsonAsync($"{Base}/webhooks/register", new { url, events = new[] { "order.created" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(reason, problem.GetProperty("errors").GetProperty("url")[0].GetString());
        Assert.Empty(await factory.DbAsync(db => db.WebhookEndpoints.Where(e => e.TenantId == shop.Tenant.Id).ToListAsync()));
    }

    [Fact]
    public async Task Delivery_ToANameThatResolvesToLoopback_IsRefusedAtConnect_AndNothingArrives()
    {
        var shop = await factory.ShopAsync("ssrf-connect");
        await using var receiver = new WebhookReceiver();
        var port = new Uri(receiver.Url).Port;
        // "localhost.localdomain"-style names pass the registration check; an endpoint stored before the rules (or a DNS
        // record that changed since) is caught when connecting. Stored directly: the API would refuse it.
        var endpointId = await factory.InTenantAsync(shop.Tenant.Id, async sp =>
        {
            var db = sp.GetRequiredService<MPanel.Infrastructure.Persistence.MPanelDbContext>();
            var endpoint = WebhookEndpoint.Create(shop.Tenant.Id, $"http://localhost:{port}/hooks/", [WebhookEvents.CustomerCreated], null, factory.Clock.GetUtcNow());
            db.WebhookEndpoints.Add(endpoint);
            await db.SaveChangesAsync();
            return endpoint.Id;
        });
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        await factory.AccountAsync(api, "ssrf@example.org");
        await factory.DispatchAsync();

        var delivery = await factory.DbAsync(db => db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.EndpointId == endpointId));
        Assert.Equal(WebhookDeliveryStatus.Pending, delivery.Status);
        Assert.Null(delivery.LastStatusCode);
        Assert.Contains("refused", delivery.LastError);
        Assert.Empty(receiver.Requests);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.0.0.5", true)]
    [InlineData("172.16.3.4", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.1.1", true)]
    [InlineData("100.128.0.1", false)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("93.184.216.34", false)]
    [InlineData("::1", true)]
    [InlineData("::", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fc00::1", true)]
    [InlineData("fd12:3456::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("::ffff:8.8.8.8", false)]
    [InlineData("64:ff9b::a00:1", true)]
    [InlineData("2001:4860:4860::8888", false)]
    public void RestrictedAddresses_AreRecognised(string address, bool restricted) =>
        Assert.Equal(restricted, WebhookAddressPolicy.IsRestricted(IPAddress.Parse(address)));
}

/// <summary>Scopes and tenancy on the webhook and status routes.</summary>
public sealed class WebhookAccessTests(WebhooksFactory factory) : IClassFixture<WebhooksFactory>
{
    private const string Base = WebhooksFactory.Base;

    [Fact]
    public async Task WebhookRoutes_NeedTheWebhooksScope_AndStatusNeedsStatusRead()
    {
        var shop = await factory.ShopAsync("wh-scopes");
        var catalogOnly = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.CatalogRead])).Secret);
        Assert.Equal(HttpStatusCode.Forbidden, (await catalogOnly.GetAsync($"{Base}/webhooks")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await catalogOnly.PostAsJsonAsync($"{Base}/webhooks/register", new { url = "https://example.com/h", events = new[] { "order.created" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await catalogOnly.GetAsync($"{Base}/status/system")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.ApiClient(null).GetAsync($"{Base}/webhooks")).StatusCode);

        var webhooks = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.WebhooksWrite])).Secret);
        Assert.Equal(HttpStatusCode.OK, (await webhooks.GetAsync($"{Base}/webhooks")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await webhooks.GetAsync($"{Base}/status/system")).StatusCode);
        var status = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.StatusRead])).Secret);
        Assert.Equal(HttpStatusCode.OK, (await status.GetAsync($"{Base}/status/system")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await status.GetAsync($"{Base}/webhooks")).StatusCode);
    }

    [Fact]
    public async Task AnotherShopsKey_Gets404_OnEveryIdRoute_AndChangesNothing()
    {
        var owner = await factory.ShopAsync("wh-owner");
        var ownerApi = factory.ApiClient((await factory.KeyAsync(owner.Tenant.Id)).Secret);
        await using var receiver = new WebhookReceiver();
        var (endpointId, _) = await factory.RegisterAsync(ownerApi, receiver.Url, WebhookEvents.CustomerCreated);
        await factory.AccountAsync(ownerApi, "owned@example.org");
        await factory.ReceiveAsync(receiver, 1);
        var deliveryId = (await factory.DeliveriesAsync(endpointId)).Single().Id;

        var other = await factory.ShopAsync("wh-intruder");
        var intruder = factory.ApiClient((await factory.KeyAsync(other.Tenant.Id)).Secret);
        // Every route with an id in it (enumerated from the routing table, so a new one cannot be forgotten).
        var routes = factory.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith(Base + "/webhooks/{id", StringComparison.Ordinal))
            .Select(e => (Method: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single(), e.RoutePattern.RawText!))
            .ToList();
        Assert.True(routes.Count >= 8, string.Join(", ", routes));
        foreach (var (method, pattern) in routes)
        {
            var path = pattern.Replace("{id:guid}", endpointId.ToString()).Replace("{deliveryId:guid}", deliveryId.ToString());
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PATCH") request.Content = JsonContent.Create(new { enabled = false, url = "https://evil.example.com/" });
            var response = await intruder.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {pattern}: {(int)response.StatusCode}");
        }
        var endpoint = await factory.EndpointAsync(endpointId);
        Assert.True(endpoint.Enabled);
        Assert.Equal(receiver.Url, endpoint.Url);
        Assert.Single(receiver.Requests);
        Assert.Empty(JsonDocument.Parse(await intruder.GetStringAsync($"{Base}/webhooks")).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task Register_ValidatesEventsAndDescription_AsFieldErrors_AndHonoursIdempotencyKey()
    {
        var shop = await factory.ShopAsync("wh-validate");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var bad = await api.PostAsJsonAsync($"{Base}/webhooks/register", new { url = "https://shop.example.com/h", events = new[] { "order.exploded" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("events", out _));

        var body = new { url = "https://shop.example.com/h", events = new[] { "order.created" } };
        HttpRequestMessage Request()
        {
            var r = new HttpRequestMessage(HttpMethod.Post, $"{Base}/webhooks/register") { Content = JsonContent.Create(body) };
            r.Headers.Add("Idempotency-Key", "register-once");
            return r;
        }
        var first = await api.SendAsync(Request());
        var second = await api.SendAsync(Request());
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Single(await factory.DbAsync(db => db.WebhookEndpoints.Where(e => e.TenantId == shop.Tenant.Id).ToListAsync()));
    }
}
