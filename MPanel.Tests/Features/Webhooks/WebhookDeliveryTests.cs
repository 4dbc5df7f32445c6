using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Customers;
using MPanel.Domain.Marketing;
using MPanel.Domain.Security;
using MPanel.Domain.Webhooks;
using MPanel.Infrastructure.Persistence;
using MPanel.Web.Features.Emails;
using MPanel.Web.Features.Webhooks;

namespace MPanel.Tests.Features.Webhooks;

/// <summary>Signed delivery to a real HTTP receiver, checked with an independent Standard Webhooks verifier; the outbox
/// commits with the change or not at all; retries, 410, continuous failure, rotation and replay.</summary>
public sealed class WebhookDeliveryTests(WebhooksFactory factory) : IClassFixture<WebhooksFactory>
{
    private const string Base = WebhooksFactory.Base;

    private async Task<(HttpClient Api, Guid TenantId)> ShopAsync(string slug)
    {
        var shop = await factory.ShopAsync(slug);
        var key = await factory.KeyAsync(shop.Tenant.Id);
        return (factory.ApiClient(key.Secret), shop.Tenant.Id);
    }

    [Fact]
    public async Task AccountCreated_IsDeliveredSigned_PerStandardWebhooks_AndTheSecretIsShownOnce()
    {
        var (api, _) = await ShopAsync("wh-signed");
        await using var receiver = new WebhookReceiver();
        var (endpointId, secret) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated, WebhookEvents.OrderCreated);
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);
        Assert.True(Convert.FromBase64String(secret["whsec_".Length..]).Length >= 24);

        var customerId = await factory.AccountAsync(api, "signed@example.org");
        var request = Assert.Single(await factory.ReceiveAsync(receiver, 1));

        var now = factory.Clock.GetUtcNow();
        Assert.True(StandardWebhooks.Verify(secret, request.Headers, request.Body, now), "signature does not verify");
        Assert.False(StandardWebhooks.Verify(secret, request.Headers, request.Body.Replace("signed@", "forged@"), now));
        Assert.False(StandardWebhooks.Verify(secret, request.Headers, request.Body, now.AddMinutes(10)));
        Assert.StartsWith("msg_", request.Headers["webhook-id"]);
        Assert.Equal("application/json; charset=utf-8", request.Headers["content-type"]);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("customer.created", body.GetProperty("type").GetString());
        Assert.Equal(customerId, body.GetProperty("data").GetProperty("id").GetGuid());
        Assert.Equal("signed@example.org", body.GetProperty("data").GetProperty("email").GetString());

        // The secret is never shown again.
        var shown = await api.GetStringAsync($"{Base}/webhooks/{endpointId}");
        Assert.DoesNotContain(secret[6..], shown);
        Assert.DoesNotContain(secret[6..], await api.GetStringAsync($"{Base}/webhooks"));

        var delivery = Assert.Single(await factory.DeliveriesAsync(endpointId));
        Assert.Equal(WebhookDeliveryStatus.Succeeded, delivery.Status);
        var attempt = Assert.Single(await factory.AttemptsAsync(delivery.Id));
        Assert.Equal((200, true, "receiver says 200"), (attempt.StatusCode!.Value, attempt.Succeeded, attempt.ResponseExcerpt));

        // A succeeded delivery is never sent again.
        await factory.DispatchAsync();
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task Outbox_CommitsWithTheChange_AndAFailedTransactionLeavesNoEvent()
    {
        var (_, tenantId) = await ShopAsync("wh-atomic");
        Guid rolledBack, committed;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<MPanel.Infrastructure.Tenancy.CurrentTenant>().InitializeForJob(tenantId, "test");
            var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
            await using var tx = await db.Database.BeginTransactionAsync();
            var customer = Customer.Create(new CustomerDetails("Roll", "Back", "rollback@example.org", null, null, "DE"), DateTimeOffset.UtcNow);
            rolledBack = customer.Id;
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            // Inside the transaction the event is there, beside the customer...
            Assert.Single(await db.WebhookOutbox.Where(e => e.Type == WebhookEvents.CustomerCreated).ToListAsync(), e => e.Payload.Contains(rolledBack.ToString()));
            await tx.RollbackAsync();
        }
        // ...and a save that fails writes neither.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<MPanel.Infrastructure.Tenancy.CurrentTenant>().InitializeForJob(tenantId, "test");
            var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
            var first = Customer.Create(new CustomerDetails("Com", "Mitted", "committed@example.org", null, null, "DE"), DateTimeOffset.UtcNow);
            committed = first.Id;
            db.Customers.Add(first);
            await db.SaveChangesAsync();
            var duplicate = Customer.Create(new CustomerDetails("Du", "Plicate", "committed@example.org", null, null, "DE"), DateTimeOffset.UtcNow);
            db.Entry(first).State = EntityState.Detached;
            db.Customers.Add(duplicate);
            db.Entry(duplicate).Property(c => c.Id).CurrentValue = first.Id; // primary key clash: the INSERT fails
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        var events = await factory.DbAsync(db => db.WebhookOutbox.AsNoTracking().Where(e => e.TenantId == tenantId && e.Type == WebhookEvents.CustomerCreated).ToListAsync());
        Assert.DoesNotContain(events, e => e.Payload.Contains(rolledBack.ToString()));
        var kept = Assert.Single(events, e => e.Payload.Contains(committed.ToString()));
        Assert.Contains("committed@example.org", kept.Payload);
        Assert.DoesNotContain(events, e => e.Payload.Contains("Plicate"));
    }

    [Fact]
    public async Task A500_IsRetriedOnTheSchedule_WithTheSameId_ThenSucceeds()
    {
        var (api, _) = await ShopAsync("wh-retry");
        await using var receiver = new WebhookReceiver();
        var (endpointId, secret) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated);
        receiver.Answers.Enqueue(500);
        await factory.AccountAsync(api, "retry@example.org");
        await factory.ReceiveAsync(receiver, 1);

        var delivery = Assert.Single(await factory.DeliveriesAsync(endpointId));
        Assert.Equal((WebhookDeliveryStatus.Pending, 500, 1), (delivery.Status, delivery.LastStatusCode!.Value, delivery.Attempts));
        var wait = delivery.NextAttemptAt - delivery.LastAttemptAt!.Value;
        Assert.InRange(wait.TotalSeconds, 4, 6.1); // 5 s ± 20 %

        // Not due yet: nothing is sent.
        await factory.DispatchAsync();
        Assert.Single(receiver.Requests);

        factory.Clock.Advance(TimeSpan.FromSeconds(7));
        var requests = await factory.ReceiveAsync(receiver, 2);
        Assert.Equal(requests[0].Headers["webhook-id"], requests[1].Headers["webhook-id"]);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.All(requests, r => Assert.True(StandardWebhooks.Verify(secret, r.Headers, r.Body, factory.Clock.GetUtcNow())));

        delivery = Assert.Single(await factory.DeliveriesAsync(endpointId));
        Assert.Equal(WebhookDeliveryStatus.Succeeded, delivery.Status);
        var attempts = await factory.AttemptsAsync(delivery.Id);
        Assert.Equal(new int?[] { 500, 200 }, attempts.Select(a => a.StatusCode));
        Assert.Equal("HTTP 500 Internal Server Error", attempts[0].Error);
        Assert.Equal("receiver says 500", attempts[0].ResponseExcerpt);
        Assert.Null((await factory.EndpointAsync(endpointId)).FailingSince);
    }

    [Fact]
    public async Task ADeliveryLeftInFlightByACrash_IsSentAgainWithTheSameId_OnlyOnceItsLeaseLapses()
    {
        var (api, _) = await ShopAsync("wh-crash");
        await using var receiver = new WebhookReceiver();
        var (endpointId, secret) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated);
        await factory.AccountAsync(api, "crash@example.org");
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<WebhookDispatchJob>().FanOutAsync(CancellationToken.None);
        var delivery = Assert.Single(await factory.DeliveriesAsync(endpointId));
        // A sender claimed it and died before recording the outcome: the row is "Sending" with a lease.
        var leaseEnds = factory.Clock.GetUtcNow().AddMinutes(1);
        await factory.DbAsync(db => db.WebhookDeliveries.Where(d => d.Id == delivery.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, WebhookDeliveryStatus.Sending).SetProperty(d => d.LeaseUntil, leaseEnds)));

        await factory.DispatchAsync();
        Assert.Empty(receiver.Requests); // still leased: maybe in flight elsewhere

        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var request = Assert.Single(await factory.ReceiveAsync(receiver, 1));
        Assert.Equal(delivery.MessageId, request.Headers["webhook-id"]);
        Assert.True(StandardWebhooks.Verify(secret, request.Headers, request.Body, factory.Clock.GetUtcNow()));
        Assert.Equal(WebhookDeliveryStatus.Succeeded, Assert.Single(await factory.DeliveriesAsync(endpointId)).Status);
        await factory.DispatchAsync();
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task A410_DisablesTheEndpointAtOnce()
    {
        var (api, _) = await ShopAsync("wh-gone");
        await using var receiver = new WebhookReceiver { DefaultStatus = 410 };
        var (endpointId, _) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated);
        await factory.AccountAsync(api, "gone1@example.org");
        await factory.ReceiveAsync(receiver, 1);

        var endpoint = await factory.EndpointAsync(endpointId);
        Assert.False(endpoint.Enabled);
        Assert.Contains("410", endpoint.DisabledReason);
        Assert.Equal(WebhookDeliveryStatus.Failed, Assert.Single(await factory.DeliveriesAsync(endpointId)).Status);

        // Later events are not sent to it.
        await factory.AccountAsync(api, "gone2@example.org");
        factory.Clock.Advance(TimeSpan.FromHours(1));
        await factory.DispatchAsync();
        Assert.Single(receiver.Requests);
        var shown = JsonDocument.Parse(await api.GetStringAsync($"{Base}/webhooks/{endpointId}")).RootElement;
        Assert.False(shown.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task AnEndpointThatKeepsFailing_IsDisabled_AndItsAdministratorsAreEmailed()
    {
        var (api, tenantId) = await ShopAsync("wh-failing");
        await factory.CreateUserAsync(tenantId, "owner@wh-failing.example", Roles.Reseller);
        await factory.CreateUserAsync(tenantId, "support@wh-failing.example", Roles.Support);
        await using var receiver = new WebhookReceiver { DefaultStatus = 503 };
        var (endpointId, _) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated);

        // Two deliveries in a row use up all their retries (this host disables after 2; production after 10, or 5 days).
        await factory.AccountAsync(api, "fail1@example.org");
        await factory.AccountAsync(api, "fail2@example.org");
        var attempts = 0;
        for (var step = 0; step < 40 && (await factory.EndpointAsync(endpointId)).Enabled; step++)
        {
            attempts += await factory.DispatchAsync();
            // Straight to the next due attempt, as if the hours had passed.
            var pending = (await factory.DeliveriesAsync(endpointId)).Where(d => d.Status == WebhookDeliveryStatus.Pending).ToList();
            if (pending.Count == 0) continue;
            var wait = pending.Min(d => d.NextAttemptAt) - factory.Clock.GetUtcNow();
            if (wait > TimeSpan.Zero) factory.Clock.Advance(wait + TimeSpan.FromSeconds(1));
        }
        var endpoint = await factory.EndpointAsync(endpointId);
        Assert.False(endpoint.Enabled);
        Assert.Contains("in a row", endpoint.DisabledReason);
        var deliveries = await factory.DeliveriesAsync(endpointId);
        Assert.All(deliveries, d => Assert.Equal((WebhookDeliveryStatus.Failed, WebhookDispatchJob.Schedule.Count + 1), (d.Status, d.Attempts)));
        Assert.Equal(2 * (WebhookDispatchJob.Schedule.Count + 1), receiver.Requests.Count);
        Assert.Equal(receiver.Requests.Count, attempts);
        var span = deliveries[0].LastAttemptAt!.Value - deliveries[0].CreatedAt;
        Assert.InRange(span.TotalHours, 0.8 * 71.6, 1.2 * 71.6 + 1); // about 72 hours, with jitter

        // The reseller owner is emailed (the support user is not), once, with the reason.
        var mails = await factory.DbAsync(db => db.EmailMessages.AsNoTracking().Where(m => m.TenantId == tenantId && m.Template == EmailTemplates.WebhookDisabled).ToListAsync());
        var mail = Assert.Single(mails);
        Assert.Equal("owner@wh-failing.example", mail.To);
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<EmailDispatchJob>().RunAsync(CancellationToken.None);
        mail = await factory.DbAsync(db => db.EmailMessages.AsNoTracking().SingleAsync(m => m.Id == mail.Id));
        Assert.Contains("was disabled", mail.Subject);
        Assert.Contains(receiver.Url, mail.TextBody);
        Assert.Contains("in a row", mail.TextBody);
    }

    [Fact]
    public async Task EveryDeliveryFailingForFiveDays_DisablesTheEndpoint()
    {
        var (api, tenantId) = await ShopAsync("wh-five-days");
        await factory.CreateUserAsync(tenantId, "owner@wh-five-days.example", Roles.Reseller);
        await using var receiver = new WebhookReceiver { DefaultStatus = 500 };
        var (endpointId, _) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated);
        await factory.AccountAsync(api, "five1@example.org");
        await factory.ReceiveAsync(receiver, 1);
        Assert.NotNull((await factory.EndpointAsync(endpointId)).FailingSince);

        factory.Clock.Advance(TimeSpan.FromDays(5));
        await factory.AccountAsync(api, "five2@example.org");
        for (var i = 0; i < 10 && (await factory.EndpointAsync(endpointId)).Enabled; i++) await factory.DispatchAsync();
        var endpoint = await factory.EndpointAsync(endpointId);
        Assert.False(endpoint.Enabled);
        Assert.Contains("5 days", endpoint.DisabledReason);
        Assert.Equal(1, await factory.DbAsync(db => db.EmailMessages.CountAsync(m => m.TenantId == tenantId && m.Template == EmailTemplates.WebhookDisabled)));

        // Re-enabling through the API resumes the pending delivery.
        receiver.DefaultStatus = 200;
        var patch = await api.PatchAsJsonAsync($"{Base}/webhooks/{endpointId}", new { enabled = true });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        factory.Clock.Advance(TimeSpan.FromDays(1));
        await factory.DispatchAsync();
        Assert.Contains(await factory.DeliveriesAsync(endpointId), d => d.Status == WebhookDeliveryStatus.Succeeded);
    }

    [Fact]
    public async Task RotatingTheSecret_SignsWithBothSecrets_UntilTheGracePeriodEnds()
    {
        var (api, _) = await ShopAsync("wh-rotate");
        await using var receiver = new WebhookReceiver();
        var (endpointId, oldSecret) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated);
        var rotated = await api.PostAsync($"{Base}/webhooks/{endpointId}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var json = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync()).RootElement;
        var newSecret = json.GetProperty("secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.True(json.GetProperty("previousSecretExpiresAt").GetDateTimeOffset() > factory.Clock.GetUtcNow().AddHours(23));

        await factory.AccountAsync(api, "rotate1@example.org");
        var first = (await factory.ReceiveAsync(receiver, 1))[0];
        var signatures = first.Headers["webhook-signature"].Split(' ');
        Assert.Equal(2, signatures.Length);
        Assert.All(signatures, s => Assert.StartsWith("v1,", s));
        Assert.True(StandardWebhooks.Verify(oldSecret, first.Headers, first.Body, factory.Clock.GetUtcNow()));
        Assert.True(StandardWebhooks.Verify(newSecret, first.Headers, first.Body, factory.Clock.GetUtcNow()));
        // Each signature on its own matches exactly one of the secrets.
        Assert.True(StandardWebhooks.Verify(newSecret, With(first.Headers, signatures[0]), first.Body, factory.Clock.GetUtcNow()));
        Assert.True(StandardWebhooks.Verify(oldSecret, With(first.Headers, signatures[1]), first.Body, factory.Clock.GetUtcNow()));

        factory.Clock.Advance(TimeSpan.FromHours(25));
        await factory.AccountAsync(api, "rotate2@example.org");
        var second = (await factory.ReceiveAsync(receiver, 2))[1];
        Assert.Single(second.Headers["webhook-signature"].Split(' '));
        Assert.True(StandardWebhooks.Verify(newSecret, second.Headers, second.Body, factory.Clock.GetUtcNow()));
        Assert.False(StandardWebhooks.Verify(oldSecret, second.Headers, second.Body, factory.Clock.GetUtcNow()));
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> headers, string signature) =>
        new(headers) { ["webhook-signature"] = signature };

    [Fact]
    public async Task Replay_FromTheApi_SendsTheSameMessageAgain_AndDeliveriesArePaged()
    {
        var (api, _) = await ShopAsync("wh-replay");
        await using var receiver = new WebhookReceiver();
        var (endpointId, secret) = await factory.RegisterAsync(api, receiver.Url, WebhookEvents.CustomerCreated);
        await factory.AccountAsync(api, "replay1@example.org");
        await factory.AccountAsync(api, "replay2@example.org");
        await factory.ReceiveAsync(receiver, 2);

        var page = JsonDocument.Parse(await api.GetStringAsync($"{Base}/webhooks/{endpointId}/deliveries?pageSize=1&status=Succeeded")).RootElement;
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var item = Assert.Single(page.GetProperty("items").EnumerateArray().ToList());
        var deliveryId = item.GetProperty("id").GetGuid();
        var messageId = item.GetProperty("messageId").GetString();

        var replay = await api.PostAsync($"{Base}/webhooks/{endpointId}/deliveries/{deliveryId}/replay", null);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var again = (await factory.ReceiveAsync(receiver, 3))[2];
        Assert.Equal(messageId, again.Headers["webhook-id"]);
        Assert.True(StandardWebhooks.Verify(secret, again.Headers, again.Body, factory.Clock.GetUtcNow()));

        var detail = JsonDocument.Parse(await api.GetStringAsync($"{Base}/webhooks/{endpointId}/deliveries/{deliveryId}")).RootElement;
        Assert.Equal(2, detail.GetProperty("attempts").GetArrayLength());
        Assert.Equal("Succeeded", detail.GetProperty("delivery").GetProperty("status").GetString());

        // A test ping goes to this endpoint alone.
        var test = await api.PostAsync($"{Base}/webhooks/{endpointId}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var ping = (await factory.ReceiveAsync(receiver, 4))[3];
        Assert.Equal("webhook.test", JsonDocument.Parse(ping.Body).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task OrdersAndInvoices_EmitTheirEvents_OnlyToSubscribedEndpoints()
    {
        var shop = await factory.ShopAsync("wh-orders");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        await using var orders = new WebhookReceiver();
        await using var customers = new WebhookReceiver();
        await factory.RegisterAsync(api, orders.Url, WebhookEvents.OrderCreated, WebhookEvents.InvoiceCreated);
        await factory.RegisterAsync(api, customers.Url, WebhookEvents.CustomerCreated);
        var customerId = await factory.AccountAsync(api, "buyer@example.org");
        var placed = await api.PostAsJsonAsync($"{Base}/orders", new { customerId, items = new[] { new { productId = shop.StarterId, cycle = "Monthly", quantity = 1 } } });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var orderId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetGuid();

        var received = await factory.ReceiveAsync(orders, 2);
        var types = received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToDictionary(b => b.GetProperty("type").GetString()!);
        Assert.Equal(orderId, types["order.created"].GetProperty("data").GetProperty("id").GetGuid());
        Assert.Equal(orderId, types["invoice.created"].GetProperty("data").GetProperty("orderId").GetGuid());
        await factory.ReceiveAsync(customers, 1);
        Assert.Single(customers.Requests);
        Assert.Equal(2, orders.Requests.Count);
    }
}
