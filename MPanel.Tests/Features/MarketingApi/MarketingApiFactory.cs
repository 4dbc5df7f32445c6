using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Payments;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>The billing test host (Stripe stand-in, a clock the tests move) plus what marketing-API tests need: a shop
/// (tenant) with a catalogue and a promo code, API keys made through the real service, and clients that send them.</summary>
public class MarketingApiFactory : BillingFactory
{
    public const string Base = "/api/marketing-api";

    public async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider);
    }

    public Task<T> DbAsync<T>(Func<MPanelDbContext, Task<T>> query) => InSystemScopeAsync((_, db) => query(db));

    /// <summary>A reseller tenant selling "Web Starter" (10 EUR/month, 19 % German VAT) and "Web Pro" (25 EUR/month), with
    /// promo code WELCOME10 (10 % off).</summary>
    public async Task<Shop> ShopAsync(string slug)
    {
        var tenant = await CreateResellerAsync(slug);
        return await InTenantAsync(tenant.Id, async sp =>
        {
            var catalog = sp.GetRequiredService<CatalogService>();
            await catalog.SaveTaxRuleAsync(null, new TaxRuleDetails("VAT", "DE", null, 19m, false, 0));
            var starter = await catalog.CreateProductAsync(new ProductDetails("Web Starter", ProductType.SharedHosting, "Everything a small site needs", ["1 site", "10 GB disk"],
                new ProductResources { Sites = 1, DiskMb = 10240 }, ProductVisibility.Public, null, ProvisioningPolicy.OnPayment,
                [new ProductPrice(BillingCycle.Monthly, "EUR", 10m, 0m), new ProductPrice(BillingCycle.Annual, "EUR", 100m, 0m)], []));
            var pro = await catalog.CreateProductAsync(new ProductDetails("Web Pro", ProductType.SharedHosting, null, ["10 sites"],
                new ProductResources { Sites = 10, DiskMb = 51200 }, ProductVisibility.Public, 50, ProvisioningPolicy.OnPayment,
                [new ProductPrice(BillingCycle.Monthly, "EUR", 25m, 0m)], []));
            await catalog.SavePromoCodeAsync(null, new PromoCodeDetails("WELCOME10", "10 % off your first month", PromoKind.Percent, 10m, null, false, [],
                null, null, null, null, true));
            return new Shop(tenant, starter.Id, pro.Id);
        });
    }

    /// <summary>A key made through the real service, as staff would; returns its secret.</summary>
    public Task<CreatedApiKey> KeyAsync(Guid tenantId, IReadOnlyList<string>? scopes = null, int? reads = null, int? writes = null, DateTimeOffset? expiresAt = null) =>
        InTenantAsync(tenantId, sp => sp.GetRequiredService<ApiKeysService>().CreateAsync(
            new CreateApiKeyRequest("marketing website", scopes ?? ApiScopes.All, expiresAt, reads ?? 10_000, writes ?? 10_000)));

    public HttpClient ApiClient(string? secret, string? forwardedFor = null)
    {
        var client = CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (secret is not null) client.DefaultRequestHeaders.Add(ApiKeyDefaults.Header, secret);
        if (forwardedFor is not null) client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return client;
    }

    /// <summary>A customer account made through the API (accounts/create).</summary>
    public async Task<Guid> AccountAsync(HttpClient api, string email)
    {
        var response = await api.PostAsJsonAsync($"{Base}/accounts/create",
            new { firstName = "Ada", lastName = "Lovelace", email, country = "DE", utm = new { source = "google", medium = "cpc", campaign = "spring" } });
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"accounts/create: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("customerId").GetGuid();
    }

    /// <summary>Waits for the background writer to store at least <paramref name="count"/> activity rows matching.</summary>
    public async Task<List<ApiActivity>> ActivityAsync(Func<ApiActivity, bool> match, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var rows = (await DbAsync(db => db.ApiActivity.AsNoTracking().ToListAsync())).Where(match).ToList();
            if (rows.Count >= count || DateTime.UtcNow > deadline) return rows;
            await Task.Delay(50);
        }
    }

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>What the Hangfire worker does with stored Stripe events (the test host runs no job server).</summary>
    public async Task HandleStoredStripeEventsAsync()
    {
        var ids = await DbAsync(db => db.GatewayEvents.Where(e => e.ProcessedAt == null).OrderBy(e => e.ReceivedAt).Select(e => e.Id).ToListAsync());
        foreach (var id in ids)
        {
            await using var scope = Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<StripeEventJob>().HandleAsync(id, CancellationToken.None);
        }
    }
}

public sealed record Shop(Tenant Tenant, Guid StarterId, Guid ProId);
