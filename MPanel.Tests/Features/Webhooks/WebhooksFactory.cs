using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Webhooks;
using MPanel.Tests.Features.MarketingApi;
using MPanel.Web.Features.Webhooks;

namespace MPanel.Tests.Features.Webhooks;

/// <summary>The marketing-API test host with webhooks allowed to reach loopback over http (the receiver runs there), and
/// the dispatcher run by the tests (the test host has no Hangfire server) at moments the tests choose.</summary>
public class WebhooksFactory : MarketingApiFactory
{
    public WebhooksFactory()
    {
        With("Webhooks:AllowPrivateAddresses", "true");
        With("Webhooks:AllowHttp", "true");
        With("Webhooks:DisableAfterExhaustedDeliveries", "2");
    }

    /// <summary>What the Hangfire worker would do now: fan out the outbox and send every due delivery.</summary>
    public async Task<int> DispatchAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WebhookDispatchJob>().RunAsync(CancellationToken.None);
    }

    public async Task<(Guid Id, string Secret)> RegisterAsync(HttpClient api, string url, params string[] events)
    {
        var response = await api.PostAsJsonAsync($"{Base}/webhooks/register", new { url, events, description = "test receiver" });
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"register: {(int)response.StatusCode} {text}");
        var json = JsonDocument.Parse(text).RootElement;
        return (json.GetProperty("endpoint").GetProperty("id").GetGuid(), json.GetProperty("secret").GetString()!);
    }

    public Task<List<WebhookDelivery>> DeliveriesAsync(Guid endpointId) =>
        DbAsync(db => db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpointId).OrderBy(d => d.CreatedAt).ToListAsync());

    public Task<List<WebhookAttempt>> AttemptsAsync(Guid deliveryId) =>
        DbAsync(db => db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number).ToListAsync());

    public Task<WebhookEndpoint> EndpointAsync(Guid id) => DbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == id));

    /// <summary>Runs the dispatcher until the receiver has <paramref name="count"/> requests (a condition, not a sleep).</summary>
    public async Task<WebhookReceiver.Received[]> ReceiveAsync(WebhookReceiver receiver, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (receiver.Requests.Count < count && DateTime.UtcNow < deadline) await DispatchAsync();
        Assert.True(receiver.Requests.Count >= count, $"expected {count} webhook requests, got {receiver.Requests.Count}");
        return receiver.Requests.ToArray();
    }
}

/// <summary>The same host with the production defaults: no private addresses, https only.</summary>
public sealed class StrictWebhooksFactory : MarketingApiFactory
{
    public async Task<int> DispatchAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WebhookDispatchJob>().RunAsync(CancellationToken.None);
    }
}
