using MPanel.Domain.Billing;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class SubscriptionTests
{
    private static readonly DateOnly Start = new(2026, 1, 31);

    private static Subscription Pending(BillingCycle cycle = BillingCycle.Monthly) =>
        Subscription.Create(TenantId, CustomerId, NewProduct(), cycle, "EUR", 9.99m, [], 0m, null, null, Start, Now);

    private static Subscription Active(BillingCycle cycle = BillingCycle.Monthly)
    {
        var s = Pending(cycle);
        s.Activate("First invoice paid", "billing", Now);
        return s;
    }

    private static PendingPlanChange Change(DateTimeOffset expiresAt, bool atRenewal = false, BillingCycle cycle = BillingCycle.Monthly) =>
        new(Guid.CreateVersion7(), "Pro hosting", cycle, 19.99m, Guid.CreateVersion7(), expiresAt, atRenewal, 0m);

    [Fact]
    public void Create_IsPendingForTheFirstPeriodAndRecordsTheOrder()
    {
        var s = Pending();
        Assert.Equal(SubscriptionStatus.Pending, s.Status);
        Assert.Equal((Start, new DateOnly(2026, 2, 28)), (s.CurrentPeriodStart, s.CurrentPeriodEnd));
        var t = Assert.Single(s.Transitions);
        Assert.Equal(((SubscriptionStatus?)null, SubscriptionStatus.Pending, "Ordered", "system", Now), (t.From, t.To, t.Reason, t.Actor, t.At));
        Assert.Equal(s.Id, t.SubscriptionId);
        Assert.Equal(TenantId, t.TenantId);
    }

    [Fact]
    public void EveryTransition_IsRecordedWithActorReasonAndTime()
    {
        var s = Pending();
        var t1 = Now.AddMinutes(1);
        var t2 = Now.AddDays(10);
        var t3 = Now.AddDays(11);
        var t4 = Now.AddDays(40);
        s.Activate("First invoice paid", "billing", t1);
        s.Suspend("Invoice INV-2026-000009 overdue", "dunning", t2);
        s.Activate("Paid", "staff:alice", t3);
        s.Terminate("Customer left", "staff:bob", t4);

        (SubscriptionStatus?, SubscriptionStatus, string, string, DateTimeOffset)[] expected =
            [
                (null, SubscriptionStatus.Pending, "Ordered", "system", Now),
                (SubscriptionStatus.Pending, SubscriptionStatus.Active, "First invoice paid", "billing", t1),
                (SubscriptionStatus.Active, SubscriptionStatus.Suspended, "Invoice INV-2026-000009 overdue", "dunning", t2),
                (SubscriptionStatus.Suspended, SubscriptionStatus.Active, "Paid", "staff:alice", t3),
                (SubscriptionStatus.Active, SubscriptionStatus.Terminated, "Customer left", "staff:bob", t4),
            ];
        Assert.Equal(expected, s.Transitions.Select(t => (t.From, t.To, t.Reason, t.Actor, t.At)));
        Assert.Equal((t1, t4), (s.ActivatedAt, s.TerminatedAt));
        Assert.Null(s.SuspendedAt); // cleared on reactivation
    }

    [Fact]
    public void Suspend_RemembersWhyAndWhen_ActivateClearsIt()
    {
        var s = Active();
        Assert.True(s.Suspend("Overdue", "dunning", Now));
        Assert.Equal(("Overdue", Now), (s.SuspensionReason, s.SuspendedAt));
        Assert.True(s.Activate("Paid", "billing", Now));
        Assert.Null(s.SuspensionReason);
    }

    [Fact]
    public void Transition_WithBlankReason_RecordsTheNewStatus()
    {
        var s = Active();
        s.Suspend("  ", "dunning", Now);
        Assert.Equal("Suspended", s.Transitions[^1].Reason);
    }

    [Fact]
    public void RepeatedTransition_IsANoOp()
    {
        var s = Active();
        Assert.False(s.Activate("again", "billing", Now));
        s.Suspend("Overdue", "dunning", Now);
        Assert.False(s.Suspend("Overdue", "dunning", Now));
        s.Terminate("Gone", "staff", Now);
        Assert.False(s.Terminate("Gone", "staff", Now));
        Assert.Equal(4, s.Transitions.Count); // Ordered, Active, Suspended, Terminated
    }

    [Fact]
    public void Terminated_CannotBecomeActiveAgain()
    {
        var s = Active();
        s.Terminate("Abuse", "staff", Now);
        var count = s.Transitions.Count;
        Assert.Equal("subscription_transition", ConflictCode(() => s.Activate("Oops", "staff", Now)));
        Assert.Equal("subscription_transition", ConflictCode(() => s.Suspend("Oops", "staff", Now)));
        Assert.Equal("subscription_transition", ConflictCode(() => s.Cancel(false, "Oops", "staff", Now)));
        Assert.Equal(SubscriptionStatus.Terminated, s.Status);
        Assert.Equal(count, s.Transitions.Count);
    }

    [Fact]
    public void Pending_CannotBeSuspended()
    {
        var s = Pending();
        Assert.Equal("subscription_transition", ConflictCode(() => s.Suspend("Overdue", "dunning", Now)));
        Assert.Equal(SubscriptionStatus.Pending, s.Status);
    }

    [Fact]
    public void Cancelled_CanOnlyBeTerminated()
    {
        var s = Active();
        s.Cancel(false, "Too expensive", "customer", Now);
        Assert.Equal("subscription_transition", ConflictCode(() => s.Activate("Back", "staff", Now)));
        Assert.Equal("subscription_transition", ConflictCode(() => s.Suspend("Overdue", "dunning", Now)));
        Assert.True(s.Terminate("End of term", "system", Now));
        Assert.Equal(SubscriptionStatus.Terminated, s.Status);
    }

    [Fact]
    public void Pending_CanBeCancelled()
    {
        var s = Pending();
        s.Cancel(false, "Unpaid order", "system", Now);
        Assert.Equal((SubscriptionStatus.Cancelled, Now), (s.Status, s.CancelledAt));
    }

    [Fact]
    public void CancelAtPeriodEnd_KeepsItActiveButStopsRenewal()
    {
        var s = Active();
        Assert.True(s.Renews);
        s.Cancel(true, "Moving host", "customer", Now);
        Assert.Equal(SubscriptionStatus.Active, s.Status);
        Assert.True(s.CancelAtPeriodEnd);
        Assert.False(s.Renews);
        Assert.Null(s.CancelledAt);
        var t = s.Transitions[^1];
        Assert.Equal((SubscriptionStatus.Active, SubscriptionStatus.Active, "customer"), (t.From, t.To, t.Actor));
        Assert.Equal("Will cancel at end of term (2026-02-28): Moving host", t.Reason);

        s.Cancel(true, "Moving host", "customer", Now); // already scheduled: nothing new
        Assert.Equal(3, s.Transitions.Count);

        s.ResumeRenewal("customer", Now);
        Assert.True(s.Renews);
        Assert.Equal("Cancellation at end of term withdrawn", s.Transitions[^1].Reason);
    }

    [Fact]
    public void CancelNow_EndsRenewalAndDropsAPendingChange()
    {
        var s = Active();
        s.SchedulePlanChange(Change(Now.AddDays(3)), "customer", Now);
        s.Cancel(false, "Closing business", "customer", Now);
        Assert.Equal(SubscriptionStatus.Cancelled, s.Status);
        Assert.False(s.Renews);
        Assert.Null(s.PendingChange);
    }

    [Fact]
    public void Renews_OnlyWhileActiveOrSuspendedOnARecurringCycle()
    {
        Assert.False(Pending().Renews);
        var s = Active();
        s.Suspend("Overdue", "dunning", Now);
        Assert.True(s.Renews);
        Assert.False(Active(BillingCycle.OneTime).Renews);
    }

    [Fact]
    public void RecordPeriodPaid_AdvancesOnce_AndIgnoresTheSameOrAnOlderPeriod()
    {
        var s = Active();
        var (start, end) = s.NextPeriod;
        Assert.Equal((new DateOnly(2026, 2, 28), new DateOnly(2026, 3, 28)), (start, end));

        Assert.True(s.RecordPeriodPaid(start, end));
        Assert.False(s.RecordPeriodPaid(start, end));                                     // same webhook twice
        Assert.False(s.RecordPeriodPaid(new DateOnly(2026, 1, 31), new DateOnly(2026, 2, 28))); // older period
        Assert.Equal((start, end), (s.CurrentPeriodStart, s.CurrentPeriodEnd));
    }

    [Fact]
    public void SchedulePlanChange_IsRefusedWhileAnotherIsPending()
    {
        var s = Active();
        var first = Change(Now.AddDays(3));
        s.SchedulePlanChange(first, "customer", Now);
        Assert.Equal("Plan change to Pro hosting (Monthly) requested", s.Transitions[^1].Reason);

        Assert.Equal("plan_change_pending", ConflictCode(() => s.SchedulePlanChange(Change(Now.AddDays(3)), "customer", Now.AddDays(1))));
        Assert.Same(first, s.PendingChange);
    }

    [Fact]
    public void SchedulePlanChange_AfterThePendingOneExpired_ReplacesIt()
    {
        var s = Active();
        s.SchedulePlanChange(Change(Now.AddDays(3)), "customer", Now);
        var second = Change(Now.AddDays(6));
        s.SchedulePlanChange(second, "customer", Now.AddDays(3));
        Assert.Same(second, s.PendingChange);
    }

    [Fact]
    public void SchedulePlanChange_OnAPendingSubscription_IsRefused() =>
        Assert.Equal("subscription_not_active", ConflictCode(() => Pending().SchedulePlanChange(Change(Now.AddDays(3)), "customer", Now)));

    [Fact]
    public void ExpirePlanChange_OnlyAfterItsExpiry()
    {
        var s = Active();
        s.SchedulePlanChange(Change(Now.AddDays(3)), "customer", Now);

        Assert.False(s.ExpirePlanChange(Now.AddDays(3).AddTicks(-1)));
        Assert.NotNull(s.PendingChange);

        Assert.True(s.ExpirePlanChange(Now.AddDays(3)));
        Assert.Null(s.PendingChange);
        var t = s.Transitions[^1];
        Assert.Equal(("Unpaid plan change expired", "system", Now.AddDays(3)), (t.Reason, t.Actor, t.At));
        Assert.False(s.ExpirePlanChange(Now.AddDays(4))); // nothing left to expire
    }

    [Fact]
    public void ExpirePlanChange_LeavesAChangeAtRenewal()
    {
        var s = Active();
        s.SchedulePlanChange(Change(Now.AddDays(3), atRenewal: true), "customer", Now);
        Assert.False(s.ExpirePlanChange(Now.AddDays(30)));
        Assert.NotNull(s.PendingChange);
    }

    [Fact]
    public void ApplyPlanChange_WithNewCycle_StartsANewPeriodToday()
    {
        var s = Active();
        s.SchedulePlanChange(Change(Now.AddDays(3), cycle: BillingCycle.Annual), "customer", Now);
        var pro = NewProduct();
        s.ApplyPlanChange(pro, Today, "billing", Now);
        Assert.Equal((pro.Id, BillingCycle.Annual, 19.99m), (s.ProductId, s.Cycle, s.Price));
        Assert.Equal((Today, new DateOnly(2027, 3, 15)), (s.CurrentPeriodStart, s.CurrentPeriodEnd));
        Assert.Null(s.PendingChange);
        Assert.Equal("Plan changed from Starter hosting (Monthly) to Pro hosting (Annual)", s.Transitions[^1].Reason);
    }

    [Fact]
    public void ApplyPlanChange_WithoutOne_IsRefused() =>
        Assert.Equal("no_plan_change", ConflictCode(() => Active().ApplyPlanChange(NewProduct(), Today, "billing", Now)));
}
