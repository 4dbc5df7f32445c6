using MPanel.Domain.Common;

namespace MPanel.Domain.Billing;

public enum SubscriptionStatus { Pending, Active, Suspended, Cancelled, Terminated }

public sealed record ChosenOption(string Code, string Name, int Quantity, decimal UnitPrice);

/// <summary>A plan change the customer has been quoted and confirmed, waiting for its invoice to be paid (or for the
/// renewal date, for a downgrade applied at renewal).</summary>
public sealed record PendingPlanChange(Guid ProductId, string ProductName, BillingCycle Cycle, decimal Price, Guid? InvoiceId,
    DateTimeOffset ExpiresAt, bool AtRenewal, decimal CreditToBalance);

/// <summary>A customer's recurring purchase of a product. The life cycle (Pending, Active, Suspended, Cancelled, Terminated)
/// lives here; every transition is recorded with who, why and when.</summary>
public sealed class Subscription : Entity, ITenantOwned, IVersioned
{
    private static readonly Dictionary<SubscriptionStatus, SubscriptionStatus[]> Allowed = new()
    {
        [SubscriptionStatus.Pending] = [SubscriptionStatus.Active, SubscriptionStatus.Cancelled],
        [SubscriptionStatus.Active] = [SubscriptionStatus.Suspended, SubscriptionStatus.Cancelled, SubscriptionStatus.Terminated],
        [SubscriptionStatus.Suspended] = [SubscriptionStatus.Active, SubscriptionStatus.Cancelled, SubscriptionStatus.Terminated],
        [SubscriptionStatus.Cancelled] = [SubscriptionStatus.Terminated],
        [SubscriptionStatus.Terminated] = [],
    };

    private readonly List<SubscriptionTransition> _transitions = [];

    private Subscription() { }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public Guid ProductId { get; private set; }
    public string ProductName { get; private set; } = "";
    public Guid? OrderId { get; private set; }
    public BillingCycle Cycle { get; private set; }
    public string Currency { get; private set; } = "";
    /// <summary>The recurring price per period including options, before any recurring discount.</summary>
    public decimal Price { get; private set; }
    public List<ChosenOption> Options { get; private set; } = [];
    /// <summary>A recurring promo's discount per period.</summary>
    public decimal RecurringDiscount { get; private set; }
    public string? PromoCode { get; private set; }
    public SubscriptionStatus Status { get; private set; }
    public DateOnly CurrentPeriodStart { get; private set; }
    /// <summary>Paid through (exclusive): the next renewal period starts here.</summary>
    public DateOnly CurrentPeriodEnd { get; private set; }
    public bool CancelAtPeriodEnd { get; private set; }
    public PendingPlanChange? PendingChange { get; private set; }
    public string? SuspensionReason { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ActivatedAt { get; private set; }
    public DateTimeOffset? SuspendedAt { get; private set; }
    public DateTimeOffset? CancelledAt { get; private set; }
    public DateTimeOffset? TerminatedAt { get; private set; }
    public uint Version { get; private set; }
    public IReadOnlyList<SubscriptionTransition> Transitions => _transitions;
    /// <summary>The service's main domain in ASCII (punycode), set from the order item.</summary>
    public string? PrimaryDomain { get; private set; }
    /// <summary>The hosting account's stable name, generated once ("u" + 8 hex digits, unique).</summary>
    public string AccountName { get; private set; } = "";
    /// <summary>Set when a provision plan first completed.</summary>
    public DateTimeOffset? ProvisionedAt { get; private set; }

    public decimal RenewalAmount => Math.Max(0, Price - RecurringDiscount);
    public bool Renews => Cycle.Renews() && Status is SubscriptionStatus.Active or SubscriptionStatus.Suspended && !CancelAtPeriodEnd;

    public static Subscription Create(Guid tenantId, Guid customerId, Product product, BillingCycle cycle, string currency, decimal price,
        IReadOnlyList<ChosenOption> options, decimal recurringDiscount, string? promoCode, Guid? orderId, DateOnly start, DateTimeOffset now)
    {
        var subscription = new Subscription
        {
            TenantId = tenantId,
            CustomerId = customerId,
            ProductId = product.Id,
            ProductName = product.Name,
            OrderId = orderId,
            Cycle = cycle,
            Currency = currency,
            Price = price,
            Options = [.. options],
            RecurringDiscount = recurringDiscount,
            PromoCode = promoCode,
            Status = SubscriptionStatus.Pending,
            CurrentPeriodStart = start,
            CurrentPeriodEnd = cycle.PeriodEnd(start),
            CreatedAt = now,
            AccountName = Provisioning.HostingNames.NewAccountName(),
        };
        subscription._transitions.Add(new SubscriptionTransition(subscription, null, SubscriptionStatus.Pending, "Ordered", "system", now));
        return subscription;
    }

    /// <summary>Sets the main domain (already normalised with <see cref="Provisioning.HostingNames.NormalizeDomain"/>).</summary>
    public void SetPrimaryDomain(string? asciiDomain) => PrimaryDomain = asciiDomain is null ? null : Provisioning.HostingNames.NormalizeDomain(asciiDomain);

    public void MarkProvisioned(DateTimeOffset now) => ProvisionedAt ??= now;

    public bool Activate(string reason, string actor, DateTimeOffset now)
    {
        if (Status == SubscriptionStatus.Active) return false;
        Move(SubscriptionStatus.Active, reason, actor, now);
        ActivatedAt ??= now;
        SuspendedAt = null;
        SuspensionReason = null;
        return true;
    }

    public bool Suspend(string reason, string actor, DateTimeOffset now)
    {
        if (Status == SubscriptionStatus.Suspended) return false;
        Move(SubscriptionStatus.Suspended, reason, actor, now);
        SuspendedAt = now;
        SuspensionReason = reason;
        return true;
    }

    /// <summary>Cancels now, or at the end of the paid term (the service keeps running until then).</summary>
    public void Cancel(bool atPeriodEnd, string reason, string actor, DateTimeOffset now)
    {
        if (atPeriodEnd && Status is SubscriptionStatus.Active or SubscriptionStatus.Suspended)
        {
            if (CancelAtPeriodEnd) return;
            CancelAtPeriodEnd = true;
            _transitions.Add(new SubscriptionTransition(this, Status, Status, $"Will cancel at end of term ({CurrentPeriodEnd:yyyy-MM-dd}): {reason}", actor, now));
            return;
        }
        if (Status == SubscriptionStatus.Cancelled) return;
        Move(SubscriptionStatus.Cancelled, reason, actor, now);
        CancelledAt = now;
        PendingChange = null;
    }

    public void ResumeRenewal(string actor, DateTimeOffset now)
    {
        if (!CancelAtPeriodEnd) return;
        CancelAtPeriodEnd = false;
        _transitions.Add(new SubscriptionTransition(this, Status, Status, "Cancellation at end of term withdrawn", actor, now));
    }

    public bool Terminate(string reason, string actor, DateTimeOffset now)
    {
        if (Status == SubscriptionStatus.Terminated) return false;
        Move(SubscriptionStatus.Terminated, reason, actor, now);
        TerminatedAt = now;
        PendingChange = null;
        return true;
    }

    /// <summary>A renewal invoice for [start, end) was paid: the subscription is paid through <paramref name="end"/>.
    /// Idempotent: an older or repeated period changes nothing.</summary>
    public bool RecordPeriodPaid(DateOnly start, DateOnly end)
    {
        if (end <= CurrentPeriodEnd) return false;
        CurrentPeriodStart = start;
        CurrentPeriodEnd = end;
        return true;
    }

    /// <summary>The period a renewal invoice made today would cover.</summary>
    public (DateOnly Start, DateOnly End) NextPeriod => (CurrentPeriodEnd, Cycle.PeriodEnd(CurrentPeriodEnd));

    public void SchedulePlanChange(PendingPlanChange change, string actor, DateTimeOffset now)
    {
        if (Status is not (SubscriptionStatus.Active or SubscriptionStatus.Suspended))
            throw new ConflictError("subscription_not_active", "Only an active subscription can change plan.").ToException();
        if (PendingChange is not null && PendingChange.ExpiresAt > now)
            throw new ConflictError("plan_change_pending", "A plan change is already waiting; pay or cancel it first.").ToException();
        PendingChange = change;
        _transitions.Add(new SubscriptionTransition(this, Status, Status,
            $"Plan change to {change.ProductName} ({change.Cycle.Label()}) {(change.AtRenewal ? "at renewal" : "requested")}", actor, now));
    }

    public void ApplyPlanChange(Product product, DateOnly today, string actor, DateTimeOffset now)
    {
        var change = PendingChange ?? throw new ConflictError("no_plan_change", "There is no plan change waiting.").ToException();
        var cycleChanged = change.Cycle != Cycle;
        _transitions.Add(new SubscriptionTransition(this, Status, Status,
            $"Plan changed from {ProductName} ({Cycle.Label()}) to {change.ProductName} ({change.Cycle.Label()})", actor, now));
        ProductId = product.Id;
        ProductName = product.Name;
        Price = change.Price;
        RecurringDiscount = 0;
        PromoCode = null;
        Options = [];
        if (cycleChanged && !change.AtRenewal)
        {
            CurrentPeriodStart = today;
            CurrentPeriodEnd = change.Cycle.PeriodEnd(today);
        }
        Cycle = change.Cycle;
        PendingChange = null;
    }

    public bool ExpirePlanChange(DateTimeOffset now)
    {
        if (PendingChange is null || PendingChange.AtRenewal || PendingChange.ExpiresAt > now) return false;
        _transitions.Add(new SubscriptionTransition(this, Status, Status, "Unpaid plan change expired", "system", now));
        PendingChange = null;
        return true;
    }

    public void CancelPlanChange(string actor, DateTimeOffset now)
    {
        if (PendingChange is null) return;
        _transitions.Add(new SubscriptionTransition(this, Status, Status, "Plan change withdrawn", actor, now));
        PendingChange = null;
    }

    private void Move(SubscriptionStatus to, string reason, string actor, DateTimeOffset now)
    {
        if (!Allowed[Status].Contains(to))
            throw new ConflictError("subscription_transition", $"A {Status.ToString().ToLowerInvariant()} subscription cannot become {to.ToString().ToLowerInvariant()}.").ToException();
        _transitions.Add(new SubscriptionTransition(this, Status, to, Text.Clean(reason) ?? to.ToString(), actor, now));
        Status = to;
    }
}

public sealed class SubscriptionTransition : Entity, ITenantOwned
{
    private SubscriptionTransition() { }

    internal SubscriptionTransition(Subscription s, SubscriptionStatus? from, SubscriptionStatus to, string reason, string actor, DateTimeOffset at)
    {
        SubscriptionId = s.Id;
        TenantId = s.TenantId;
        From = from;
        To = to;
        Reason = reason.Length > 500 ? reason[..500] : reason;
        Actor = actor;
        At = at;
    }

    public Guid TenantId { get; private set; }
    public Guid SubscriptionId { get; private set; }
    public SubscriptionStatus? From { get; private set; }
    public SubscriptionStatus To { get; private set; }
    public string Reason { get; private set; } = "";
    public string Actor { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
}
