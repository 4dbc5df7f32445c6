using System.Security.Cryptography;
using MPanel.Domain.Common;

namespace MPanel.Domain.Webhooks;

/// <summary>The events a webhook endpoint can subscribe to, plus the <c>webhook.test</c> ping staff send by hand.</summary>
public static class WebhookEvents
{
    public const string CustomerCreated = "customer.created";
    public const string OrderCreated = "order.created";
    public const string InvoiceCreated = "invoice.created";
    public const string InvoicePaid = "invoice.paid";
    public const string PaymentFailed = "payment.failed";
    public const string ServiceProvisioned = "service.provisioned";
    public const string ServiceSuspended = "service.suspended";
    public const string ServiceUnsuspended = "service.unsuspended";
    public const string ServiceTerminated = "service.terminated";
    public const string IncidentCreated = "incident.created";
    public const string IncidentUpdated = "incident.updated";
    /// <summary>Sent to one endpoint on request, whatever it subscribes to.</summary>
    public const string Test = "webhook.test";

    public static readonly IReadOnlyList<string> All =
    [
        CustomerCreated, OrderCreated, InvoiceCreated, InvoicePaid, PaymentFailed, ServiceProvisioned, ServiceSuspended,
        ServiceUnsuspended, ServiceTerminated, IncidentCreated, IncidentUpdated,
    ];

    public static string Describe(string type) => type switch
    {
        CustomerCreated => "A customer account was created",
        OrderCreated => "An order was placed",
        InvoiceCreated => "An invoice was issued",
        InvoicePaid => "An invoice was paid in full",
        PaymentFailed => "A card payment failed",
        ServiceProvisioned => "A service became active for the first time",
        ServiceSuspended => "A service was suspended",
        ServiceUnsuspended => "A suspended service was reactivated",
        ServiceTerminated => "A service was terminated",
        IncidentCreated => "A status incident was opened",
        IncidentUpdated => "A status incident got an update or was resolved",
        Test => "A test ping",
        _ => type,
    };
}

/// <summary>A URL of the tenant's that receives signed events (Standard Webhooks). The secret (<c>whsec_</c> and the
/// base64 of 32 random bytes) signs every request; while a rotation's grace period runs the previous secret signs too,
/// so the receiver can switch without losing a message. An endpoint that answers 410 Gone, or keeps failing, is
/// disabled with the reason.</summary>
public sealed class WebhookEndpoint : Entity, ITenantOwned, IVersioned
{
    public const string SecretPrefix = "whsec_";
    public const int MaxUrlLength = 2000;
    public const int MaxDescriptionLength = 500;

    private WebhookEndpoint() { }

    public Guid TenantId { get; private set; }
    public string Url { get; private set; } = "";
    public string? Description { get; private set; }
    /// <summary>Space-separated <see cref="WebhookEvents"/>.</summary>
    public string Events { get; private set; } = "";
    public string Secret { get; private set; } = "";
    public string? PreviousSecret { get; private set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; private set; }
    public bool Enabled { get; private set; }
    public string? DisabledReason { get; private set; }
    public DateTimeOffset? DisabledAt { get; private set; }
    /// <summary>Since when every delivery has failed (null after a success).</summary>
    public DateTimeOffset? FailingSince { get; private set; }
    /// <summary>Deliveries in a row that used up all their retries.</summary>
    public int ConsecutiveExhausted { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }

    public IReadOnlyList<string> EventList => Events.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool Subscribes(string type) => EventList.Contains(type);

    /// <summary>A new endpoint (the URL already checked by the caller's policy) and its secret, which is also kept to sign.</summary>
    public static WebhookEndpoint Create(Guid tenantId, string url, IEnumerable<string>? events, string? description, DateTimeOffset now)
    {
        var endpoint = new WebhookEndpoint { TenantId = tenantId, Enabled = true, CreatedAt = now, UpdatedAt = now, Secret = NewSecret() };
        endpoint.Change(url, events, description, now);
        return endpoint;
    }

    public void Change(string? url, IEnumerable<string>? events, string? description, DateTimeOffset now)
    {
        var wanted = events?.Select(e => e?.Trim() ?? "").Distinct().ToList();
        var cleanDescription = description is null ? Description : Text.Clean(description);
        new Validator()
            .Require(url is null || url.Length is > 0 and <= MaxUrlLength, "url", $"A URL of at most {MaxUrlLength} characters.")
            .Require(wanted is null || wanted.Count > 0, "events", "Choose at least one event.")
            .Require(wanted is null || wanted.All(WebhookEvents.All.Contains), "events", $"Events are {string.Join(", ", WebhookEvents.All)}.")
            .Require(cleanDescription is null || cleanDescription.Length <= MaxDescriptionLength, "description", $"At most {MaxDescriptionLength} characters.")
            .ThrowIfInvalid();
        if (url is not null) Url = url;
        if (wanted is not null) Events = string.Join(' ', WebhookEvents.All.Where(wanted.Contains));
        Description = string.IsNullOrEmpty(cleanDescription) ? null : cleanDescription;
        UpdatedAt = now;
    }

    /// <summary>A new secret; the old one keeps signing beside it until <paramref name="grace"/> has passed.</summary>
    public string RotateSecret(DateTimeOffset now, TimeSpan grace)
    {
        PreviousSecret = Secret;
        PreviousSecretExpiresAt = now + grace;
        Secret = NewSecret();
        UpdatedAt = now;
        return Secret;
    }

    /// <summary>The secrets that sign a request sent now: the current one, and the previous one during its grace period.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretExpiresAt > now ? [Secret, previous] : [Secret];

    public void Enable(DateTimeOffset now)
    {
        Enabled = true;
        DisabledReason = null;
        DisabledAt = null;
        FailingSince = null;
        ConsecutiveExhausted = 0;
        UpdatedAt = now;
    }

    public void Disable(string reason, DateTimeOffset now)
    {
        if (!Enabled) return;
        Enabled = false;
        DisabledReason = Text.Clean(reason) is { Length: > 0 } r ? (r.Length > 500 ? r[..500] : r) : "Disabled";
        DisabledAt = now;
        UpdatedAt = now;
    }

    public void RecordSuccess()
    {
        FailingSince = null;
        ConsecutiveExhausted = 0;
    }

    public void RecordFailure(DateTimeOffset now) => FailingSince ??= now;

    public void RecordExhausted() => ConsecutiveExhausted++;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}

/// <summary>The outbox: an event written in the same transaction as the change it reports, fanned out to the
/// subscribed endpoints by the dispatcher once committed. <see cref="TargetEndpointId"/> sends it to one endpoint only
/// (test pings).</summary>
public sealed class WebhookEvent : Entity, ITenantOwned, IOperationalRecord
{
    private WebhookEvent() { }

    public WebhookEvent(Guid tenantId, string type, string payload, DateTimeOffset now, Guid? targetEndpointId = null)
    {
        TenantId = tenantId;
        Type = type;
        Payload = payload;
        CreatedAt = now;
        TargetEndpointId = targetEndpointId;
    }

    public Guid TenantId { get; private set; }
    public string Type { get; private set; } = "";
    /// <summary>The event's <c>data</c> object as JSON.</summary>
    public string Payload { get; private set; } = "{}";
    public Guid? TargetEndpointId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? DispatchedAt { get; private set; }

    public void MarkDispatched(DateTimeOffset now) => DispatchedAt ??= now;
}

public enum WebhookDeliveryStatus { Pending, Sending, Succeeded, Failed }

/// <summary>One event to one endpoint: the exact body and message id every attempt sends (so the receiver can
/// deduplicate on <c>webhook-id</c>), its state and its next attempt.</summary>
public sealed class WebhookDelivery : Entity, ITenantOwned, IOperationalRecord
{
    public const int MaxErrorLength = 1000;

    private WebhookDelivery() { }

    public Guid TenantId { get; private set; }
    public Guid EndpointId { get; private set; }
    public Guid EventId { get; private set; }
    public string EventType { get; private set; } = "";
    /// <summary>The <c>webhook-id</c> header: the same for every attempt and replay.</summary>
    public string MessageId { get; private set; } = "";
    public string Body { get; private set; } = "";
    public WebhookDeliveryStatus Status { get; private set; }
    /// <summary>Attempts in the current run of the schedule (a replay starts a new run).</summary>
    public int Attempts { get; private set; }
    public int TotalAttempts { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    /// <summary>While <see cref="WebhookDeliveryStatus.Sending"/>: when the claim lapses (a crashed sender) and another may retry.</summary>
    public DateTimeOffset? LeaseUntil { get; private set; }
    public DateTimeOffset? LastAttemptAt { get; private set; }
    public int? LastStatusCode { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? SucceededAt { get; private set; }

    public static WebhookDelivery For(WebhookEvent e, Guid endpointId, string body, DateTimeOffset now) => new()
    {
        TenantId = e.TenantId,
        EndpointId = endpointId,
        EventId = e.Id,
        EventType = e.Type,
        MessageId = "msg_" + e.Id.ToString("N"),
        Body = body,
        Status = WebhookDeliveryStatus.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
    };

    public void Succeeded(int status, DateTimeOffset now)
    {
        Attempts++;
        TotalAttempts++;
        Status = WebhookDeliveryStatus.Succeeded;
        LastStatusCode = status;
        LastError = null;
        LastAttemptAt = now;
        SucceededAt = now;
        LeaseUntil = null;
    }

    /// <summary>Records a failed attempt; returns true when the schedule is used up (or <paramref name="final"/>).</summary>
    public bool Failed(int? status, string error, DateTimeOffset now, IReadOnlyList<TimeSpan> schedule, double jitter, bool final)
    {
        Attempts++;
        TotalAttempts++;
        LastStatusCode = status;
        LastError = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        LastAttemptAt = now;
        LeaseUntil = null;
        if (final || Attempts > schedule.Count)
        {
            Status = WebhookDeliveryStatus.Failed;
            return true;
        }
        var delay = schedule[Attempts - 1];
        Status = WebhookDeliveryStatus.Pending;
        NextAttemptAt = now + delay * (1 + jitter);
        return false;
    }

    /// <summary>Sends it again, with the same id and body, starting the retry schedule over.</summary>
    public void Replay(DateTimeOffset now)
    {
        if (Status == WebhookDeliveryStatus.Sending)
            throw new ConflictError("delivery_in_flight", "This delivery is being sent right now; try again in a moment.").ToException();
        Status = WebhookDeliveryStatus.Pending;
        Attempts = 0;
        NextAttemptAt = now;
        SucceededAt = null;
    }
}

/// <summary>One HTTP attempt of a delivery: how it ended, how long it took, and the start of the answer.</summary>
public sealed class WebhookAttempt : Entity, ITenantOwned, IOperationalRecord
{
    public const int MaxExcerptBytes = 1024;

    private WebhookAttempt() { }

    public WebhookAttempt(Guid tenantId, Guid deliveryId, Guid endpointId, int number, string url, DateTimeOffset at, int? statusCode, int durationMs,
        string? responseExcerpt, string? error, bool succeeded)
    {
        TenantId = tenantId;
        DeliveryId = deliveryId;
        EndpointId = endpointId;
        Number = number;
        Url = url.Length > WebhookEndpoint.MaxUrlLength ? url[..WebhookEndpoint.MaxUrlLength] : url;
        At = at;
        StatusCode = statusCode;
        DurationMs = Math.Max(0, durationMs);
        ResponseExcerpt = responseExcerpt;
        Error = error is { Length: > WebhookDelivery.MaxErrorLength } ? error[..WebhookDelivery.MaxErrorLength] : error;
        Succeeded = succeeded;
    }

    public Guid TenantId { get; private set; }
    public Guid DeliveryId { get; private set; }
    public Guid EndpointId { get; private set; }
    public int Number { get; private set; }
    public string Url { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
    public int? StatusCode { get; private set; }
    public int DurationMs { get; private set; }
    public string? ResponseExcerpt { get; private set; }
    public string? Error { get; private set; }
    public bool Succeeded { get; private set; }
}
