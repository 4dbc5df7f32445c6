using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Emails;

namespace MPanel.Web.Features.Billing;

public sealed record BillingRunView(Guid Id, string Job, DateOnly AsOf, string Status, IReadOnlyDictionary<string, int> Counts, string? Error,
    DateTimeOffset StartedAt, DateTimeOffset? FinishedAt);

public sealed record EmailRow(Guid Id, string To, string Template, string? Subject, EmailStatus Status, int Attempts, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? SentAt, Guid? RelatedId);

public sealed record EmailView(EmailRow Row, string? HtmlBody, string? TextBody);

/// <summary>The tenant's recurring billing-day job as Hangfire holds it; <see cref="Registered"/> is false when it is missing.</summary>
public sealed record BillingScheduleView(string RecurringJobId, string? Cron, string? TimeZone, DateTimeOffset? NextRun, DateTimeOffset? LastRun, bool Registered);

public sealed record RevenueFigure(string Currency, decimal Amount);

/// <summary>The money tiles of the dashboard, from real rows: MRR of active subscriptions normalised per month, revenue
/// received this month and last, receivables past due, and card payments that failed in the last 30 days.</summary>
public sealed record BillingStats(IReadOnlyList<RevenueFigure> Mrr, IReadOnlyList<RevenueFigure> RevenueThisMonth, IReadOnlyList<RevenueFigure> RevenueLastMonth,
    IReadOnlyList<RevenueFigure> Overdue, int OverdueInvoices, int FailedPayments30Days);

/// <summary>What staff watch of the billing machinery: job runs with their counts, the email log, and the money figures.</summary>
public sealed class BillingOperationsService(TenantScopeFactory scopes, TimeProvider clock, IBackgroundJobClient jobs, BillingLedger ledger,
    CurrentTenant current)
{
    public async Task<Paged<BillingRunView>> RunsAsync(PageQuery page, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.BillingRuns.AsNoTracking();
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(r => r.StartedAt).Page(page).ToListAsync(ct);
        return new Paged<BillingRunView>(rows.Select(r => new BillingRunView(r.Id, r.Job, r.AsOf, r.Status, r.Counts, r.Error, r.StartedAt, r.FinishedAt)).ToList(), total);
    }

    /// <summary>Queues the billing day for the current tenant now (the same job the daily schedule runs).</summary>
    public string RunBillingDayNow()
    {
        var tenantId = CurrentTenantId();
        return jobs.Enqueue<BillingDayJob>(j => j.RunAsync(tenantId, CancellationToken.None));
    }

    /// <summary>When the current tenant's billing day runs: its recurring job id, schedule and next run, read from Hangfire.</summary>
    public async Task<BillingScheduleView> ScheduleAsync(CancellationToken ct = default)
    {
        var tenantId = CurrentTenantId();
        string slug;
        await using (var scope = scopes.Create())
            slug = await scope.Db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.Slug).FirstAsync(ct);
        var id = BillingDayJob.RecurringId(slug);
        using var connection = JobStorage.Current.GetConnection();
        var job = connection.GetRecurringJobs([id]).FirstOrDefault();
        if (job is null || job.Removed) return new BillingScheduleView(id, null, null, null, null, false);
        static DateTimeOffset? Utc(DateTime? at) => at is { } d ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : null;
        return new BillingScheduleView(id, job.Cron, job.TimeZoneId, Utc(job.NextExecution), Utc(job.LastExecution), true);
    }

    public async Task<Paged<EmailRow>> EmailsAsync(PageQuery page, EmailStatus? status, string? template, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.EmailMessages.AsNoTracking();
        if (status is { } s) query = query.Where(e => e.Status == s);
        if (Text.Clean(template) is { } t) query = query.Where(e => e.Template == t);
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(e => EF.Functions.ILike(e.To, like) || (e.Subject != null && EF.Functions.ILike(e.Subject, like)));
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Page(page)
            .Select(e => new EmailRow(e.Id, e.To, e.Template, e.Subject, e.Status, e.Attempts, e.LastError, e.CreatedAt, e.SentAt, e.RelatedId))
            .ToListAsync(ct);
        return new Paged<EmailRow>(rows, total);
    }

    public async Task<EmailView> EmailAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var e = await scope.Db.EmailMessages.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Email", id).ToException();
        return new EmailView(new EmailRow(e.Id, e.To, e.Template, e.Subject, e.Status, e.Attempts, e.LastError, e.CreatedAt, e.SentAt, e.RelatedId), e.HtmlBody, e.TextBody);
    }

    /// <summary>Puts a failed or unsent email back in the queue.</summary>
    public async Task RetryEmailAsync(Guid id, CancellationToken ct = default)
    {
        await using (var scope = scopes.Create())
        {
            var e = await scope.Db.EmailMessages.FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Email", id).ToException();
            if (e.Status == EmailStatus.Sent) throw new ConflictError("email_sent", "This email was sent; use Resend on the invoice to send it again.").ToException();
            e.Resend(clock.GetUtcNow());
            await scope.Db.SaveChangesAsync(ct);
        }
        EmailDispatchJob.Trigger(jobs);
    }

    public async Task<BillingStats> StatsAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var db = scope.Db;
        var now = clock.GetUtcNow();
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var lastMonthStart = monthStart.AddMonths(-1);
        var today = ledger.Today;
        var active = await db.Subscriptions.AsNoTracking().Where(s => s.Status == SubscriptionStatus.Active && s.Cycle != BillingCycle.OneTime)
            .GroupBy(s => new { s.Currency, s.Cycle }).Select(g => new { g.Key.Currency, g.Key.Cycle, Sum = g.Sum(s => s.Price - s.RecurringDiscount) }).ToListAsync(ct);
        var mrr = active.GroupBy(a => a.Currency).Select(g => new RevenueFigure(g.Key, decimal.Round(g.Sum(a => a.Sum / a.Cycle.Months()), 2))).OrderBy(f => f.Currency).ToList();
        async Task<List<RevenueFigure>> RevenueAsync(DateTimeOffset from, DateTimeOffset to) =>
            (await db.Payments.AsNoTracking().Where(p => p.Status == PaymentStatus.Succeeded && p.Gateway != PaymentGatewayKind.Credit && p.CompletedAt >= from && p.CompletedAt < to)
                .GroupBy(p => p.Currency).Select(g => new { g.Key, Sum = g.Sum(p => p.Amount - p.AmountRefunded) }).ToListAsync(ct))
            .Select(x => new RevenueFigure(x.Key, x.Sum)).OrderBy(f => f.Currency).ToList();
        var overdueQuery = db.Invoices.AsNoTracking().Where(i => i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Open || i.Status == InvoiceStatus.Proforma) && i.DueDate < today);
        var overdue = (await overdueQuery.GroupBy(i => i.Currency).Select(g => new { g.Key, Sum = g.Sum(i => i.Total - i.AmountPaid) }).ToListAsync(ct))
            .Select(x => new RevenueFigure(x.Key, x.Sum)).OrderBy(f => f.Currency).ToList();
        var since = now.AddDays(-30);
        return new BillingStats(mrr, await RevenueAsync(monthStart, now.AddSeconds(1)), await RevenueAsync(lastMonthStart, monthStart), overdue,
            await overdueQuery.CountAsync(ct), await db.Payments.CountAsync(p => p.Status == PaymentStatus.Failed && p.CreatedAt >= since, ct));
    }

    private Guid CurrentTenantId() => current.TenantId ?? throw new ForbiddenError("No tenant is selected.").ToException();
}
