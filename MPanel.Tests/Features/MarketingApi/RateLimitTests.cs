using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Marketing;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.MarketingApi;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>Per-key limits per minute, reads and writes counted apart: 429 with Retry-After and a problem body past the
/// limit, in one instance and — through Redis — across two. The test clock stands still, so a window ends only when a
/// test moves it.</summary>
public sealed class RateLimitTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Base = MarketingApiFactory.Base;
    private static readonly string Redis = Environment.GetEnvironmentVariable("MPANEL_TEST_REDIS") ?? "127.0.0.1:56379";

    private static int Header(HttpResponseMessage response, string name) => int.Parse(response.Headers.GetValues(name).Single());

    [Fact]
    public async Task PastTheReadLimit_Answers429WithRetryAfter_WhileWritesHaveTheirOwnLimit()
    {
        var shop = await factory.ShopAsync("limits");
        var key = await factory.KeyAsync(shop.Tenant.Id, reads: 3, writes: 2);
        var api = factory.ApiClient(key.Secret);
        for (var i = 1; i <= 3; i++)
        {
            var ok = await api.GetAsync($"{Base}/products/catalog");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal((3, 3 - i), (Header(ok, "RateLimit-Limit"), Header(ok, "RateLimit-Remaining")));
        }
        var limited = await api.GetAsync($"{Base}/products/{shop.StarterId}/availability");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = Header(limited, "Retry-After");
        var secondsLeft = 60 - (int)(factory.Clock.GetUtcNow().ToUnixTimeSeconds() % 60);
        Assert.Equal(secondsLeft, retryAfter);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var problem = await limited.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(("rate_limited", 429, 3), (problem.GetProperty("code").GetString(), problem.GetProperty("status").GetInt32(), problem.GetProperty("limit").GetInt32()));
        // A promo-code check is a read too.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.PostAsJsonAsync($"{Base}/coupons/validate", new { code = "WELCOME10" })).StatusCode);

        // Writes count apart: two accounts, then 429.
        for (var i = 1; i <= 2; i++)
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"{Base}/accounts/create",
                new { firstName = "Rate", lastName = $"Limited{i}", email = $"rl{i}@limits.test", country = "DE" })).StatusCode);
        var third = await api.PostAsJsonAsync($"{Base}/accounts/create", new { firstName = "Rate", lastName = "Limited3", email = "rl3@limits.test", country = "DE" });
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.Contains("Retry-After"));

        // The next minute starts afresh; the limited calls were logged.
        factory.Clock.Advance(TimeSpan.FromSeconds(retryAfter));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"{Base}/products/catalog")).StatusCode);
        Assert.Equal(3, (await factory.ActivityAsync(a => a.ApiKeyId == key.Key.Id && a.Status == 429, count: 3)).Count);
    }

    [Fact]
    public async Task ChangedLimits_ApplyFromTheNextCall_AndKeysDoNotShareALimit()
    {
        var shop = await factory.ShopAsync("changed");
        var key = await factory.KeyAsync(shop.Tenant.Id, reads: 1, writes: 1);
        var other = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, reads: 1, writes: 1)).Secret);
        var api = factory.ApiClient(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"{Base}/products/catalog")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.GetAsync($"{Base}/products/catalog")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"{Base}/products/catalog")).StatusCode);

        await factory.InTenantAsync(shop.Tenant.Id, sp => sp.GetRequiredService<ApiKeysService>().UpdateLimitsAsync(key.Key.Id, new ApiKeyLimitsRequest(5, 1)));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"{Base}/products/catalog")).StatusCode);
    }

    [Fact]
    public async Task WithRedis_TwoInstancesShareOneLimit()
    {
        var shop = await factory.ShopAsync("redis");
        var key = await factory.KeyAsync(shop.Tenant.Id, reads: 4);
        var first = new MarketingApiFactory();
        var second = new MarketingApiFactory();
        try
        {
            first.OnDatabaseOf(factory).With("ConnectionStrings:Redis", Redis);
            await first.InitializeAsync();
            second.OnDatabaseOf(factory).With("ConnectionStrings:Redis", Redis);
            await second.InitializeAsync();
            second.Clock.Advance(first.Clock.GetUtcNow() - second.Clock.GetUtcNow()); // one shared "now"
            Assert.IsType<RedisApiRateLimiter>(first.Services.GetRequiredService<IApiRateLimiter>());

            var onFirst = first.ApiClient(key.Secret);
            var onSecond = second.ApiClient(key.Secret);
            Assert.Equal(HttpStatusCode.OK, (await onFirst.GetAsync($"{Base}/products/catalog")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync($"{Base}/products/catalog")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await onFirst.GetAsync($"{Base}/products/catalog")).StatusCode);
            var fourth = await onSecond.GetAsync($"{Base}/products/catalog");
            Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
            Assert.Equal(0, Header(fourth, "RateLimit-Remaining"));
            Assert.Equal(HttpStatusCode.TooManyRequests, (await onFirst.GetAsync($"{Base}/products/catalog")).StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await onSecond.GetAsync($"{Base}/products/catalog")).StatusCode);
            // A quote (preview=true) is a read, so it is refused too; the plan change itself is a write, counted apart.
            var upgrade = new { productId = shop.ProId, cycle = "Monthly" };
            Assert.Equal(HttpStatusCode.TooManyRequests, (await onFirst.PostAsJsonAsync($"{Base}/services/{Guid.NewGuid()}/upgrade?preview=true", upgrade)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await onSecond.PostAsJsonAsync($"{Base}/services/{Guid.NewGuid()}/upgrade", upgrade)).StatusCode);
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }
}
