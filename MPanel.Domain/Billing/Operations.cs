using MPanel.Domain.Common;

namespace MPanel.Domain.Billing;

public enum EmailStatus { Queued, Sent, Failed, NotSent }

/// <summary>An email in the log: queued by a use case in the same transaction as its cause, rendered and sent by the
/// dispatcher job, retried with backoff. <see cref="DedupKey"/> (unique per tenant) makes reminders idempotent.</summary>
public sealed class EmailMessage : Entity, ITenantOwned, IOperationalRecord
{
    private EmailMessage() { }

    public static EmailMessage Queue(Guid tenantId, string to, string template, Guid? relatedId, string dedupKey, DateTimeOffset now,
        string? argument = null) => new()
    {
        TenantId = tenantId,
        To = to,
        Template = template,
        RelatedId = relatedId,
        DedupKey = dedupKey,
        Argument = argument,
        Status = EmailStatus.Queued,
        NextAttemptAt = now,
        CreatedAt = now,
    };

    public Guid TenantId { get; private set; }
    public string To { get; private set; } = "";
    public string Template { get; private set; } = "";
    public Guid? RelatedId { get; private set; }
    public string DedupKey { get; private set; } = "";
    /// <summary>A small template argument (e.g. the reminder's day offset).</summary>
    public string? Argument { get; private set; }
    public string? Subject { get; private set; }
    public string? HtmlBody { get; private set; }
    public string? TextBody { get; private set; }
    public EmailStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset? NextAttemptAt { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? SentAt { get; private set; }

    public const int MaxAttempts = 6;

    public void Rendered(string subject, string html, string text)
    {
        Subject = subject;
        HtmlBody = html;
        TextBody = text;
    }

    public void MarkSent(DateTimeOffset now)
    {
        Attempts++;
        Status = EmailStatus.Sent;
        SentAt = now;
        NextAttemptAt = null;
        LastError = null;
    }

    public void MarkNotSent(string why)
    {
        Status = EmailStatus.NotSent;
        NextAttemptAt = null;
        LastError = why;
    }

    /// <summary>Backoff 1, 4, 16, 64, 256 minutes; then Failed.</summary>
    public void MarkAttemptFailed(string error, DateTimeOffset now)
    {
        Attempts++;
        LastError = error.Length > 1000 ? error[..1000] : error;
        if (Attempts >= MaxAttempts)
        {
            Status = EmailStatus.Failed;
            NextAttemptAt = null;
            return;
        }
        NextAttemptAt = now.AddMinutes(Math.Pow(4, Attempts - 1));
    }

    public void Resend(DateTimeOffset now)
    {
        Status = EmailStatus.Queued;
        Attempts = 0;
        NextAttemptAt = now;
        LastError = null;
    }
}

/// <summary>One run of a billing job for a tenant, with per-task counts staff can read.</summary>
public sealed class BillingRun : Entity, ITenantOwned, IOperationalRecord
{
    private BillingRun() { }

    public static BillingRun Start(Guid tenantId, string job, DateOnly asOf, DateTimeOffset now) =>
        new() { TenantId = tenantId, Job = job, AsOf = asOf, StartedAt = now, Status = "running" };

    public Guid TenantId { get; private set; }
    public string Job { get; private set; } = "";
    public DateOnly AsOf { get; private set; }
    public string Status { get; private set; } = "";
    public Dictionary<string, int> Counts { get; private set; } = [];
    public string? Error { get; private set; }
    public DateTimeOffset StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }

    public void Count(string task, int n) => Counts[task] = Counts.GetValueOrDefault(task) + n;

    public void Finish(DateTimeOffset now, string? error = null)
    {
        Status = error is null ? "succeeded" : "failed";
        Error = error is { Length: > 2000 } ? error[..2000] : error;
        FinishedAt = now;
    }
}

/// <summary>A gateway webhook event, stored once by its id (unique) before it is handled in a background job.</summary>
public sealed class GatewayEventRecord : Entity, IGlobalEntity, IOperationalRecord
{
    private GatewayEventRecord() { }

    public GatewayEventRecord(string gateway, GatewayEvent e, string payload, DateTimeOffset now)
    {
        Gateway = gateway;
        EventId = e.Id;
        Type = e.Type;
        ObjectId = e.ObjectId;
        Payload = payload;
        ReceivedAt = now;
    }

    public string Gateway { get; private set; } = "";
    public string EventId { get; private set; } = "";
    public string Type { get; private set; } = "";
    public string ObjectId { get; private set; } = "";
    public string Payload { get; private set; } = "";
    public Guid? TenantId { get; private set; }
    public DateTimeOffset ReceivedAt { get; private set; }
    public DateTimeOffset? ProcessedAt { get; private set; }
    public int Attempts { get; private set; }
    public string? Outcome { get; private set; }

    public void Processed(Guid? tenantId, string outcome, DateTimeOffset now)
    {
        TenantId = tenantId;
        Attempts++;
        Outcome = outcome.Length > 500 ? outcome[..500] : outcome;
        ProcessedAt = now;
    }
}

public enum ServiceAction { Provision, Suspend, Unsuspend, Terminate, ChangePlan }

/// <summary>The billing side's door to provisioning: a subscription's state is decided here; what happens on the servers
/// is the provisioning engine's business.</summary>
public interface IProvisioningPort
{
    Task RequestAsync(Guid tenantId, Guid subscriptionId, ServiceAction action, string reason, CancellationToken ct = default);
}
