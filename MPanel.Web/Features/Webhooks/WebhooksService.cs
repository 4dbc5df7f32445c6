using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Common;
using MPanel.Domain.Webhooks;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Webhooks;

/// <summary>A webhook endpoint as the API and the UI show it; the secret is never in here (only in the answers to
/// register and rotate-secret).</summary>
public sealed record WebhookEndpointView(Guid Id, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled, string? DisabledReason,
    DateTimeOffset? DisabledAt, DateTimeOffset? FailingSince, DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A new endpoint: an https URL, the events it wants (see <c>WebhookEvents</c>), an optional description.</summary>
public sealed record RegisterWebhookRequest(string Url, IReadOnlyList<string>? Events, string? Description = null);

/// <summary>The new endpoint and its signing secret (<c>whsec_…</c>), shown this once.</summary>
public sealed record RegisteredWebhook(WebhookEndpointView Endpoint, string Secret);

/// <summary>Changes to an endpoint; fields left out stay as they are. <c>enabled=true</c> re-enables a disabled endpoint.</summary>
public sealed record UpdateWebhookRequest(string? Url = null, IReadOnlyList<string>? Events = null, bool? Enabled = null, string? Description = null);

/// <summary>The new secret, shown this once. Until <c>previousSecretExpiresAt</c> requests carry two signatures, one per secret.</summary>
public sealed record RotatedWebhookSecret(Guid EndpointId, string Secret, DateTimeOffset? PreviousSecretExpiresAt);

public sealed record WebhookDeliveryRow(Guid Id, Guid EndpointId, Guid EventId, string EventType, string MessageId, WebhookDeliveryStatus Status,
    int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError,
    DateTimeOffset? SucceededAt);

public sealed record WebhookAttemptView(int Number, DateTimeOffset At, string Url, int? StatusCode, int DurationMs, bool Succeeded, string? ResponseExcerpt, string? Error);

public sealed record WebhookDeliveryView(WebhookDeliveryRow Delivery, string Body, IReadOnlyList<WebhookAttemptView> Attempts);

public sealed record WebhookDeliveryFilter(WebhookDeliveryStatus? Status = null, string? EventType = null);

/// <summary>The current tenant's webhook endpoints, their deliveries and attempts; used by the marketing API and the
/// settings page alike.</summary>
public sealed class WebhooksService(TenantScopeFactory scopes, CurrentTenant current, WebhookAddressPolicy policy, IOptionsMonitor<WebhooksOptions> options,
    IWebhookDispatchSignal signal, TimeProvider clock)
{
    public async Task<IReadOnlyList<WebhookEndpointView>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var rows = await scope.Db.WebhookEndpoints.AsNoTracking().OrderByDescending(e => e.CreatedAt).ToListAsync(ct);
        return rows.Select(ToView).ToList();
    }

    public async Task<WebhookEndpointView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return ToView(await LoadAsync(scope, id, ct));
    }

    public async Task<RegisteredWebhook> RegisterAsync(RegisterWebhookRequest request, CancellationToken ct = default)
    {
        policy.ValidateUrl(request.Url);
        var tenantId = current.TenantId ?? throw new ForbiddenError("No tenant.").ToException();
        var endpoint = WebhookEndpoint.Create(tenantId, request.Url.Trim(), request.Events ?? [], request.Description, clock.GetUtcNow());
        await using var scope = scopes.Create();
        var max = options.CurrentValue.MaxEndpointsPerTenant;
        if (await scope.Db.WebhookEndpoints.CountAsync(ct) >= max)
            throw new ConflictError("webhook_limit", $"A shop can have at most {max} webhook endpoints; delete one first.").ToException();
        scope.Db.WebhookEndpoints.Add(endpoint);
        await scope.Db.SaveChangesAsync(ct);
        return new RegisteredWebhook(ToView(endpoint), endpoint.Secret);
    }

    public async Task<WebhookEndpointView> UpdateAsync(Guid id, UpdateWebhookRequest request, CancellationToken ct = default)
    {
        if (request.Url is not null) policy.ValidateUrl(request.Url);
        await using var scope = scopes.Create();
        var endpoint = await LoadAsync(scope, id, ct);
        var now = clock.GetUtcNow();
        endpoint.Change(request.Url?.Trim(), request.Events, request.Description, now);
        if (request.Enabled == true && !endpoint.Enabled) endpoint.Enable(now);
        if (request.Enabled == false) endpoint.Disable($"Disabled by {current.Actor.UserName ?? "staff"}.", now);
        await SaveAsync(scope, ct);
        if (request.Enabled == true) signal.Notify();
        return ToView(endpoint);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        scope.Db.WebhookEndpoints.Remove(await LoadAsync(scope, id, ct));
        await SaveAsync(scope, ct);
    }

    public async Task<RotatedWebhookSecret> RotateSecretAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var endpoint = await LoadAsync(scope, id, ct);
        var now = clock.GetUtcNow();
        var secret = endpoint.RotateSecret(now, TimeSpan.FromHours(options.CurrentValue.RotationGraceHours));
        await SaveAsync(scope, ct);
        return new RotatedWebhookSecret(endpoint.Id, secret, endpoint.SigningSecrets(now).Count > 1 ? endpoint.PreviousSecretExpiresAt : null);
    }

    /// <summary>Queues a <c>webhook.test</c> ping to this endpoint alone; returns the outbox event's id.</summary>
    public async Task<Guid> SendTestAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var endpoint = await LoadAsync(scope, id, ct);
        if (!endpoint.Enabled)
            throw new ConflictError("webhook_disabled", "The endpoint is disabled; enable it to send a test.").ToException();
        var now = clock.GetUtcNow();
        var e = WebhookOutbox.Add(scope.Db, WebhookEvents.Test, new { endpointId = endpoint.Id, message = "A test ping from MPanel.", sentBy = current.Actor.UserName },
            now, targetEndpointId: endpoint.Id);
        await scope.Db.SaveChangesAsync(ct);
        return e.Id;
    }

    public async Task<Paged<WebhookDeliveryRow>> DeliveriesAsync(Guid? endpointId, PageQuery page, WebhookDeliveryFilter filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        if (endpointId is { } eid) await LoadAsync(scope, eid, ct);
        var query = scope.Db.WebhookDeliveries.AsNoTracking();
        if (endpointId is { } id) query = query.Where(d => d.EndpointId == id);
        if (filter.Status is { } status) query = query.Where(d => d.Status == status);
        if (filter.EventType is { Length: > 0 } type) query = query.Where(d => d.EventType == type);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Page(page).ToListAsync(ct);
        return new Paged<WebhookDeliveryRow>(rows.Select(ToRow).ToList(), total);
    }

    public async Task<WebhookDeliveryView> DeliveryAsync(Guid endpointId, Guid deliveryId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var delivery = await scope.Db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpointId, ct)
            ?? throw new NotFoundError("Webhook delivery", deliveryId).ToException();
        var attempts = await scope.Db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number).ThenBy(a => a.At)
            .Select(a => new WebhookAttemptView(a.Number, a.At, a.Url, a.StatusCode, a.DurationMs, a.Succeeded, a.ResponseExcerpt, a.Error)).ToListAsync(ct);
        return new WebhookDeliveryView(ToRow(delivery), delivery.Body, attempts);
    }

    /// <summary>Sends a delivery again (same webhook-id and body), with a fresh retry schedule.</summary>
    public async Task<WebhookDeliveryRow> ReplayAsync(Guid endpointId, Guid deliveryId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var delivery = await scope.Db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpointId, ct)
            ?? throw new NotFoundError("Webhook delivery", deliveryId).ToException();
        delivery.Replay(clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        signal.Notify();
        return ToRow(delivery);
    }

    private static async Task<WebhookEndpoint> LoadAsync(TenantScope scope, Guid id, CancellationToken ct) =>
        await scope.Db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, ct) ?? throw new NotFoundError("Webhook endpoint", id).ToException();

    private static async Task SaveAsync(TenantScope scope, CancellationToken ct)
    {
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyError().ToException();
        }
    }

    public static WebhookEndpointView ToView(WebhookEndpoint e) => new(e.Id, e.Url, e.Description, e.EventList, e.Enabled, e.DisabledReason, e.DisabledAt,
        e.FailingSince, e.PreviousSecret is null ? null : e.PreviousSecretExpiresAt, e.CreatedAt, e.UpdatedAt);

    private static WebhookDeliveryRow ToRow(WebhookDelivery d) => new(d.Id, d.EndpointId, d.EventId, d.EventType, d.MessageId, d.Status, d.TotalAttempts,
        d.CreatedAt, d.Status is WebhookDeliveryStatus.Pending or WebhookDeliveryStatus.Sending ? d.NextAttemptAt : null, d.LastAttemptAt, d.LastStatusCode,
        d.LastError, d.SucceededAt);
}
