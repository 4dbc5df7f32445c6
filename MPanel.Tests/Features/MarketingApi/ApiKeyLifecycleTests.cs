using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Marketing;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Features.ApiKeys;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>Keys as staff make and manage them, and what a request with one gets: the secret is shown once and only its
/// hash is kept; revoked, rotated-away, expired, unknown and malformed keys answer 401; the cookie does not work here.</summary>
public sealed class ApiKeyLifecycleTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Catalog = MarketingApiFactory.Base + "/products/catalog";

    private async Task<(Shop Shop, HttpClient Staff)> ShopWithStaffAsync(string slug)
    {
        var shop = await factory.ShopAsync(slug);
        await factory.CreateUserAsync(shop.Tenant.Id, $"owner@{slug}.test", Roles.Reseller);
        return (shop, await factory.SignedInAsync($"owner@{slug}.test"));
    }

    [Fact]
    public async Task Create_ShowsTheSecretOnce_AndStoresOnlyItsHash()
    {
        var (shop, staff) = await ShopWithStaffAsync("lifecycle");
        var response = await staff.PostJsonAsync("/api/api-keys", new CreateApiKeyRequest("Website", [ApiScopes.CatalogRead, ApiScopes.OrdersWrite]));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync<CreatedApiKey>();
        Assert.Matches("^mpk_live_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$", created.Secret); // 256 random bits after the public id
        Assert.Equal(created.Secret[..17], created.Key.Prefix);
        Assert.Equal(("active", 100, 10), (created.Key.Status, created.Key.ReadsPerMinute, created.Key.WritesPerMinute));
        Assert.Equal([ApiScopes.CatalogRead, ApiScopes.OrdersWrite], created.Key.Scopes);

        // Never again: not in the list, not in one key, not in the database, not in the audit log.
        var list = await staff.GetStringAsync("/api/api-keys");
        var one = await staff.GetStringAsync($"/api/api-keys/{created.Key.Id}");
        Assert.Contains(created.Key.Prefix, list);
        Assert.DoesNotContain(created.Secret, list);
        Assert.DoesNotContain(created.Secret[18..], one);
        var stored = await factory.DbAsync(db => db.ApiKeys.SingleAsync(k => k.Id == created.Key.Id));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(created.Secret))), stored.SecretHash);
        var rowText = JsonSerializer.Serialize(stored);
        Assert.DoesNotContain(created.Secret[18..], rowText);
        var audit = await factory.DbAsync(db => db.AuditEntries.Where(a => a.EntityType == "ApiKey").Select(a => a.Changes).ToListAsync());
        Assert.NotEmpty(audit);
        Assert.All(audit, changes => Assert.DoesNotContain(stored.SecretHash, changes ?? ""));

        // The key works, and its use is recorded.
        var api = factory.ApiClient(created.Secret, forwardedFor: "198.51.100.23");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(Catalog)).StatusCode);
        var used = await factory.DbAsync(db => db.ApiKeys.SingleAsync(k => k.Id == created.Key.Id));
        Assert.Equal("198.51.100.23", used.LastUsedIp);
        Assert.NotNull(used.LastUsedAt);
    }

    [Fact]
    public async Task Revoke_AnswersUnauthorizedFromTheNextCall()
    {
        var (shop, staff) = await ShopWithStaffAsync("revoke");
        var created = await (await staff.PostJsonAsync("/api/api-keys", new CreateApiKeyRequest("Website", [ApiScopes.CatalogRead]))).ReadAsync<CreatedApiKey>();
        var api = factory.ApiClient(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(Catalog)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/api-keys/{created.Key.Id}")).StatusCode);
        var refused = await api.GetAsync(Catalog);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("invalid_api_key", await refused.Content.ReadAsStringAsync());
        Assert.Equal("revoked", (await staff.GetFromJsonAsync<ApiKeyRow>($"/api/api-keys/{created.Key.Id}", Json.Options))!.Status);
        // The refusal is in the tenant's activity log, under the key that was presented.
        Assert.Single(await factory.ActivityAsync(a => a.ApiKeyId == created.Key.Id && a.Status == 401));
    }

    [Fact]
    public async Task Rotate_GivesANewSecret_AndTheOldOneStopsWorking()
    {
        var (shop, staff) = await ShopWithStaffAsync("rotate");
        var first = await (await staff.PostJsonAsync("/api/api-keys", new CreateApiKeyRequest("Website", [ApiScopes.CatalogRead], null, 42, 7))).ReadAsync<CreatedApiKey>();
        var rotated = await staff.PostAsync($"/api/api-keys/{first.Key.Id}/rotate", null);
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        var second = await rotated.ReadAsync<CreatedApiKey>();
        Assert.NotEqual(first.Secret, second.Secret);
        Assert.NotEqual(first.Key.Prefix, second.Key.Prefix);
        Assert.Equal((first.Key.Name, 42, 7, first.Key.Id), (second.Key.Name, second.Key.ReadsPerMinute, second.Key.WritesPerMinute, second.Key.ReplacesKeyId!.Value));
        Assert.Equal(first.Key.Scopes, second.Key.Scopes);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.ApiClient(first.Secret).GetAsync(Catalog)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.ApiClient(second.Secret).GetAsync(Catalog)).StatusCode);
        // A rotated-away key cannot be rotated again.
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsync($"/api/api-keys/{first.Key.Id}/rotate", null)).StatusCode);
    }

    [Fact]
    public async Task Expiry_AnswersUnauthorizedOnceItPasses()
    {
        var shop = await factory.ShopAsync("expiry");
        var key = await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.CatalogRead], expiresAt: factory.Clock.GetUtcNow().AddDays(30));
        var api = factory.ApiClient(key.Secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(Catalog)).StatusCode);
        factory.Clock.Advance(TimeSpan.FromDays(31));
        try
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync(Catalog)).StatusCode);
            Assert.Equal("expired", (await factory.InTenantAsync(shop.Tenant.Id, sp => sp.GetRequiredService<ApiKeysService>().GetAsync(key.Key.Id))).Status);
        }
        finally
        {
            factory.Clock.Advance(TimeSpan.FromDays(-31));
        }
    }

    [Fact]
    public async Task UnknownMalformedOrMissingKeys_AndTheCookie_AnswerUnauthorized()
    {
        var (shop, staff) = await ShopWithStaffAsync("unknown");
        var key = await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.CatalogRead]);
        var wrongSecret = key.Secret[..18] + new string('A', 43); // a real prefix with a guessed secret
        foreach (var presented in new[] { wrongSecret, "mpk_live_zzzzzzzz_" + new string('B', 43), "not-a-key", "mpk_live_", "' OR 1=1 --" })
        {
            var response = await factory.ApiClient(presented).GetAsync(Catalog);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("X-API-Key", response.Headers.WwwAuthenticate.ToString());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.ApiClient(null).GetAsync(Catalog)).StatusCode);
        // A signed-in staff member's cookie is not an API key.
        Assert.Equal(HttpStatusCode.Unauthorized, (await staff.GetAsync(Catalog)).StatusCode);
        // Two keys in one request are refused, not guessed between.
        var twice = factory.ApiClient(key.Secret);
        twice.DefaultRequestHeaders.Add(ApiKeyDefaults.Header, key.Secret);
        Assert.Equal(HttpStatusCode.Unauthorized, (await twice.GetAsync(Catalog)).StatusCode);
    }

    [Fact]
    public async Task StaffEndpoints_NeedSettingsManage_AndNeverAcceptAnApiKey()
    {
        var shop = await factory.ShopAsync("staffonly");
        await factory.CreateUserAsync(shop.Tenant.Id, "helper@staffonly.test", Roles.ResellerStaff);
        var helper = await factory.SignedInAsync("helper@staffonly.test");
        Assert.Equal(HttpStatusCode.Forbidden, (await helper.GetAsync("/api/api-keys")).StatusCode);
        var admin = await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.Admin]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.ApiClient(admin.Secret).GetAsync("/api/api-keys")).StatusCode);
        // The marketing API's own key management, with the admin scope.
        var made = await factory.ApiClient(admin.Secret).PostAsJsonAsync(MarketingApiFactory.Base + "/admin/api-keys", new { name = "Partner site", scopes = new[] { "catalog:read" } });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var partner = await made.ReadAsync<CreatedApiKey>();
        Assert.Equal("api-key:" + admin.Key.Prefix, partner.Key.CreatedBy);
        Assert.Equal(HttpStatusCode.OK, (await factory.ApiClient(partner.Secret).GetAsync(Catalog)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await factory.ApiClient(admin.Secret).DeleteAsync($"{MarketingApiFactory.Base}/admin/api-keys/{partner.Key.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.ApiClient(partner.Secret).GetAsync(Catalog)).StatusCode);
    }

    [Fact]
    public async Task Create_InvalidFields_AreFieldErrors()
    {
        var (_, staff) = await ShopWithStaffAsync("invalidkey");
        var response = await staff.PostJsonAsync("/api/api-keys", new CreateApiKeyRequest("x", ["catalog:read", "everything"], DateTimeOffset.UtcNow.AddDays(-1), 0, 1_000_000));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        foreach (var field in new[] { "name", "scopes", "expiresAt", "readsPerMinute", "writesPerMinute" }) Assert.Contains($"\"{field}\"", body);
    }
}
