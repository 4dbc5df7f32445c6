using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Emails;

public static class EmailTemplates
{
    public const string Invoice = "invoice";
    public const string Receipt = "receipt";
    public const string CreditNote = "credit-note";
    public const string Reminder = "reminder";
    public const string Overdue = "overdue";
    public const string SuspensionWarning = "suspension-warning";
    public const string Suspended = "suspended";
    public const string Terminated = "terminated";
    public const string PaymentFailed = "payment-failed";
    public const string ContactRequest = "contact-request";
    /// <summary>To a tenant's administrators: a webhook endpoint was disabled (related id: the endpoint).</summary>
    public const string WebhookDisabled = "webhook-disabled";

    public static readonly IReadOnlyList<string> All = [Invoice, Receipt, CreditNote, Reminder, Overdue, SuspensionWarning, Suspended, Terminated, PaymentFailed, ContactRequest, WebhookDisabled];
}

/// <summary>Queues an email in the caller's transaction: a row in the email log, deduplicated by key, picked up by
/// <see cref="EmailDispatchJob"/> once committed.</summary>
public sealed class EmailQueue(TimeProvider clock)
{
    public async Task<bool> QueueAsync(TenantScope scope, string to, string template, Guid? relatedId, string dedupKey, CancellationToken ct,
        string? argument = null)
    {
        var tenantId = scope.Tenant.TenantId ?? throw new InvalidOperationException("No tenant in scope.");
        if (scope.Db.ChangeTracker.Entries<EmailMessage>().Any(e => e.Entity.DedupKey == dedupKey)) return false;
        if (await scope.Db.EmailMessages.AnyAsync(e => e.DedupKey == dedupKey, ct)) return false;
        scope.Db.EmailMessages.Add(EmailMessage.Queue(tenantId, to, template, relatedId, dedupKey, clock.GetUtcNow(), argument));
        return true;
    }
}
