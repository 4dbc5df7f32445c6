using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Incidents;
using MPanel.Domain.Marketing;
using MPanel.Domain.Webhooks;
using MPanel.Tests.Features.Webhooks;
using MPanel.Web.Common;
using MPanel.Web.Features.Incidents;

namespace MPanel.Tests.Features.Incidents;

/// <summary>Incidents staff open show in <c>status/system</c> and the keyless public status (for the shop the host names,
/// with the platform's incidents too), and go out as incident.* webhooks.</summary>
public sealed class IncidentsTests(WebhooksFactory factory) : IClassFixture<WebhooksFactory>
{
    private const string Base = WebhooksFactory.Base;

    private Task<T> AsStaffOf<T>(Guid tenantId, Func<IncidentsService, Task<T>> work) =>
        factory.InTenantAsync(tenantId, sp => work(sp.GetRequiredService<IncidentsService>()));

    private static JsonElement Component(JsonElement status, string id) =>
        status.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);

    [Fact]
    public async Task AnIncident_ShowsInSystemAndPublicStatus_AndIsSentAsWebhooks_UntilResolved()
    {
        var shop = await factory.ShopAsync("status-shop");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        await using var receiver = new WebhookReceiver();
        var (_, secret) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.IncidentCreated, WebhookEvents.IncidentUpdated);

        var before = JsonDocument.Parse(await api.GetStringAsync($"{Base}/status/system")).RootElement;
        Assert.Equal("operational", before.GetProperty("status").GetString());
        Assert.Contains(before.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "postgresql" && c.GetProperty("status").GetString() == "healthy");

        var incident = await AsStaffOf(shop.Tenant.Id, s => s.OpenAsync(new OpenIncidentRequest("Mail delivery delayed", IncidentSeverity.Major,
            [StatusComponents.Email, StatusComponents.Hosting], "We are looking into delayed outgoing mail.")));

        var during = JsonDocument.Parse(await api.GetStringAsync($"{Base}/status/system")).RootElement;
        Assert.Equal("partial_outage", during.GetProperty("status").GetString());
        Assert.Equal("partial_outage", Component(during, "email").GetProperty("status").GetString());
        Assert.Equal("operational", Component(during, "dns").GetProperty("status").GetString());
        var open = Assert.Single(during.GetProperty("incidents").EnumerateArray());
        Assert.Equal(("Mail delivery delayed", "major", "investigating"),
            (open.GetProperty("title").GetString(), open.GetProperty("severity").GetString(), open.GetProperty("status").GetString()));

        // The public view for this shop's host: no key, no health-check details, cacheable.
        var anonymous = factory.ApiClient(null);
        anonymous.DefaultRequestHeaders.Host = "status-shop.hosting.example";
        var publicResponse = await anonymous.GetAsync(IncidentsApi.PublicStatusPath);
        Assert.Equal(HttpStatusCode.OK, publicResponse.StatusCode);
        Assert.Contains("max-age=5", publicResponse.Headers.CacheControl!.ToString());
        var shown = JsonDocument.Parse(await publicResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Mail delivery delayed", Assert.Single(shown.GetProperty("incidents").EnumerateArray()).GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("checks").ValueKind);
        // Another host gets the platform's page, which does not show a shop's incident.
        var platform = JsonDocument.Parse(await factory.ApiClient(null).GetStringAsync(IncidentsApi.PublicStatusPath)).RootElement;
        Assert.DoesNotContain(platform.GetProperty("incidents").EnumerateArray(), i => i.GetProperty("title").GetString() == "Mail delivery delayed");

        await AsStaffOf(shop.Tenant.Id, s => s.PostUpdateAsync(incident.Id, new PostIncidentUpdateRequest(IncidentStatus.Identified, "A blocklisted relay; switching.")));
        await AsStaffOf(shop.Tenant.Id, s => s.ResolveAsync(incident.Id, "Mail flows normally again."));

        var after = JsonDocument.Parse(await api.GetStringAsync($"{Base}/status/system")).RootElement;
        Assert.Equal("operational", after.GetProperty("status").GetString());
        Assert.Empty(after.GetProperty("incidents").EnumerateArray());

        var requests = await factory.ReceiveAsync(receiver, 3);
        var bodies = requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(["incident.created", "incident.updated", "incident.updated"], bodies.Select(b => b.GetProperty("type").GetString()!).Order().ToList());
        Assert.All(requests, r => Assert.True(StandardWebhooks.Verify(secret, r.Headers, r.Body, factory.Clock.GetUtcNow())));
        var resolved = Assert.Single(bodies, b => b.GetProperty("data").GetProperty("status").GetString() == "resolved");
        Assert.Equal("Mail flows normally again.", resolved.GetProperty("data").GetProperty("update").GetProperty("message").GetString());
        Assert.Equal(["email", "hosting"], resolved.GetProperty("data").GetProperty("components").EnumerateArray().Select(c => c.GetString()!).ToList());

        var view = await AsStaffOf(shop.Tenant.Id, s => s.GetAsync(incident.Id));
        Assert.Equal(3, view.Updates.Count);
        Assert.NotNull(view.ResolvedAt);
    }

    [Fact]
    public async Task APlatformIncident_ShowsOnEveryShopsStatus_AndCriticalMeansMajorOutage()
    {
        var platform = await factory.PlatformAsync();
        var shop = await factory.ShopAsync("status-reseller");
        var incident = await AsStaffOf(platform.Id, s => s.OpenAsync(new OpenIncidentRequest("DNS cluster down", IncidentSeverity.Critical,
            [StatusComponents.Dns], "Authoritative DNS does not answer.", IncidentStatus.Identified)));
        try
        {
            var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.StatusRead])).Secret);
            var status = JsonDocument.Parse(await api.GetStringAsync($"{Base}/status/system")).RootElement;
            Assert.Equal("major_outage", status.GetProperty("status").GetString());
            Assert.Equal("major_outage", Component(status, "dns").GetProperty("status").GetString());
            Assert.Contains(status.GetProperty("incidents").EnumerateArray(), i => i.GetProperty("id").GetGuid() == incident.Id);

            var anonymous = factory.ApiClient(null);
            anonymous.DefaultRequestHeaders.Host = "status-reseller.example.net";
            var shown = JsonDocument.Parse(await anonymous.GetStringAsync(IncidentsApi.PublicStatusPath)).RootElement;
            Assert.Contains(shown.GetProperty("incidents").EnumerateArray(), i => i.GetProperty("title").GetString() == "DNS cluster down");
        }
        finally
        {
            await AsStaffOf(platform.Id, s => s.ResolveAsync(incident.Id, null));
        }
    }

    [Fact]
    public async Task OpeningAnIncident_ValidatesItsFields()
    {
        var shop = await factory.ShopAsync("status-validate");
        var error = await Assert.ThrowsAsync<MPanel.Domain.Common.DomainException>(() => AsStaffOf(shop.Tenant.Id,
            s => s.OpenAsync(new OpenIncidentRequest("x", IncidentSeverity.Minor, ["moon-base"], ""))));
        var fields = Assert.IsType<MPanel.Domain.Common.ValidationError>(error.Error).Fields;
        Assert.Contains("title", fields.Keys);
        Assert.Contains("components", fields.Keys);
        Assert.Contains("message", fields.Keys);
        Assert.Equal(0, (await AsStaffOf(shop.Tenant.Id, s => s.ListAsync(new PageQuery()))).Total);
    }

    [Fact]
    public async Task StaffEndpoints_NeedTheIncidentsPermission()
    {
        var anonymous = factory.ApiClient(null);
        var response = await anonymous.PostAsJsonAsync("/api/incidents", new { title = "x" });
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Redirect or HttpStatusCode.Found, ((int)response.StatusCode).ToString());
    }
}
