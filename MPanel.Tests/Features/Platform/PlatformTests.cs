using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Auditing;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Jobs;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Platform;

public sealed class PlatformTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    [Fact]
    public async Task Health_LiveAndReady_ReportPostgres()
    {
        var client = factory.NewClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health/live")).StatusCode);
        var ready = await client.GetAsync("/api/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("postgresql").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Metrics_ArePrometheusText()
    {
        var client = factory.NewClient();
        await client.GetAsync("/account/login");
        var metrics = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text);
    }

    [Fact]
    public async Task HangfireDashboard_IsForAdminsOnly()
    {
        var platform = await factory.PlatformAsync();
        await factory.CreateUserAsync(platform.Id, "client@jobs.test", Roles.Client);
        await factory.CreateUserAsync(platform.Id, "ops@jobs.test", Roles.Operations);
        await factory.CreateUserAsync(platform.Id, "admin@jobs.test", Roles.Admin);

        foreach (var email in new[] { "client@jobs.test", "ops@jobs.test" })
        {
            var client = await factory.SignedInAsync(email);
            var response = await client.GetAsync("/hangfire");
            Assert.Equal("/account/access-denied", response.LocalLocation()?.Split('?')[0]);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(response.LocalLocation())).StatusCode);
        }

        var anonymous = await factory.NewClient().GetAsync("/hangfire");
        Assert.StartsWith("/account/login", anonymous.LocalLocation());

        var admin = await factory.SignedInAsync("admin@jobs.test");
        var dashboard = await admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("MPanel jobs", await dashboard.Content.ReadAsStringAsync());
        var recurring = await admin.GetStringAsync("/hangfire/recurring");
        Assert.Contains(AuditRetentionJob.RecurringId, recurring);
    }

    [Fact]
    public async Task ApiErrors_AreProblemDetails_WithoutStackTraces()
    {
        var platform = await factory.PlatformAsync();
        await factory.CreateUserAsync(platform.Id, "errors@platform.test", Roles.Admin);
        var client = await factory.SignedInAsync("errors@platform.test");
        var missing = await client.GetAsync($"/api/customers/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var body = await missing.Content.ReadAsStringAsync();
        Assert.Contains("\"requestId\"", body);
        Assert.DoesNotContain("   at ", body);

        var malformed = await client.PostAsync("/api/customers", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.DoesNotContain("   at ", await malformed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownPage_ShowsTheFriendlyNotFoundPage_ToSignedInUsers()
    {
        var platform = await factory.PlatformAsync();
        await factory.CreateUserAsync(platform.Id, "lost@platform.test", Roles.Support);
        Assert.StartsWith("/account/login", (await factory.NewClient().GetAsync("/no/such/page")).LocalLocation());
        var client = await factory.SignedInAsync("lost@platform.test");
        var response = await client.GetAsync("/no/such/page");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("We could not find that page", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AuditRetentionJob_RemovesOnlyEntriesPastRetention()
    {
        var platform = await factory.PlatformAsync();
        var (oldId, newId) = await factory.InSystemScopeAsync(async (_, db) =>
        {
            var old = new AuditEntry(platform.Id, "Updated", "Retention", "old", null, AuditActor.System, DateTimeOffset.UtcNow.AddDays(-500));
            var fresh = new AuditEntry(platform.Id, "Updated", "Retention", "new", null, AuditActor.System, DateTimeOffset.UtcNow.AddDays(-5));
            db.AuditEntries.AddRange(old, fresh);
            await db.SaveChangesAsync();
            return (old.Id, fresh.Id);
        });
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AuditRetentionJob>().RunAsync(CancellationToken.None);
            await scope.ServiceProvider.GetRequiredService<AuditRetentionJob>().RunAsync(CancellationToken.None); // reentrant
        }
        var left = await factory.InSystemScopeAsync((_, db) => db.AuditEntries.Where(a => a.EntityType == "Retention").Select(a => a.Id).ToListAsync());
        Assert.Equal(new[] { newId }, left);
        Assert.DoesNotContain(oldId, left);
    }

    [Fact]
    public async Task Audit_RecordsOldAndNewValues_AndRedactsSecrets()
    {
        var platform = await factory.PlatformAsync();
        var user = await factory.CreateUserAsync(platform.Id, "audited@platform.test", Roles.Admin);
        var entries = await factory.InSystemScopeAsync((_, db) => db.AuditEntries
            .Where(a => a.EntityType == "User" && a.EntityId == user.Id.ToString()).Select(a => a.Changes!).ToListAsync());
        var created = Assert.Single(entries, e => e.Contains("\"Email\""));
        using (var json = JsonDocument.Parse(created))
        {
            Assert.Equal("***", json.RootElement.GetProperty("PasswordHash").GetProperty("new").GetString());
            Assert.Equal("***", json.RootElement.GetProperty("SecurityStamp").GetProperty("new").GetString());
            Assert.Equal("audited@platform.test", json.RootElement.GetProperty("Email").GetProperty("new").GetString());
        }
        Assert.DoesNotContain("AQAAAA", created); // no Identity v3 hash prefix anywhere

        var client = await factory.SignedInAsync("audited@platform.test");
        client.DefaultRequestHeaders.UserAgent.ParseAdd("MPanelTests/1.0");
        var customer = await (await client.PostJsonAsync("/api/customers", new MPanel.Domain.Customers.CustomerDetails("Old", "Name", "rename@platform.test", null, null, "DE")))
            .ReadAsync<MPanel.Web.Features.Customers.CustomerView>();
        await client.PutJsonAsync($"/api/customers/{customer.Id}", new MPanel.Web.Features.Customers.UpdateCustomerRequest("New", "Name", customer.Email, null, null, "DE", customer.Version));
        var update = await factory.InSystemScopeAsync((_, db) => db.AuditEntries
            .Where(a => a.EntityId == customer.Id.ToString() && a.Action == "Updated").SingleAsync());
        using (var json = JsonDocument.Parse(update.Changes!))
        {
            var firstName = json.RootElement.GetProperty("FirstName");
            Assert.Equal("Old", firstName.GetProperty("old").GetString());
            Assert.Equal("New", firstName.GetProperty("new").GetString());
            Assert.False(json.RootElement.TryGetProperty("LastName", out _)); // unchanged values are not repeated
        }
        Assert.Equal("audited@platform.test", update.UserName);
        Assert.Equal("MPanelTests/1.0", update.UserAgent);
    }
}
