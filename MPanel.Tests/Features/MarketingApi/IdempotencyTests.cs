using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>POSTs with an Idempotency-Key are safe to retry: the first successful answer is replayed byte for byte and
/// the work is done once, even when the duplicates arrive together.</summary>
public sealed class IdempotencyTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    private static HttpRequestMessage Post(string url, string json, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = MarketingApiFactory.JsonBody(json) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    private async Task<(HttpClient Api, Guid CustomerId, Shop Shop)> SetUpAsync(string slug)
    {
        var shop = await factory.ShopAsync(slug);
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        return (api, await factory.AccountAsync(api, $"buyer@{slug}.test"), shop);
    }

    private Task<int> OrdersOfAsync(Guid customerId) => factory.DbAsync(db => db.Orders.CountAsync(o => o.CustomerId == customerId));

    [Fact]
    public async Task Replay_ReturnsTheIdenticalResponse_AndPlacesOneOrder()
    {
        var (api, customerId, shop) = await SetUpAsync("replay");
        var body = JsonSerializer.Serialize(new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } },
            successUrl = "https://shop.example/ok", cancelUrl = "https://shop.example/cancel" });
        var key = Guid.NewGuid().ToString();

        var first = await api.SendAsync(Post($"{Base}/orders", body, key));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var firstBody = await first.Content.ReadAsByteArrayAsync();
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        var second = await api.SendAsync(Post($"{Base}/orders", body, key));
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(firstBody, await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());

        Assert.Equal(1, await OrdersOfAsync(customerId));
        var invoiceId = JsonDocument.Parse(firstBody).RootElement.GetProperty("invoiceId").GetGuid().ToString();
        Assert.Single(factory.Stripe.CheckoutSessions, s => s.Metadata.GetValueOrDefault("invoice_id") == invoiceId); // the replay started no second checkout
        // A new key is a new order.
        Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(Post($"{Base}/orders", body, Guid.NewGuid().ToString()))).StatusCode);
        Assert.Equal(2, await OrdersOfAsync(customerId));
    }

    [Fact]
    public async Task SameKey_WithADifferentBody_Answers422_AndDoesNothing()
    {
        var (api, customerId, shop) = await SetUpAsync("mismatch");
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(Post($"{Base}/orders",
            JsonSerializer.Serialize(new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } }), key))).StatusCode);
        var other = await api.SendAsync(Post($"{Base}/orders",
            JsonSerializer.Serialize(new { customerId, items = new[] { new { productId = shop.ProId, cycle = "Monthly" } } }), key));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        Assert.Contains("idempotency_key_reused", await other.Content.ReadAsStringAsync());
        // The same key on another endpoint is another request too.
        var elsewhere = await api.SendAsync(Post($"{Base}/accounts/create", """{"firstName":"X","lastName":"Y","email":"x@mismatch.test","country":"DE"}""", key));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, elsewhere.StatusCode);
        Assert.Equal(1, await OrdersOfAsync(customerId));
        Assert.False(await factory.DbAsync(db => db.Customers.AnyAsync(c => c.Email == "x@mismatch.test")));
    }

    [Fact]
    public async Task ConcurrentDuplicates_DoNotBothRun()
    {
        var (api, customerId, shop) = await SetUpAsync("concurrent");
        var body = JsonSerializer.Serialize(new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } });
        var key = Guid.NewGuid().ToString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.SendAsync(Post($"{Base}/orders", body, key))));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Contains("idempotency_in_progress", await conflict.Content.ReadAsStringAsync());
            Assert.Equal("1", conflict.Headers.GetValues("Retry-After").Single());
        }
        var bodies = await Task.WhenAll(responses.Where(r => r.StatusCode == HttpStatusCode.Created).Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.Equal(1, await OrdersOfAsync(customerId));
        // Once the first has finished, a retry gets its answer.
        var retry = await api.SendAsync(Post($"{Base}/orders", body, key));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(bodies[0], await retry.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AFailedCall_KeepsNothing_SoACorrectedRetryMayReuseTheKey()
    {
        var (api, customerId, shop) = await SetUpAsync("failed");
        var key = Guid.NewGuid().ToString();
        var bad = await api.SendAsync(Post($"{Base}/orders", JsonSerializer.Serialize(new { customerId, items = Array.Empty<object>() }), key));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"items\"", await bad.Content.ReadAsStringAsync());
        var good = await api.SendAsync(Post($"{Base}/orders",
            JsonSerializer.Serialize(new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } }), key));
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        Assert.Equal(1, await OrdersOfAsync(customerId));
    }

    [Fact]
    public async Task AccountCreation_IsIdempotentToo_AndBadKeysAreRefused()
    {
        var shop = await factory.ShopAsync("accounts");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var body = """{"firstName":"Lin","lastName":"Retry","email":"lin@accounts.test","country":"DE"}""";
        var key = "signup-" + Guid.NewGuid();
        var first = await api.SendAsync(Post($"{Base}/accounts/create", body, key));
        var second = await api.SendAsync(Post($"{Base}/accounts/create", body, key));
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, second.StatusCode));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(1, await factory.DbAsync(db => db.Customers.CountAsync(c => c.Email == "lin@accounts.test")));
        Assert.Equal(1, await factory.DbAsync(db => db.Users.CountAsync(u => u.Email == "lin@accounts.test")));

        foreach (var badKey in new[] { new string('k', 256), "with space", "ünïcode" })
        {
            var request = Post($"{Base}/accounts/create", body.Replace("lin@", "other@"), null);
            request.Headers.TryAddWithoutValidation("Idempotency-Key", badKey);
            var refused = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("invalid_idempotency_key", await refused.Content.ReadAsStringAsync());
        }
        Assert.False(await factory.DbAsync(db => db.Customers.AnyAsync(c => c.Email == "other@accounts.test")));
    }

    [Fact]
    public async Task AnswersAreKeptFor24Hours_ThenTheKeyIsFree()
    {
        var (api, customerId, shop) = await SetUpAsync("expiry");
        var body = JsonSerializer.Serialize(new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } });
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(Post($"{Base}/orders", body, key))).StatusCode);
        factory.Clock.Advance(TimeSpan.FromHours(23));
        try
        {
            Assert.Equal("true", (await api.SendAsync(Post($"{Base}/orders", body, key))).Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(1, await OrdersOfAsync(customerId));
            factory.Clock.Advance(TimeSpan.FromHours(2));
            var fresh = await api.SendAsync(Post($"{Base}/orders", body, key));
            Assert.Equal(HttpStatusCode.Created, fresh.StatusCode);
            Assert.False(fresh.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(2, await OrdersOfAsync(customerId));
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromHours(-25));
        }
    }
}
