using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MPanel.Domain.Security;
using MPanel.Domain.Tenants;
using MPanel.Tests.Support;
using MPanel.Web.Features.ContactRequests;
using MPanel.Web.Features.Emails;
using MPanel.Web.Features.MarketingApi;
using StackExchange.Redis;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>POST /api/public/contact: no key; the shop comes from the host; stored and mailed to the support address;
/// refused with problem details when malformed, too large, or past the per-address limit; bots filling the honeypot
/// are told "received" and nothing is kept.</summary>
public sealed class PublicContactTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private static readonly string Redis = Environment.GetEnvironmentVariable("MPANEL_TEST_REDIS") ?? "127.0.0.1:56379";

    private HttpClient Client(string host, string ip)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{host}"), AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return client;
    }

    private static object Form(string subject = "Question about Web Pro", string? website = null) =>
        new { name = "Grace Hopper", email = "grace@example.test", subject, message = "Do you offer\nPostgreSQL 16?", website };

    private async Task<Tenant> ShopWithSupportAsync(string slug)
    {
        var shop = await factory.ShopAsync(slug);
        return await factory.InSystemScopeAsync(async (_, db) =>
        {
            var tenant = await db.Tenants.SingleAsync(t => t.Id == shop.Tenant.Id);
            tenant.UpdateBranding(tenant.Branding with { SupportEmail = $"support@{slug}.test" });
            await db.SaveChangesAsync();
            return tenant;
        });
    }

    private Task<int> RowsAsync() => factory.DbAsync(db => db.ContactRequests.CountAsync());

    [Fact]
    public async Task AMessage_IsStoredForTheHostsShop_AndMailedToItsSupportAddress_HtmlEscaped()
    {
        var shop = await ShopWithSupportAsync("contact-a");
        var response = await Client("contact-a.shops.test", "203.0.113.10").PostAsJsonAsync(PublicContactApi.Path,
            new { name = "Grace <b>Hopper</b>", email = "grace@example.test", subject = "Hello <script>alert(1)</script>", message = "Line one\r\nLine two & more" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var row = await factory.DbAsync(db => db.ContactRequests.SingleAsync(c => c.Id == id));
        Assert.Equal(shop.Id, row.TenantId);
        Assert.Equal("203.0.113.10", row.IpAddress);
        Assert.Equal("support@contact-a.test", row.EmailedTo);
        var mail = await factory.DbAsync(db => db.EmailMessages.SingleAsync(e => e.RelatedId == id));
        Assert.Equal(("support@contact-a.test", EmailTemplates.ContactRequest, shop.Id), (mail.To, mail.Template, mail.TenantId));

        var (subject, html, text) = await factory.InSystemScopeAsync((sp, db) => sp.GetRequiredService<EmailComposer>().ComposeAsync(db, mail, CancellationToken.None));
        Assert.Equal("contact-a hosting: contact form: Hello <script>alert(1)</script>", subject);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("Line two &amp; more", html);
        Assert.Contains("From: Grace <b>Hopper</b> <grace@example.test>", text);

        // Staff of that shop see it on the support page; the list service is tenant-scoped.
        var seen = await factory.InTenantAsync(shop.Id, sp => sp.GetRequiredService<ContactRequestsService>().ListAsync(new MPanel.Web.Common.PageQuery()));
        Assert.Equal(id, Assert.Single(seen.Items).Id);
        var other = await factory.ShopAsync("contact-other");
        Assert.Empty((await factory.InTenantAsync(other.Tenant.Id, sp => sp.GetRequiredService<ContactRequestsService>().ListAsync(new MPanel.Web.Common.PageQuery()))).Items);
    }

    [Fact]
    public async Task AnUnknownHost_GoesToThePlatformTenant()
    {
        var response = await Client("www.unknown-host.test", "203.0.113.11").PostAsJsonAsync(PublicContactApi.Path, Form("For the platform"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var platform = await factory.PlatformAsync();
        Assert.Equal(platform.Id, await factory.DbAsync(db => db.ContactRequests.Where(c => c.Id == id).Select(c => c.TenantId).SingleAsync()));
    }

    [Fact]
    public async Task TheHoneypot_IsAnsweredLikeAnyOther_AndKeepsNothing()
    {
        var before = await RowsAsync();
        var response = await Client("www.honeypot.test", "203.0.113.12").PostAsJsonAsync(PublicContactApi.Path, Form(website: "http://spam.test"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("received").GetBoolean());
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task MalformedWrongTypedHugeOrInjectedForms_Answer4xx_AndWriteNothing()
    {
        await ShopWithSupportAsync("contact-bad");
        var before = (await RowsAsync(), await factory.DbAsync(db => db.EmailMessages.CountAsync()));
        var cases = new (string Body, HttpStatusCode Status, string? Field)[]
        {
            ("""{"name": "Ada", "email": """, HttpStatusCode.BadRequest, null),
            ("not json", HttpStatusCode.BadRequest, null),
            ("""{"name": 42, "email": true, "subject": [], "message": {}}""", HttpStatusCode.BadRequest, null),
            ("""{"name": "Ada", "email": "ada@example.test", "subject": "Hi", "message": ""}""", HttpStatusCode.BadRequest, "message"),
            ("""{"name": "Ada", "email": "not-an-email", "subject": "Hi", "message": "Hello"}""", HttpStatusCode.BadRequest, "email"),
            ("""{"name": "Ada", "email": "ada@example.test\r\nBcc: all@example.test", "subject": "Hi", "message": "Hello"}""", HttpStatusCode.BadRequest, "email"),
            ("""{"name": "Ada", "email": "ada@example.test", "subject": "Hi\r\nBcc: all@example.test", "message": "Hello"}""", HttpStatusCode.BadRequest, "subject"),
            ("""{"name": "Ada\nEvil", "email": "ada@example.test", "subject": "Hi", "message": "Hello"}""", HttpStatusCode.BadRequest, "name"),
            ("""{"name": "Ada", "email": "ada@example.test", "subject": "Hi", "message": "Hello\u0000"}""", HttpStatusCode.BadRequest, "message"),
            ($$"""{"name": "Ada", "email": "ada@example.test", "subject": "Hi", "message": "{{new string('x', 5001)}}"}""", HttpStatusCode.BadRequest, "message"),
            ($$"""{"name": "Ada", "email": "ada@example.test", "subject": "Hi", "message": "{{new string('x', 40_000)}}"}""", HttpStatusCode.RequestEntityTooLarge, null),
        };
        for (var i = 0; i < cases.Length; i++)
        {
            var (body, status, field) = cases[i];
            // A fresh address per case keeps the hourly limit out of the way.
            var response = await Client("contact-bad.shops.test", $"198.51.100.{100 + i}").PostAsync(PublicContactApi.Path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == status, $"case {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (field is not null)
                Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), $"case {i} names {field}");
        }
        var wrongType = await Client("contact-bad.shops.test", "198.51.100.99").PostAsync(PublicContactApi.Path, new StringContent("name=Ada", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);

        // SQL in the text is just text: stored verbatim, nothing else changes.
        var sql = await Client("contact-bad.shops.test", "198.51.100.98").PostAsJsonAsync(PublicContactApi.Path,
            new { name = "Robert'); DROP TABLE contact_requests;--", email = "bobby@example.test", subject = "' OR 1=1 --", message = "1; DELETE FROM tenants" });
        Assert.Equal(HttpStatusCode.Accepted, sql.StatusCode);
        Assert.Equal(before.Item1 + 1, await RowsAsync());
        Assert.Equal(before.Item2 + 1, await factory.DbAsync(db => db.EmailMessages.CountAsync()));
        Assert.True(await factory.DbAsync(db => db.ContactRequests.AnyAsync(c => c.Name == "Robert'); DROP TABLE contact_requests;--")));
    }

    [Fact]
    public async Task TheSixthMessageInAnHour_FromOneAddress_Answers429WithRetryAfter_OthersStillPass()
    {
        var client = Client("www.limits.test", "192.0.2.201");
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync(PublicContactApi.Path, Form($"Message {i}"))).StatusCode);
        var before = await RowsAsync();
        var refused = await client.PostAsJsonAsync(PublicContactApi.Path, Form("One too many"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 3600);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        Assert.Equal(PublicRateLimits.Contact, problem.GetProperty("policy").GetString());
        Assert.Equal(before, await RowsAsync());
        Assert.Equal(HttpStatusCode.Accepted, (await Client("www.limits.test", "192.0.2.202").PostAsJsonAsync(PublicContactApi.Path, Form("Someone else"))).StatusCode);
    }

    [Fact]
    public async Task ThePublicPolicy_Allows60AMinutePerAddress_CountingInTheSharedStore()
    {
        var options = new RateLimiterTestPolicy(factory.Services.GetRequiredService<IRateCounterStore>());
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse("2001:db8:1234:5678::" + Random.Shared.Next(1, 9999).ToString("x"));
        var limiter = options.Policy.GetPartition(http).Factory("2001:db8:1234:5678::/64-" + Guid.NewGuid());
        var granted = 0;
        for (var i = 0; i < 61; i++)
        {
            using var lease = await limiter.AcquireAsync();
            if (lease.IsAcquired) granted++;
            else Assert.True(lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero);
        }
        // 60 unless the minute turned over mid-loop (then the new window grants the rest).
        Assert.True(granted is 60 or 61, $"{granted} granted");
        Assert.Equal("2001:db8:1234:5678::/64", PublicRateLimits.ClientKey(http));
    }

    [Fact]
    public async Task WithRedis_TwoInstancesShareTheContactLimit()
    {
        using var first = await ConnectionMultiplexer.ConnectAsync(Redis);
        using var second = await ConnectionMultiplexer.ConnectAsync(Redis);
        var clock = TimeProvider.System;
        var storeA = new RedisRateCounterStore(first, new InProcessRateCounterStore(clock), clock, NullLogger<RedisRateCounterStore>.Instance);
        var storeB = new RedisRateCounterStore(second, new InProcessRateCounterStore(clock), clock, NullLogger<RedisRateCounterStore>.Instance);
        var key = "public:contact:test-" + Guid.NewGuid().ToString("N");
        var a = new StoreWindowLimiter(storeA, key, 3600, () => 5);
        var b = new StoreWindowLimiter(storeB, key, 3600, () => 5);
        var results = new List<bool>();
        for (var i = 0; i < 6; i++)
        {
            using var lease = await (i % 2 == 0 ? a : b).AcquireAsync();
            results.Add(lease.IsAcquired);
        }
        Assert.Equal([true, true, true, true, true, false], results);
    }

    [Fact]
    public async Task TheSupportPage_IsForStaff()
    {
        var shop = await factory.ShopAsync("contact-page");
        await factory.CreateUserAsync(shop.Tenant.Id, "staff@contact-page.test", Roles.ResellerStaff);
        var staff = await factory.SignedInAsync("staff@contact-page.test");
        var page = await staff.GetAsync("/support/contact-requests");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Contact requests", await page.Content.ReadAsStringAsync());
        Assert.True(Permissions.RoleHas(Roles.Support, Permissions.Customers.Read));
        Assert.False(Permissions.RoleHas(Roles.Client, Permissions.Customers.Read));
    }

    private sealed class RateLimiterTestPolicy(IRateCounterStore store)
    {
        public StoreRateLimitPolicy Policy { get; } = new(PublicRateLimits.Public, 60, () => 60, store);
    }
}
