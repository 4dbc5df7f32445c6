using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Domain.Webhooks;
using MPanel.Infrastructure.Persistence;

namespace MPanel.Web.Features.Webhooks;

/// <summary>Writes webhook events into the outbox of the DbContext at hand, so they commit or roll back with the change
/// they report. Call before SaveChanges; without <paramref name="tenantId"/> the tenant guard stamps the current tenant.</summary>
public static class WebhookOutbox
{
    public static WebhookEvent Add(MPanelDbContext db, string type, object data, DateTimeOffset now, Guid? tenantId = null, Guid? targetEndpointId = null)
    {
        var e = new WebhookEvent(tenantId ?? Guid.Empty, type, JsonSerializer.Serialize(data, data.GetType(), JsonColumn.Options), now, targetEndpointId);
        db.WebhookOutbox.Add(e);
        return e;
    }

    /// <summary>invoice.created for the renewal invoices a set-based run just moved into place (they never pass through the
    /// change tracker): one INSERT … SELECT from its staging tables, in its transaction, and only when an enabled endpoint
    /// of the tenant listens.</summary>
    public static Task<int> AddStagedRenewalInvoicesAsync(MPanelDbContext db, Guid tenantId, DateTimeOffset now, CancellationToken ct) =>
        db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO webhook_outbox (id, tenant_id, type, payload, created_at)
            SELECT gen_random_uuid(), {tenantId}, {WebhookEvents.InvoiceCreated},
                   jsonb_build_object('id', i.id, 'number', i.number, 'status', lower(i.status), 'customerId', i.customer_id, 'orderId', i.order_id,
                                      'subscriptionId', i.subscription_id, 'total', i.total, 'amountDue', i.total - i.amount_paid, 'currency', i.currency,
                                      'issueDate', i.issue_date, 'dueDate', i.due_date),
                   {now}
            FROM stage_invoices i JOIN stage_created c ON c.id = i.id
            WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = {tenantId} AND e.enabled AND (' ' || e.events || ' ') LIKE '% invoice.created %')
            """, ct);

    /// <summary>The events a change to a tracked entity stands for (at most a couple per entity).</summary>
    internal static IEnumerable<(Guid TenantId, string Type, object Data)> EventsOf(EntityEntry entry)
    {
        switch (entry.Entity)
        {
            case Customer c when entry.State == EntityState.Added:
                yield return (c.TenantId, WebhookEvents.CustomerCreated, new { id = c.Id, firstName = c.FirstName, lastName = c.LastName, email = c.Email,
                    company = c.Company, country = c.Country, createdAt = c.CreatedAt });
                break;
            case Order o when entry.State == EntityState.Added:
                yield return (o.TenantId, WebhookEvents.OrderCreated, new { id = o.Id, reference = o.Reference, customerId = o.CustomerId,
                    status = Lower(o.Status), channel = Lower(o.Channel), total = o.Total, currency = o.Currency, invoiceId = o.InvoiceId,
                    items = o.Items.Select(i => new { productId = i.ProductId, productName = i.ProductName, cycle = Lower(i.Cycle), serviceId = i.SubscriptionId }),
                    utm = new { source = o.UtmSource, medium = o.UtmMedium, campaign = o.UtmCampaign }, createdAt = o.CreatedAt });
                break;
            case Invoice i when i.Kind == InvoiceKind.Invoice:
            {
                var was = Was<InvoiceStatus>(entry, nameof(Invoice.Status));
                var issuedNow = i.Status is InvoiceStatus.Open or InvoiceStatus.Proforma or InvoiceStatus.Paid
                                && (entry.State == EntityState.Added || was == InvoiceStatus.Draft);
                if (issuedNow) yield return (i.TenantId, WebhookEvents.InvoiceCreated, InvoiceData(i));
                if (i.Status == InvoiceStatus.Paid && (entry.State == EntityState.Added || was is { } w && w != InvoiceStatus.Paid))
                    yield return (i.TenantId, WebhookEvents.InvoicePaid, InvoiceData(i));
                break;
            }
            case Payment p when p.Status == PaymentStatus.Failed
                                && (entry.State == EntityState.Added || Was<PaymentStatus>(entry, nameof(Payment.Status)) is { } w && w != PaymentStatus.Failed):
                yield return (p.TenantId, WebhookEvents.PaymentFailed, new { id = p.Id, invoiceId = p.InvoiceId, customerId = p.CustomerId,
                    gateway = Lower(p.Gateway), amount = p.Amount, currency = p.Currency, failureCode = p.FailureCode, failureMessage = p.FailureMessage });
                break;
            case Subscription s:
            {
                var was = entry.State == EntityState.Added ? (SubscriptionStatus?)null : Was<SubscriptionStatus>(entry, nameof(Subscription.Status));
                if (entry.State is not (EntityState.Added or EntityState.Modified) || was == s.Status) break;
                var type = (was, s.Status) switch
                {
                    (null or SubscriptionStatus.Pending, SubscriptionStatus.Active) => WebhookEvents.ServiceProvisioned,
                    (SubscriptionStatus.Suspended, SubscriptionStatus.Active) => WebhookEvents.ServiceUnsuspended,
                    (_, SubscriptionStatus.Suspended) => WebhookEvents.ServiceSuspended,
                    (_, SubscriptionStatus.Terminated) => WebhookEvents.ServiceTerminated,
                    _ => null,
                };
                if (type is not null)
                    yield return (s.TenantId, type, new { id = s.Id, customerId = s.CustomerId, productId = s.ProductId, productName = s.ProductName,
                        status = Lower(s.Status), previousStatus = was is { } p ? Lower(p) : null, cycle = Lower(s.Cycle), orderId = s.OrderId,
                        currentPeriodEnd = s.CurrentPeriodEnd, suspensionReason = s.SuspensionReason });
                break;
            }
        }
    }

    private static object InvoiceData(Invoice i) => new
    {
        id = i.Id, number = i.Number, status = Lower(i.Status), customerId = i.CustomerId, orderId = i.OrderId, subscriptionId = i.SubscriptionId,
        total = i.Total, amountDue = i.Total - i.AmountPaid, currency = i.Currency, issueDate = i.IssueDate, dueDate = i.DueDate,
    };

    private static T? Was<T>(EntityEntry entry, string property) where T : struct =>
        entry.State == EntityState.Modified ? entry.Property(property).OriginalValue as T? : null;

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}

/// <summary>Wakes the dispatcher once a transaction that wrote outbox events has committed (the recurring run picks up
/// anything a lost wake-up leaves behind).</summary>
public interface IWebhookDispatchSignal
{
    void Notify();
}

/// <summary>Turns tracked changes into outbox rows inside the same SaveChanges (so inside the same transaction): a new
/// customer or order, an invoice issued or paid, a failed payment, a service provisioned, suspended, unsuspended or
/// terminated. After the commit (or after SaveChanges without an explicit transaction) it wakes the dispatcher.</summary>
public sealed class WebhookOutboxInterceptor(TimeProvider clock, IWebhookDispatchSignal signal) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, object> _pending = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        AfterSave(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        AfterSave(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => AfterCommit(eventData.Context);

    public Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        AfterCommit(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context) _pending.Remove(context);
    }

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is not MPanelDbContext db) return;
        var now = clock.GetUtcNow();
        var found = new List<(Guid TenantId, string Type, object Data)>();
        foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified).ToList())
            found.AddRange(WebhookOutbox.EventsOf(entry));
        foreach (var (tenantId, type, data) in found)
            WebhookOutbox.Add(db, type, data, now, tenantId == Guid.Empty ? null : tenantId);
    }

    private void AfterSave(DbContext? context)
    {
        if (context is not MPanelDbContext db) return;
        // Outbox rows written by this save (by this interceptor or by WebhookOutbox.Add) are Unchanged now; they were
        // detected as Added before, which this cheap check stands in for.
        var wrote = db.ChangeTracker.Entries<WebhookEvent>().Any(e => e.Entity.DispatchedAt is null && e.State == EntityState.Unchanged);
        if (!wrote) return;
        if (db.Database.CurrentTransaction is null) signal.Notify();
        else _pending.AddOrUpdate(db, this);
    }

    private void AfterCommit(DbContext? context)
    {
        if (context is not null && _pending.TryGetValue(context, out _))
        {
            _pending.Remove(context);
            signal.Notify();
        }
    }
}
