using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Marketing;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.MarketingApi;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>Every call is logged (key, method, route template, status, duration, address) — refusals too — and staff
/// filter the log by key, status and date; the maintenance job prunes old rows and expired idempotency records.</summary>
public sealed class ActivityLogTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    [Fact]
    public async Task Calls_AreLogged_AndStaffFilterByKeyStatusAndDate()
    {
        var shop = await factory.ShopAsync("activity");
        var reader = await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.CatalogRead]);
        var writer = await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.OrdersWrite]);
        var api = factory.ApiClient(reader.Secret, forwardedFor: "192.0.2.44");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"{Base}/products/catalog")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Base}/products/{Guid.NewGuid()}/availability")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.PostAsJsonAsync($"{Base}/orders", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await api.PostAsync($"{Base}/coupons/validate", MarketingApiFactory.JsonBody(new string(' ', 100_000)))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.ApiClient(writer.Secret).GetAsync($"{Base}/orders/{Guid.NewGuid()}")).StatusCode);

        var rows = await factory.ActivityAsync(a => a.ApiKeyId == reader.Key.Id, count: 4);
        Assert.Contains(rows, a => a is { Method: "GET", Route: "/api/marketing-api/products/catalog", Status: 200, IpAddress: "192.0.2.44" });
        Assert.Contains(rows, a => a is { Route: "/api/marketing-api/products/{id:guid}/availability", Status: 404 });
        Assert.Contains(rows, a => a is { Method: "POST", Route: "/api/marketing-api/orders", Status: 403 });
        Assert.Contains(rows, a => a is { Route: "/api/marketing-api/coupons/validate", Status: 413 });
        Assert.All(rows, a => Assert.True(a.DurationMs >= 0));
        Assert.DoesNotContain(rows, a => a.Route.Contains(shop.StarterId.ToString()));
        await factory.ActivityAsync(a => a.ApiKeyId == writer.Key.Id);

        await factory.CreateUserAsync(shop.Tenant.Id, "owner@activity.test", Roles.Reseller);
        var staff = await factory.SignedInAsync("owner@activity.test");
        async Task<Paged<ApiActivityRow>> ListAsync(string query) =>
            (await staff.GetFromJsonAsync<Paged<ApiActivityRow>>($"/api/api-keys/activity?{query}", Json.Options))!;
        Assert.Equal(5, (await ListAsync("")).Total);
        var byKey = await ListAsync($"apiKeyId={reader.Key.Id}");
        Assert.Equal(4, byKey.Total);
        Assert.All(byKey.Items, r => Assert.Equal(("marketing website", reader.Key.Prefix), (r.KeyName, r.KeyPrefix)));
        Assert.Equal(3, (await ListAsync($"apiKeyId={reader.Key.Id}&status=4xx")).Total);
        Assert.Equal(403, Assert.Single((await ListAsync("status=403")).Items).Status);
        Assert.Equal(1, (await ListAsync("status=2xx")).Total);
        var now = factory.Clock.GetUtcNow();
        Assert.Equal(5, (await ListAsync($"from={Uri.EscapeDataString(now.AddMinutes(-1).ToString("O"))}&to={Uri.EscapeDataString(now.AddMinutes(1).ToString("O"))}")).Total);
        Assert.Equal(0, (await ListAsync($"from={Uri.EscapeDataString(now.AddMinutes(1).ToString("O"))}")).Total);
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/api-keys/activity?status=teapot")).StatusCode);

        // Another shop's staff sees none of it.
        var other = await factory.ShopAsync("activity-other");
        await factory.CreateUserAsync(other.Tenant.Id, "owner@activity-other.test", Roles.Reseller);
        var otherStaff = await factory.SignedInAsync("owner@activity-other.test");
        Assert.Equal(0, (await otherStaff.GetFromJsonAsync<Paged<ApiActivityRow>>("/api/api-keys/activity", Json.Options))!.Total);
    }

    [Fact]
    public async Task MaintenanceJob_PrunesOldActivity_AndExpiredIdempotencyRecords()
    {
        var shop = await factory.ShopAsync("prune");
        var key = await factory.KeyAsync(shop.Tenant.Id);
        var api = factory.ApiClient(key.Secret);
        var customerId = await factory.AccountAsync(api, "prune@prune.test");
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Base}/orders")
        {
            Content = JsonContent.Create(new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } }),
            Headers = { { "Idempotency-Key", "prune-1" } },
        };
        Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(request)).StatusCode);
        await factory.ActivityAsync(a => a.ApiKeyId == key.Key.Id, count: 2);

        async Task<(int Activity, int Idempotency)> RunJobAsync()
        {
            await using var scope = factory.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MarketingMaintenanceJob>().RunAsync(CancellationToken.None);
        }
        Assert.Equal((0, 0), await RunJobAsync());

        factory.Clock.Advance(TimeSpan.FromDays(91)); // past the 24 hours and the 90-day retention
        try
        {
            var (activity, idempotency) = await RunJobAsync();
            Assert.True(activity >= 2);
            Assert.Equal(1, idempotency);
            Assert.False(await factory.DbAsync(db => db.ApiActivity.AnyAsync(a => a.ApiKeyId == key.Key.Id)));
            Assert.False(await factory.DbAsync(db => db.ApiIdempotencyRecords.AnyAsync(r => r.ApiKeyId == key.Key.Id)));
            Assert.Equal((0, 0), await RunJobAsync());
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromDays(-91));
        }
    }
}
