using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>What a careless or hostile client sends: broken JSON, wrong types, huge bodies, injection strings. Each gets
/// a 4xx problem answer and writes nothing.</summary>
public sealed class InputSafetyTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    private sealed record Counts(int Customers, int Users, int Orders, int Invoices, int Subscriptions, int Acquisitions, int Idempotency);

    private Task<Counts> CountsAsync() => factory.DbAsync(async db => new Counts(
        await db.Customers.CountAsync(), await db.Users.CountAsync(), await db.Orders.CountAsync(), await db.Invoices.CountAsync(),
        await db.Subscriptions.CountAsync(), await db.CustomerAcquisitions.CountAsync(), await db.ApiIdempotencyRecords.CountAsync()));

    private async Task<(HttpClient Api, Shop Shop, Guid CustomerId)> SetUpAsync(string slug)
    {
        var shop = await factory.ShopAsync(slug);
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        return (api, shop, await factory.AccountAsync(api, $"existing@{slug}.test"));
    }

    private static async Task AssertClientErrorAsync(HttpResponseMessage response, string what)
    {
        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{what}: {status} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task MalformedJsonAndWrongTypes_AreRefused_AndWriteNothing()
    {
        var (api, shop, customerId) = await SetUpAsync("malformed");
        var before = await CountsAsync();
        var cases = new (string Url, string Body)[]
        {
            ($"{Base}/accounts/create", """{"firstName": "Ada", "lastName": """),
            ($"{Base}/accounts/create", """{"firstName": 42, "lastName": true, "email": ["a@b.test"], "country": {}}"""),
            ($"{Base}/accounts/create", "[]"),
            ($"{Base}/accounts/create", "null"),
            ($"{Base}/accounts/create", "not json at all"),
            ($"{Base}/orders", $$"""{"customerId": "{{customerId}}", "items": "everything"}"""),
            ($"{Base}/orders", $$"""{"customerId": "not-a-guid", "items": [{"productId": "{{shop.StarterId}}", "cycle": "Monthly"}]}"""),
            ($"{Base}/orders", $$"""{"customerId": "{{customerId}}", "items": [{"productId": "{{shop.StarterId}}", "cycle": "Weekly"}]}"""),
            ($"{Base}/orders", $$"""{"customerId": "{{customerId}}", "items": [{"productId": "{{shop.StarterId}}", "cycle": 99}]}"""),
            ($"{Base}/orders", $$"""{"customerId": "{{customerId}}", "items": [{"productId": "{{shop.StarterId}}", "cycle": "Monthly", "options": [{"code": "x", "quantity": "lots"}]}]}"""),
            ($"{Base}/orders", $$"""{"customerId": "{{customerId}}", "items": []}"""),
            ($"{Base}/orders", $$"""{"customerId": "{{customerId}}", "items": [{"productId": "{{shop.StarterId}}", "cycle": "Monthly"}], "successUrl": "javascript:alert(1)", "cancelUrl": "https://x.test"}"""),
            ($"{Base}/orders", $$"""{"customerId": "{{customerId}}", "items": [{"productId": "{{shop.StarterId}}", "cycle": "Monthly"}], "successUrl": "https://x.test/ok"}"""),
            ($"{Base}/coupons/validate", """{"code": {"$ne": null}}"""),
            ($"{Base}/services/{{Guid.NewGuid()}}/upgrade", """{"productId": 1, "cycle": "Monthly"}"""),
        };
        foreach (var (url, body) in cases)
        {
            var response = await api.PostAsync(url.Replace("{Guid.NewGuid()}", Guid.NewGuid().ToString()), MarketingApiFactory.JsonBody(body));
            await AssertClientErrorAsync(response, $"{url} {body}");
        }
        // Not JSON at all.
        var form = await api.PostAsync($"{Base}/accounts/create", new FormUrlEncodedContent(new Dictionary<string, string> { ["firstName"] = "Ada" }));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task HugeBodies_AreRefusedWith413_BeforeTheEndpointRuns()
    {
        var (api, _, _) = await SetUpAsync("huge");
        var before = await CountsAsync();
        var huge = "{\"firstName\":\"" + new string('A', 200_000) + "\",\"lastName\":\"B\",\"email\":\"huge@huge.test\",\"country\":\"DE\"}";
        var declared = await api.PostAsync($"{Base}/accounts/create", MarketingApiFactory.JsonBody(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Contains("body_too_large", await declared.Content.ReadAsStringAsync());

        // Streamed without a Content-Length.
        var streamed = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        streamed.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Base}/accounts/create") { Content = streamed };
        request.Headers.TransferEncodingChunked = true;
        var chunked = await api.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);

        // Long fields within the size limit are field errors.
        var longFields = await api.PostAsJsonAsync($"{Base}/accounts/create", new
        {
            firstName = new string('A', 5000), lastName = "B", email = new string('e', 300) + "@huge.test", country = "DE",
            utm = new { source = new string('s', 500) },
        });
        Assert.Equal(HttpStatusCode.BadRequest, longFields.StatusCode);
        var problem = await longFields.Content.ReadAsStringAsync();
        Assert.Contains("\"firstName\"", problem);
        Assert.Contains("\"email\"", problem);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task InjectionStrings_InStructuredFields_AreRefused_AndWriteNothing()
    {
        var (api, shop, customerId) = await SetUpAsync("injection");
        var before = await CountsAsync();
        var sql = "x'); DROP TABLE customers; --";
        var account = new Dictionary<string, object?> { ["firstName"] = "Eve", ["lastName"] = "Mallory", ["email"] = "eve@injection.test", ["country"] = "DE" };
        foreach (var (field, value) in new (string, string)[]
                 {
                     ("email", "eve@injection.test' OR '1'='1"), ("email", "<script>alert(1)</script>@x.test"), ("country", "DE'; --"),
                     ("phone", "+49 30 1234; DROP TABLE users"), ("country", "{{7*7}}"), ("firstName", ""),
                 })
        {
            var body = new Dictionary<string, object?>(account) { [field] = value };
            var response = await api.PostAsJsonAsync($"{Base}/accounts/create", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync());
        }
        foreach (var code in new[] { sql, "' OR '1'='1", "%", "_", "\\", "WELCOME10' --" })
        {
            var coupon = await api.PostAsJsonAsync($"{Base}/coupons/validate", new { code, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } });
            Assert.Equal(HttpStatusCode.BadRequest, coupon.StatusCode);
            Assert.Contains("promoCode", await coupon.Content.ReadAsStringAsync());
            var order = await api.PostAsJsonAsync($"{Base}/orders", new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } }, promoCode = code });
            Assert.Equal(HttpStatusCode.BadRequest, order.StatusCode);
        }
        foreach (var currency in new[] { "EUR'--", "E%R", "usd; DROP" })
        {
            var order = await api.PostAsJsonAsync($"{Base}/orders", new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } }, currency });
            Assert.Equal(HttpStatusCode.BadRequest, order.StatusCode);
        }
        // Ids in the path are typed: an injection string is not a route at all.
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Base}/orders/1%20OR%201=1")).StatusCode);
        Assert.Equal(before, await CountsAsync());
        // The tables are all still there.
        Assert.True(await factory.DbAsync(db => db.Customers.AnyAsync(c => c.Id == customerId)));
    }

    [Fact]
    public async Task FreeTextFields_AreStoredAsText_NeverExecuted()
    {
        // Names are free text ("O'Brien" is a name); SQL or markup in them is kept verbatim and comes back JSON-escaped.
        var (api, _, _) = await SetUpAsync("freetext");
        var name = "Robert'); DROP TABLE customers;--";
        var response = await api.PostAsJsonAsync($"{Base}/accounts/create", new
        {
            firstName = name, lastName = "<img src=x onerror=alert(1)>", email = "bobby@freetext.test", country = "DE",
            utm = new { source = "' OR 1=1 --", campaign = "${jndi:ldap://x}" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var customerId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customerId").GetGuid();
        var customer = await factory.DbAsync(db => db.Customers.SingleAsync(c => c.Id == customerId));
        Assert.Equal((name, "<img src=x onerror=alert(1)>"), (customer.FirstName, customer.LastName));
        var acquisition = await factory.DbAsync(db => db.CustomerAcquisitions.SingleAsync(a => a.CustomerId == customerId));
        Assert.Equal(("' OR 1=1 --", "${jndi:ldap://x}"), (acquisition.UtmSource, acquisition.UtmCampaign));
        Assert.True(await factory.DbAsync(db => db.Customers.CountAsync()) >= 2);
    }
}
