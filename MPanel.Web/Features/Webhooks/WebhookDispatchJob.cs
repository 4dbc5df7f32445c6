using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Common;
using MPanel.Domain.Security;
using MPanel.Domain.Webhooks;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Emails;

namespace MPanel.Web.Features.Webhooks;

/// <summary>Wakes the dispatcher through Hangfire; wake-ups within a second of the last one collapse into it (the job
/// drains everything committed by the time it runs, and the minutely recurring run catches any straggler).</summary>
public sealed class HangfireWebhookSignal(IBackgroundJobClient jobs, ILogger<HangfireWebhookSignal> logger) : IWebhookDispatchSignal
{
    private static long _lastEnqueued;

    public void Notify()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastEnqueued);
        if (now - last < 1000 || Interlocked.CompareExchange(ref _lastEnqueued, now, last) != last) return;
        try
        {
            jobs.Enqueue<WebhookDispatchJob>(j => j.RunAsync(CancellationToken.None));
        }
        catch (Exception ex)
        {
            // The change is committed; the recurring run delivers within a minute.
            logger.LogWarning(ex, "Could not enqueue the webhook dispatcher");
        }
    }
}

/// <summary>Delivers webhooks. First fans committed outbox events out into one delivery per subscribed, enabled endpoint
/// (in one transaction with marking the events dispatched, so a rerun adds none twice); then sends due deliveries, a few
/// at a time. Each delivery is claimed with a lease before it is sent and settled in one transaction after: a success is
/// never sent again, and a crash re-sends only the one in flight (same <c>webhook-id</c>) once its lease lapses.
/// Failures retry on <see cref="Schedule"/> with ±20 % jitter; 410 Gone disables the endpoint at once; an endpoint that
/// keeps failing is disabled and the tenant's administrators are emailed.</summary>
public sealed class WebhookDispatchJob(IServiceScopeFactory scopes, Npgsql.NpgsqlDataSource source, WebhookSender sender,
    IOptionsMonitor<WebhooksOptions> options, TimeProvider clock, IBackgroundJobClient jobs, ILiveEventBus bus, ILogger<WebhookDispatchJob> logger)
{
    public const string RecurringId = "webhooks:dispatch";
    public const string MaintenanceId = "maintenance:webhooks";

    /// <summary>The waits after each failed attempt: 10 attempts over about 72 hours.</summary>
    public static readonly IReadOnlyList<TimeSpan> Schedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(20),
    ];

    private const double Jitter = 0.2;
    private const int MaxPerRun = 2000;

    public static void Register(IRecurringJobManager recurring)
    {
        recurring.AddOrUpdate<WebhookDispatchJob>(RecurringId, "default", j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<WebhookDispatchJob>(MaintenanceId, "default", j => j.PruneAsync(CancellationToken.None), Cron.Hourly(41));
    }

    [Queue("default")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(300)]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        while (await FanOutAsync(ct) > 0) { }
        var sent = 0;
        var workers = Enumerable.Range(0, options.CurrentValue.Concurrency).Select(async _ =>
        {
            while (!ct.IsCancellationRequested && Volatile.Read(ref sent) < MaxPerRun && await ClaimAsync(ct) is { } claim)
            {
                await DeliverAsync(claim.Id, claim.TenantId, ct);
                Interlocked.Increment(ref sent);
            }
        });
        await Task.WhenAll(workers);
        return sent;
    }

    /// <summary>Turns up to 500 pending outbox events into deliveries; returns how many events it handled.</summary>
    public async Task<int> FanOutAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        using var system = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var events = await db.WebhookOutbox
            .FromSqlRaw("SELECT * FROM webhook_outbox WHERE dispatched_at IS NULL ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        if (events.Count == 0) return 0;
        var tenantIds = events.Select(e => e.TenantId).Distinct().ToList();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => tenantIds.Contains(e.TenantId) && e.Enabled).ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var e in events)
        {
            var targets = e.TargetEndpointId is { } target
                ? endpoints.Where(x => x.Id == target)
                // An endpoint hears of what happened after it was registered, not of an older backlog.
                : endpoints.Where(x => x.TenantId == e.TenantId && x.Subscribes(e.Type) && x.CreatedAt <= e.CreatedAt);
            foreach (var endpoint in targets) db.WebhookDeliveries.Add(WebhookDelivery.For(e, endpoint.Id, Envelope(e), now));
            e.MarkDispatched(now);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        foreach (var tenantId in events.Select(e => e.TenantId).Distinct()) await PublishAsync(tenantId, nameof(WebhookDelivery), Guid.Empty);
        return events.Count;
    }

    /// <summary>The body every attempt sends: <c>{"type", "timestamp", "data"}</c> as the Standard Webhooks spec suggests.</summary>
    public static string Envelope(WebhookEvent e)
    {
        var body = new JsonObject
        {
            ["type"] = e.Type,
            ["timestamp"] = e.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = JsonNode.Parse(e.Payload),
        };
        return body.ToJsonString();
    }

    private async Task<(Guid Id, Guid TenantId)?> ClaimAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var cmd = source.CreateCommand("""
            UPDATE webhook_deliveries d SET status = 'Sending', lease_until = $2
            WHERE d.id = (
                SELECT x.id FROM webhook_deliveries x JOIN webhook_endpoints e ON e.id = x.endpoint_id AND e.enabled
                WHERE (x.status = 'Pending' AND x.next_attempt_at <= $1) OR (x.status = 'Sending' AND x.lease_until <= $1)
                ORDER BY x.next_attempt_at LIMIT 1 FOR UPDATE OF x SKIP LOCKED)
            RETURNING d.id, d.tenant_id
            """);
        cmd.Parameters.AddWithValue(now);
        cmd.Parameters.AddWithValue(now + TimeSpan.FromSeconds(options.CurrentValue.TimeoutSeconds + 60));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetGuid(0), reader.GetGuid(1)) : null;
    }

    private async Task DeliverAsync(Guid deliveryId, Guid tenantId, CancellationToken ct)
    {
        await using var service = scopes.CreateAsyncScope();
        var scope = new TenantScope(service);
        scope.Tenant.InitializeForJob(tenantId, "webhooks");
        var db = scope.Db;
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId, ct);
        var endpoint = delivery is null ? null : await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == delivery.EndpointId, ct);
        if (delivery is not { Status: WebhookDeliveryStatus.Sending } || endpoint is null) return;

        var sentAt = clock.GetUtcNow();
        var timestamp = sentAt.ToUnixTimeSeconds();
        var signature = WebhookSignature.Sign(delivery.MessageId, timestamp, delivery.Body, endpoint.SigningSecrets(sentAt));
        var result = await sender.SendAsync(endpoint.Url, delivery.MessageId, timestamp, signature, delivery.Body, ct);

        var now = clock.GetUtcNow();
        var o = options.CurrentValue;
        string? disabledBecause = null;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.WebhookAttempts.Add(new WebhookAttempt(tenantId, delivery.Id, endpoint.Id, delivery.TotalAttempts + 1, endpoint.Url, sentAt, result.StatusCode,
            result.DurationMs, result.ResponseExcerpt, result.Error, result.Success));
        var endpoints = db.WebhookEndpoints.Where(e => e.Id == endpoint.Id);
        if (result.Success)
        {
            delivery.Succeeded(result.StatusCode!.Value, now);
            await endpoints.Where(e => e.FailingSince != null || e.ConsecutiveExhausted > 0)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.FailingSince, (DateTimeOffset?)null).SetProperty(e => e.ConsecutiveExhausted, 0), ct);
        }
        else
        {
            var gone = result.StatusCode == StatusCodes.Status410Gone;
            var exhausted = delivery.Failed(result.StatusCode, result.Error ?? "Failed", now, Schedule, (Random.Shared.NextDouble() * 2 - 1) * Jitter, final: gone);
            await endpoints.Where(e => e.FailingSince == null).ExecuteUpdateAsync(u => u.SetProperty(e => e.FailingSince, now), ct);
            if (exhausted && !gone)
                await endpoints.ExecuteUpdateAsync(u => u.SetProperty(e => e.ConsecutiveExhausted, e => e.ConsecutiveExhausted + 1), ct);
            var state = await endpoints.Select(e => new { e.FailingSince, e.ConsecutiveExhausted }).FirstAsync(ct);
            disabledBecause = gone ? "The endpoint answered 410 Gone, which asks senders to stop."
                : state.ConsecutiveExhausted >= o.DisableAfterExhaustedDeliveries
                    ? $"{state.ConsecutiveExhausted} deliveries in a row failed after all their retries."
                : state.FailingSince is { } since && now - since >= TimeSpan.FromDays(o.DisableAfterFailingDays)
                    ? $"Every delivery has failed since {since:yyyy-MM-dd HH:mm} UTC ({o.DisableAfterFailingDays} days or more)."
                : null;
            if (disabledBecause is not null && await DisableAsync(scope, endpoint.Id, disabledBecause, now, ct) == 0) disabledBecause = null;
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        // The audit interceptor's notice went out before the commit; screens re-read now that the outcome is visible.
        await PublishAsync(tenantId, nameof(WebhookDelivery), delivery.Id);
        if (disabledBecause is not null)
        {
            logger.LogWarning("Webhook endpoint {EndpointId} of tenant {TenantId} disabled: {Reason}", endpoint.Id, tenantId, disabledBecause);
            EmailDispatchJob.Trigger(jobs);
            await PublishAsync(tenantId, nameof(WebhookEndpoint), endpoint.Id);
        }
    }

    /// <summary>Disables the endpoint if it is still enabled and emails the tenant's administrators, in the caller's
    /// transaction; returns 0 when it was already disabled (nobody is emailed twice).</summary>
    internal static async Task<int> DisableAsync(TenantScope scope, Guid endpointId, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var db = scope.Db;
        var changed = await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.Enabled).ExecuteUpdateAsync(u => u
            .SetProperty(e => e.Enabled, false).SetProperty(e => e.DisabledReason, reason).SetProperty(e => e.DisabledAt, now)
            .SetProperty(e => e.UpdatedAt, now), ct);
        if (changed == 0) return 0;
        var tenantId = scope.Tenant.TenantId!.Value;
        var adminRoles = new[] { Roles.Admin, Roles.SuperAdmin, Roles.Reseller };
        var roleIds = await db.Roles.Where(r => adminRoles.Contains(r.Name!)).Select(r => r.Id).ToListAsync(ct);
        var owners = await db.Users.Where(u => u.TenantId == tenantId && !u.IsDisabled && u.Email != null
                                               && db.UserRoles.Any(ur => ur.UserId == u.Id && roleIds.Contains(ur.RoleId)))
            .Select(u => u.Email!).ToListAsync(ct);
        var emails = scope.Get<EmailQueue>();
        foreach (var owner in owners.Distinct(StringComparer.OrdinalIgnoreCase))
            await emails.QueueAsync(scope, owner, EmailTemplates.WebhookDisabled, endpointId, $"webhook-disabled:{endpointId}:{now.UtcTicks}:{owner.ToLowerInvariant()}", ct);
        return changed;
    }

    private async Task PublishAsync(Guid tenantId, string kind, Guid id)
    {
        try
        {
            await bus.PublishAsync(new LiveEvent(tenantId, kind, id.ToString(), "Updated"));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not publish the {Kind} change", kind);
        }
    }

    /// <summary>Deletes outbox events, deliveries and attempts past the retention period (finished ones only).</summary>
    [Queue("default")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(600)]
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        using var system = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        var before = clock.GetUtcNow() - TimeSpan.FromDays(options.CurrentValue.RetentionDays);
        var deliveries = await db.WebhookDeliveries
            .Where(d => d.CreatedAt < before && (d.Status == WebhookDeliveryStatus.Succeeded || d.Status == WebhookDeliveryStatus.Failed))
            .ExecuteDeleteAsync(ct);
        var events = await db.WebhookOutbox.Where(e => e.CreatedAt < before && e.DispatchedAt != null && !db.WebhookDeliveries.Any(d => d.EventId == e.Id))
            .ExecuteDeleteAsync(ct);
        return deliveries + events;
    }
}
