using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Billing;
using MPanel.Web.Features.Emails;

namespace MPanel.Web.Features.Subscriptions;

public sealed record SubscriptionRow(Guid Id, Guid CustomerId, string CustomerName, string ProductName, BillingCycle Cycle, decimal RenewalAmount,
    string Currency, SubscriptionStatus Status, DateOnly CurrentPeriodEnd, bool CancelAtPeriodEnd);

public sealed record TransitionView(SubscriptionStatus? From, SubscriptionStatus To, string Reason, string Actor, DateTimeOffset At);

public sealed record SubscriptionView(Guid Id, Guid CustomerId, string CustomerName, Guid ProductId, string ProductName, BillingCycle Cycle,
    decimal Price, decimal RecurringDiscount, decimal RenewalAmount, string Currency, IReadOnlyList<ChosenOption> Options, string? PromoCode,
    SubscriptionStatus Status, DateOnly CurrentPeriodStart, DateOnly CurrentPeriodEnd, bool CancelAtPeriodEnd, PendingPlanChange? PendingChange,
    string? SuspensionReason, Guid? OrderId, IReadOnlyList<TransitionView> Transitions, uint Version);

public sealed record PlanChangeRequest(Guid ProductId, BillingCycle Cycle);

public sealed record PlanChangeResult(PlanChangeQuote Quote, Guid? InvoiceId, bool AppliedNow);

public sealed record SubscriptionListQuery(SubscriptionStatus? Status = null, Guid? CustomerId = null);

/// <summary>The subscription life cycle as staff and customers drive it: cancel (now or at end of term), suspend,
/// unsuspend, terminate, and plan changes with a quote first.</summary>
public sealed class SubscriptionsService(TenantScopeFactory scopes, TimeProvider clock, BillingLedger ledger, IProvisioningPort provisioning,
    Hangfire.IBackgroundJobClient jobs)
{
    public async Task<Paged<SubscriptionRow>> ListAsync(PageQuery page, SubscriptionListQuery filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = from s in scope.Db.Subscriptions.AsNoTracking()
                    join c in scope.Db.Customers.AsNoTracking() on s.CustomerId equals c.Id
                    select new { s, c };
        if (filter.Status is { } status) query = query.Where(x => x.s.Status == status);
        if (filter.CustomerId is { } cid) query = query.Where(x => x.s.CustomerId == cid);
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(x => EF.Functions.ILike(x.s.ProductName, like) || EF.Functions.ILike(x.c.FirstName + " " + x.c.LastName, like) || EF.Functions.ILike(x.c.Email, like));
        }
        var total = await query.CountAsync(ct);
        query = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("product", false) => query.OrderBy(x => x.s.ProductName),
            ("product", true) => query.OrderByDescending(x => x.s.ProductName),
            ("status", false) => query.OrderBy(x => x.s.Status),
            ("status", true) => query.OrderByDescending(x => x.s.Status),
            ("currentperiodend", true) => query.OrderByDescending(x => x.s.CurrentPeriodEnd),
            ("currentperiodend", false) => query.OrderBy(x => x.s.CurrentPeriodEnd),
            _ => query.OrderByDescending(x => x.s.CreatedAt),
        };
        var rows = await query.Page(page).Select(x => new SubscriptionRow(x.s.Id, x.s.CustomerId, x.c.FirstName + " " + x.c.LastName, x.s.ProductName, x.s.Cycle,
            x.s.Price - x.s.RecurringDiscount, x.s.Currency, x.s.Status, x.s.CurrentPeriodEnd, x.s.CancelAtPeriodEnd)).ToListAsync(ct);
        return new Paged<SubscriptionRow>(rows, total);
    }

    public async Task<SubscriptionView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var s = await scope.Db.Subscriptions.AsNoTracking().Include(x => x.Transitions).FirstOrDefaultAsync(x => x.Id == id, ct)
            ?? throw new NotFoundError("Subscription", id).ToException();
        var customer = await scope.Db.Customers.AsNoTracking().FirstAsync(c => c.Id == s.CustomerId, ct);
        return new SubscriptionView(s.Id, s.CustomerId, $"{customer.FirstName} {customer.LastName}", s.ProductId, s.ProductName, s.Cycle, s.Price, s.RecurringDiscount,
            s.RenewalAmount, s.Currency, s.Options, s.PromoCode, s.Status, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.CancelAtPeriodEnd, s.PendingChange,
            s.SuspensionReason, s.OrderId, s.Transitions.OrderByDescending(t => t.At).Select(t => new TransitionView(t.From, t.To, t.Reason, t.Actor, t.At)).ToList(), s.Version);
    }

    public Task<SubscriptionView> CancelAsync(Guid id, bool atPeriodEnd, string reason, CancellationToken ct = default) =>
        ChangeAsync(id, (s, actor, now) =>
        {
            s.Cancel(atPeriodEnd, Text.Clean(reason) ?? "Cancelled", actor, now);
            return atPeriodEnd ? null : ServiceAction.Terminate;
        }, ct);

    public Task<SubscriptionView> ResumeAsync(Guid id, CancellationToken ct = default) =>
        ChangeAsync(id, (s, actor, now) => { s.ResumeRenewal(actor, now); return null; }, ct);

    public Task<SubscriptionView> SuspendAsync(Guid id, string reason, CancellationToken ct = default) =>
        ChangeAsync(id, (s, actor, now) => s.Suspend(Text.Clean(reason) ?? "Suspended by staff", actor, now) ? ServiceAction.Suspend : null, ct);

    public Task<SubscriptionView> UnsuspendAsync(Guid id, CancellationToken ct = default) =>
        ChangeAsync(id, (s, actor, now) =>
        {
            if (s.Status != SubscriptionStatus.Suspended) throw new ConflictError("not_suspended", "This subscription is not suspended.").ToException();
            return s.Activate("Unsuspended by staff", actor, now) ? ServiceAction.Unsuspend : null;
        }, ct);

    public Task<SubscriptionView> TerminateAsync(Guid id, string reason, CancellationToken ct = default) =>
        ChangeAsync(id, (s, actor, now) => s.Terminate(Text.Clean(reason) ?? "Terminated by staff", actor, now) ? ServiceAction.Terminate : null, ct);

    private async Task<SubscriptionView> ChangeAsync(Guid id, Func<Subscription, string, DateTimeOffset, ServiceAction?> change, CancellationToken ct)
    {
        ServiceAction? action;
        Guid tenantId;
        await using (var scope = scopes.Create())
        {
            var s = await scope.Db.Subscriptions.FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Subscription", id).ToException();
            action = change(s, scope.Tenant.Actor.UserName ?? "staff", clock.GetUtcNow());
            tenantId = s.TenantId;
            try
            {
                await scope.Db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new ConcurrencyError().ToException();
            }
        }
        if (action is { } a) await provisioning.RequestAsync(tenantId, id, a, "Staff action", ct);
        return await GetAsync(id, ct);
    }

    /// <summary>What a plan change would cost today, without changing anything.</summary>
    public async Task<PlanChangeQuote> QuoteAsync(Guid id, PlanChangeRequest request, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var (s, product, price, settings) = await LoadChangeAsync(scope, id, request, ct);
        return Proration.Quote(ledger.Today, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.Cycle, s.RenewalAmount, request.Cycle, price, s.Currency, settings.DowngradePolicy);
    }

    /// <summary>Confirms a plan change: an upgrade is invoiced (applied when paid, expires unpaid after N days); a downgrade
    /// follows the tenant's policy (credit now, no credit, or at renewal).</summary>
    public async Task<PlanChangeResult> ChangePlanAsync(Guid id, PlanChangeRequest request, CancellationToken ct = default)
    {
        var after = new AfterCommit();
        PlanChangeResult result;
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            var (s, product, price, settings) = await LoadChangeAsync(scope, id, request, ct);
            var now = clock.GetUtcNow();
            var actor = scope.Tenant.Actor.UserName ?? "customer";
            var quote = Proration.Quote(ledger.Today, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.Cycle, s.RenewalAmount, request.Cycle, price, s.Currency, settings.DowngradePolicy);
            Guid? invoiceId = null;
            var appliedNow = false;
            if (quote.AmountDue > 0)
            {
                var (customer, profile) = await ledger.CustomerAsync(scope, s.CustomerId, ct);
                var tax = await ledger.TaxContextAsync(scope, settings, customer, profile, ct);
                var invoice = Invoice.Create(s.TenantId, s.CustomerId, s.Currency, BillingLedger.Buyer(customer, profile), tax, ledger.Today, ledger.Today.AddDays(settings.PlanChangeExpiryDays), now);
                invoice.LinkSubscription(s.Id);
                invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.Proration, $"{product.Name}, {request.Cycle.Label().ToLowerInvariant()} ({quote.NewPeriodStart:yyyy-MM-dd} – {quote.NewPeriodEnd.AddDays(-1):yyyy-MM-dd}, {quote.DaysRemaining} of {quote.DaysInPeriod} days)",
                    1, quote.ChargeForNew, 0m, product.Id, s.Id), tax);
                if (quote.CreditForUnused > 0)
                    invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.Proration, $"Unused time on {s.ProductName} ({quote.DaysRemaining} of {quote.DaysInPeriod} days)",
                        1, -quote.CreditForUnused, 0m, s.ProductId, s.Id), tax);
                scope.Db.Invoices.Add(invoice);
                s.SchedulePlanChange(new PendingPlanChange(product.Id, product.Name, request.Cycle, price, invoice.Id, now.AddDays(settings.PlanChangeExpiryDays), false, 0m), actor, now);
                await ledger.IssueAsync(scope, settings, invoice, ct);
                await scope.Db.SaveChangesAsync(ct);
                await ledger.ApplyCreditAsync(scope, invoice, after, ct);
                invoiceId = invoice.Id;
            }
            else
            {
                s.SchedulePlanChange(new PendingPlanChange(product.Id, product.Name, request.Cycle, price, null, now.AddDays(settings.PlanChangeExpiryDays), quote.AtRenewal, quote.CreditToBalance), actor, now);
                if (!quote.AtRenewal)
                {
                    s.ApplyPlanChange(product, ledger.Today, actor, now);
                    appliedNow = true;
                    if (quote.CreditToBalance > 0)
                        scope.Db.CreditEntries.Add(new CreditEntry(s.TenantId, s.CustomerId, s.Currency, quote.CreditToBalance, CreditEntryKind.Downgrade,
                            $"Downgrade to {product.Name}: unused {quote.DaysRemaining} of {quote.DaysInPeriod} days", null, $"downgrade:{s.Id}:{now.ToUnixTimeSeconds()}", actor, now));
                    var (tid, sid) = (s.TenantId, s.Id);
                    after.Add(c => provisioning.RequestAsync(tid, sid, ServiceAction.ChangePlan, "Downgrade", c));
                }
            }
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            result = new PlanChangeResult(quote, invoiceId, appliedNow);
        }
        await after.RunAsync(ct);
        EmailDispatchJob.Trigger(jobs);
        return result;
    }

    private async Task<(Subscription, Product, decimal, BillingSettings)> LoadChangeAsync(TenantScope scope, Guid id, PlanChangeRequest request, CancellationToken ct)
    {
        var s = await scope.Db.Subscriptions.FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Subscription", id).ToException();
        var product = await scope.Db.Products.FirstOrDefaultAsync(p => p.Id == request.ProductId, ct) ?? throw ValidationError.For("productId", "Choose a product.").ToException();
        if (product.Id == s.ProductId && request.Cycle == s.Cycle) throw ValidationError.For("productId", "This is the current plan.").ToException();
        if (!request.Cycle.Renews()) throw ValidationError.For("cycle", "Choose a recurring billing cycle.").ToException();
        if (product.Visibility == ProductVisibility.Retired) throw ValidationError.For("productId", $"{product.Name} is no longer sold.").ToException();
        var price = product.PriceFor(request.Cycle, s.Currency).Amount;
        return (s, product, price, await ledger.SettingsAsync(scope, ct));
    }
}
