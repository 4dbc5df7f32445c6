using System.Threading.RateLimiting;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Emails;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Payments;

namespace MPanel.Web.Features.Billing;

/// <summary>The billing day of one tenant, run daily by a recurring job with a stable id (and on demand by staff). Every
/// step is idempotent: orders and plan changes expire once, renewals have a unique key per period, charge attempts a
/// unique key per attempt, and every email a dedup key — so running it twice, or after a crash, changes nothing twice.</summary>
public sealed class BillingDayJob(IServiceScopeFactory services, TimeProvider clock, ILogger<BillingDayJob> logger)
{
    public const string Job = "billing-day";
    public static string RecurringId(string tenantSlug) => $"billing-day:{tenantSlug}";

    /// <summary>Stripe allows 25 requests per second per endpoint; stay under it.</summary>
    private static readonly TokenBucketRateLimiterOptions ChargeRate = new()
    {
        TokenLimit = 20, TokensPerPeriod = 20, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = int.MaxValue, AutoReplenishment = true,
    };

    [Queue("billing")]
    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(600)]
    public async Task<Guid> RunAsync(Guid tenantId, CancellationToken ct)
    {
        await using var root = services.CreateAsyncScope();
        root.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, Job);
        var scopes = root.ServiceProvider.GetRequiredService<TenantScopeFactory>();
        var ledger = root.ServiceProvider.GetRequiredService<BillingLedger>();
        var today = ledger.Today;
        var run = BillingRun.Start(tenantId, Job, today, clock.GetUtcNow());
        await using (var scope = scopes.Create())
        {
            scope.Db.BillingRuns.Add(run);
            await scope.Db.SaveChangesAsync(ct);
        }
        string? error = null;
        try
        {
            await StepAsync("ordersCancelled", () => CancelUnpaidOrdersAsync(root.ServiceProvider, scopes, ledger, today, ct));
            await StepAsync("planChangesExpired", () => ExpirePlanChangesAsync(scopes, ledger, ct));
            await StepAsync("cancelledAtTermEnd", () => EndTermsAsync(root.ServiceProvider, scopes, today, ct));
            await StepAsync("renewalInvoices", async () =>
            {
                await using var scope = scopes.Create();
                await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
                var n = await root.ServiceProvider.GetRequiredService<RenewalInvoicer>().RunAsync(scope, today, ct);
                await tx.CommitAsync(ct);
                return n;
            });
            await StepAsync("creditApplied", () => ApplyCreditAsync(scopes, ledger, ct));
            await ChargeCardsAsync(root.ServiceProvider, scopes, ledger, today, run, ct);
            await DunningAsync(root.ServiceProvider, scopes, ledger, today, run, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex.Message;
            logger.LogError(ex, "Billing day for tenant {TenantId} failed", tenantId);
        }
        await using (var scope = scopes.Create())
        {
            scope.Db.BillingRuns.Attach(run);
            run.Finish(clock.GetUtcNow(), error);
            scope.Db.Entry(run).Property(r => r.Counts).IsModified = true;
            await scope.Db.SaveChangesAsync(ct);
        }
        EmailDispatchJob.Trigger(root.ServiceProvider.GetRequiredService<IBackgroundJobClient>());
        if (error is not null) throw new InvalidOperationException($"Billing day failed: {error}");
        return run.Id;

        async Task StepAsync(string task, Func<Task<int>> step) => run.Count(task, await step());
    }

    private async Task<int> CancelUnpaidOrdersAsync(IServiceProvider sp, TenantScopeFactory scopes, BillingLedger ledger, DateOnly today, CancellationToken ct)
    {
        List<Guid> ids;
        await using (var scope = scopes.Create())
        {
            var settings = await ledger.SettingsAsync(scope, ct);
            var cutoff = clock.GetUtcNow().AddDays(-settings.CancelUnpaidOrdersAfterDays);
            ids = await scope.Db.Orders.Where(o => o.Status == OrderStatus.PendingPayment && o.CreatedAt < cutoff
                    && !scope.Db.Invoices.Any(i => i.Id == o.InvoiceId && i.AmountPaid > 0))
                .Select(o => o.Id).ToListAsync(ct);
        }
        var orders = sp.GetRequiredService<OrdersService>();
        var n = 0;
        foreach (var id in ids)
        {
            await using var scope = scopes.Create();
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            if (await orders.CancelInScopeAsync(scope, id, "Unpaid: cancelled automatically", ct)) n++;
            await tx.CommitAsync(ct);
        }
        return n;
    }

    private async Task<int> ExpirePlanChangesAsync(TenantScopeFactory scopes, BillingLedger ledger, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var now = clock.GetUtcNow();
        var subs = await scope.Db.Subscriptions.Where(s => s.PendingChange != null).ToListAsync(ct);
        var n = 0;
        foreach (var s in subs)
        {
            var invoiceId = s.PendingChange!.InvoiceId;
            if (!s.ExpirePlanChange(now)) continue;
            n++;
            if (invoiceId is { } iid && await scope.Db.Invoices.FirstOrDefaultAsync(i => i.Id == iid, ct) is { AmountPaid: 0, Status: InvoiceStatus.Open or InvoiceStatus.Proforma } invoice)
                invoice.Void("Plan change expired unpaid", now);
        }
        await scope.Db.SaveChangesAsync(ct);
        return n;
    }

    private async Task<int> EndTermsAsync(IServiceProvider sp, TenantScopeFactory scopes, DateOnly today, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var now = clock.GetUtcNow();
        var subs = await scope.Db.Subscriptions.Where(s => s.CancelAtPeriodEnd && s.CurrentPeriodEnd <= today
            && (s.Status == SubscriptionStatus.Active || s.Status == SubscriptionStatus.Suspended)).ToListAsync(ct);
        foreach (var s in subs) s.Cancel(false, "End of term", "billing", now);
        await scope.Db.SaveChangesAsync(ct);
        var port = sp.GetRequiredService<IProvisioningPort>();
        foreach (var s in subs) await port.RequestAsync(s.TenantId, s.Id, ServiceAction.Terminate, "Cancelled at end of term", ct);
        return subs.Count;
    }

    private static async Task<int> ApplyCreditAsync(TenantScopeFactory scopes, BillingLedger ledger, CancellationToken ct)
    {
        List<Guid> ids;
        await using (var scope = scopes.Create())
        {
            var withCredit = scope.Db.CreditEntries.GroupBy(c => new { c.CustomerId, c.Currency }).Where(g => g.Sum(x => x.Amount) > 0).Select(g => g.Key);
            ids = await scope.Db.Invoices.Where(i => i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Open || i.Status == InvoiceStatus.Proforma)
                    && withCredit.Any(k => k.CustomerId == i.CustomerId && k.Currency == i.Currency))
                .OrderBy(i => i.DueDate).Select(i => i.Id).ToListAsync(ct);
        }
        var n = 0;
        foreach (var id in ids)
        {
            var after = new AfterCommit();
            await using (var scope = scopes.Create())
            {
                await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
                await BillingLedger.LockInvoiceAsync(scope, id, ct);
                var invoice = await scope.Db.Invoices.Include(i => i.Lines).FirstAsync(i => i.Id == id, ct);
                if (await ledger.ApplyCreditAsync(scope, invoice, after, ct) > 0) n++;
                await scope.Db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            await after.RunAsync(ct);
        }
        return n;
    }

    /// <summary>Saved cards are charged at the charge offset (default one day before due) and retried on the retry days
    /// after due. Attempt k has the idempotency key charge:{invoice}:{k}: each is made at most once, ever.</summary>
    private async Task ChargeCardsAsync(IServiceProvider sp, TenantScopeFactory scopes, BillingLedger ledger, DateOnly today, BillingRun run, CancellationToken ct)
    {
        var gateway = sp.GetRequiredService<IPaymentGateway>();
        if (!gateway.IsConfigured) return;
        List<(Guid Id, Guid TenantId, string Key)> due = [];
        await using (var scope = scopes.Create())
        {
            var settings = await ledger.SettingsAsync(scope, ct);
            var schedule = new List<int> { settings.ChargeOffsetDays }.Concat(settings.ChargeRetryDays).ToList();
            var earliest = today.AddDays(-schedule.Max());
            var latest = today.AddDays(-settings.ChargeOffsetDays);
            var candidates = await scope.Db.Invoices.AsNoTracking()
                .Where(i => i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Open || i.Status == InvoiceStatus.Proforma)
                            && i.DueDate >= earliest && i.DueDate <= latest && scope.Db.SavedCards.Any(c => c.CustomerId == i.CustomerId))
                .Select(i => new { i.Id, i.TenantId, i.DueDate }).ToListAsync(ct);
            foreach (var c in candidates)
            {
                var offset = today.DayNumber - c.DueDate.DayNumber;
                var attempt = schedule.FindLastIndex(d => d <= offset);
                if (attempt < 0) continue;
                due.Add((c.Id, c.TenantId, $"charge:{c.Id}:{attempt}"));
            }
            var keys = due.Select(d => d.Key).ToList();
            var done = await scope.Db.Payments.Where(p => keys.Contains(p.IdempotencyKey) && p.Status != PaymentStatus.Pending).Select(p => p.IdempotencyKey).ToListAsync(ct);
            due = due.Where(d => !done.Contains(d.Key)).ToList();
        }
        var payments = sp.GetRequiredService<PaymentsService>();
        using var limiter = new TokenBucketRateLimiter(ChargeRate);
        foreach (var (id, tenantId, key) in due)
        {
            using var lease = await limiter.AcquireAsync(1, ct);
            try
            {
                var outcome = await payments.ChargeAsync(tenantId, id, key, ct);
                run.Count(outcome.Succeeded ? "cardsCharged" : "chargesFailed", 1);
            }
            catch (Domain.Common.DomainException ex)
            {
                run.Count("chargesSkipped", 1);
                logger.LogInformation("Charge of invoice {InvoiceId} skipped: {Reason}", id, ex.Message);
            }
        }
    }

    private async Task DunningAsync(IServiceProvider sp, TenantScopeFactory scopes, BillingLedger ledger, DateOnly today, BillingRun run, CancellationToken ct)
    {
        var emails = sp.GetRequiredService<EmailQueue>();
        var port = sp.GetRequiredService<IProvisioningPort>();
        var requests = new List<(Guid Tenant, Guid Sub, ServiceAction Action, string Reason)>();
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            var settings = await ledger.SettingsAsync(scope, ct);
            var now = clock.GetUtcNow();
            var firstReminder = settings.ReminderDays.DefaultIfEmpty(0).Min();
            var horizon = today.AddDays(-firstReminder);
            var invoices = await scope.Db.Invoices.Include(i => i.Lines)
                .Where(i => i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Open || i.Status == InvoiceStatus.Proforma) && i.DueDate <= horizon)
                .ToListAsync(ct);
            var subIds = invoices.Where(i => i.SubscriptionId != null).Select(i => i.SubscriptionId!.Value).ToList();
            var orderIds = invoices.Where(i => i.OrderId != null).Select(i => i.OrderId!.Value).ToList();
            var subs = await scope.Db.Subscriptions.Where(s => subIds.Contains(s.Id) || (s.OrderId != null && orderIds.Contains(s.OrderId.Value))).ToListAsync(ct);
            var products = await scope.Db.Products.AsNoTracking().ToDictionaryAsync(p => p.Id, ct);
            var rules = await scope.Db.TaxRules.AsNoTracking().ToListAsync(ct);
            foreach (var invoice in invoices)
            {
                var days = today.DayNumber - invoice.DueDate.DayNumber;
                var to = invoice.Buyer.Email;
                // A reminder goes on its day, or the day after if a run was missed; a late one is never sent once it is stale.
                foreach (var r in settings.ReminderDays.Where(r => r <= days && days - r < 2).TakeLast(1))
                    if (await emails.QueueAsync(scope, to, EmailTemplates.Reminder, invoice.Id, $"reminder:{invoice.Id}:{r}", ct, r.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                        run.Count("reminders", 1);
                if (days >= settings.OverdueNoticeDays && await emails.QueueAsync(scope, to, EmailTemplates.Overdue, invoice.Id, $"overdue:{invoice.Id}", ct))
                    run.Count("overdueNotices", 1);
                if (days >= settings.LateFeeAfterDays && !invoice.LateFeeApplied && invoice.Status == InvoiceStatus.Open
                    && (settings.LateFeePercent is not null || settings.LateFeeFixed is not null))
                {
                    var fee = settings.LateFeeFixed is { } fixedFee ? settings.ConvertFromBase(fixedFee, invoice.Currency) : decimal.Round(invoice.AmountDue * settings.LateFeePercent!.Value / 100m, 2);
                    var tax = new TaxContext(settings.SellerCountry, invoice.Buyer.Country, null, invoice.Buyer.VatId, false, rules.Where(x => x.Country == invoice.Buyer.Country).ToList(), settings.PricesIncludeTax);
                    invoice.AddLateFee($"Late payment fee ({days} days overdue)", fee, tax);
                    run.Count("lateFees", 1);
                }
                var invoiceSubs = subs.Where(s => s.Id == invoice.SubscriptionId || (invoice.OrderId != null && s.OrderId == invoice.OrderId)).ToList();
                foreach (var s in invoiceSubs)
                {
                    var product = products.GetValueOrDefault(s.ProductId);
                    var suspendAt = settings.SuspendDaysFor(product);
                    var terminateAt = settings.TerminateDaysFor(product);
                    var warnAt = Math.Min(settings.SuspensionWarningDays, suspendAt);
                    if (s.Status == SubscriptionStatus.Active && days >= warnAt && days < suspendAt
                        && await emails.QueueAsync(scope, to, EmailTemplates.SuspensionWarning, invoice.Id, $"suspension-warning:{invoice.Id}:{s.Id}", ct))
                        run.Count("suspensionWarnings", 1);
                    if (s.Status == SubscriptionStatus.Active && days >= suspendAt && days < terminateAt)
                    {
                        s.Suspend($"Invoice {invoice.Number ?? "(proforma)"} unpaid {days} days", "billing", now);
                        await emails.QueueAsync(scope, to, EmailTemplates.Suspended, invoice.Id, $"suspended:{invoice.Id}:{s.Id}", ct);
                        requests.Add((s.TenantId, s.Id, ServiceAction.Suspend, "Unpaid invoice"));
                        run.Count("suspended", 1);
                    }
                    if (s.Status is SubscriptionStatus.Active or SubscriptionStatus.Suspended && days >= terminateAt)
                    {
                        s.Terminate($"Invoice {invoice.Number ?? "(proforma)"} unpaid {days} days", "billing", now);
                        await emails.QueueAsync(scope, to, EmailTemplates.Terminated, invoice.Id, $"terminated:{invoice.Id}:{s.Id}", ct);
                        requests.Add((s.TenantId, s.Id, ServiceAction.Terminate, "Unpaid invoice"));
                        run.Count("terminated", 1);
                    }
                }
            }
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        foreach (var r in requests) await port.RequestAsync(r.Tenant, r.Sub, r.Action, r.Reason, ct);
    }
}

/// <summary>The recurring jobs of billing: one billing day per tenant (stable id per slug) and the email dispatcher.</summary>
public static class BillingSchedule
{
    public static void Register(IRecurringJobManager recurring, IEnumerable<(Guid Id, string Slug)> tenants, string cron)
    {
        foreach (var (id, slug) in tenants) RegisterTenant(recurring, id, slug, cron);
        recurring.AddOrUpdate<EmailDispatchJob>(EmailDispatchJob.RecurringId, "default", j => j.RunAsync(CancellationToken.None), Cron.Minutely());
    }

    public static void RegisterTenant(IRecurringJobManager recurring, Guid tenantId, string slug, string cron = "0 2 * * *") =>
        recurring.AddOrUpdate<BillingDayJob>(BillingDayJob.RecurringId(slug), "billing", j => j.RunAsync(tenantId, CancellationToken.None), cron);
}
