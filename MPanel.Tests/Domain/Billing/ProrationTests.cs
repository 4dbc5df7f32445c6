using MPanel.Domain.Billing;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class ProrationTests
{
    // April 2026 has 30 days, March 31.
    private static readonly DateOnly AprilStart = new(2026, 4, 1), AprilEnd = new(2026, 5, 1);
    private static readonly DateOnly MarchStart = new(2026, 3, 1), MarchEnd = new(2026, 4, 1);

    private static PlanChangeQuote April(DateOnly today, decimal currentPrice, decimal newPrice, BillingCycle newCycle = BillingCycle.Monthly,
        DowngradePolicy policy = DowngradePolicy.CreditToBalance, string currency = "EUR") =>
        Proration.Quote(today, AprilStart, AprilEnd, BillingCycle.Monthly, currentPrice, newCycle, newPrice, currency, policy);

    [Fact]
    public void Upgrade_In30DayMonth_CreditsAndChargesTheRemainingDays()
    {
        // 16 April: 15 of 30 days remain. Credit 10 × 15/30 = 5.00, charge 20 × 15/30 = 10.00.
        var q = April(new DateOnly(2026, 4, 16), 10m, 20m);
        Assert.Equal((15, 30), (q.DaysRemaining, q.DaysInPeriod));
        Assert.Equal((5.00m, 10.00m, 5.00m, 0m), (q.CreditForUnused, q.ChargeForNew, q.AmountDue, q.CreditToBalance));
        Assert.False(q.AtRenewal);
        Assert.Equal((AprilStart, AprilEnd), (q.NewPeriodStart, q.NewPeriodEnd)); // same period
    }

    [Fact]
    public void Upgrade_In31DayMonth_UsesTheRealPeriodLength()
    {
        // 17 March: 15 of 31 days remain. Credit 10 × 15/31 = 4.8387 → 4.84; charge 20 × 15/31 = 9.6774 → 9.68; due 4.84.
        var q = Proration.Quote(new DateOnly(2026, 3, 17), MarchStart, MarchEnd, BillingCycle.Monthly, 10m, BillingCycle.Monthly, 20m, "EUR",
            DowngradePolicy.CreditToBalance);
        Assert.Equal((15, 31), (q.DaysRemaining, q.DaysInPeriod));
        Assert.Equal((4.84m, 9.68m, 4.84m), (q.CreditForUnused, q.ChargeForNew, q.AmountDue));
    }

    [Fact]
    public void Upgrade_RoundsCreditAndChargeHalfEven()
    {
        // Half of the period remains: 0.25 / 2 = 0.125 → 0.12; 0.27 / 2 = 0.135 → 0.14.
        var q = April(new DateOnly(2026, 4, 16), 0.25m, 0.27m);
        Assert.Equal((0.12m, 0.14m, 0.02m), (q.CreditForUnused, q.ChargeForNew, q.AmountDue));
    }

    [Fact]
    public void Upgrade_InYen_RoundsToWholeYen()
    {
        // 1000 × 15/31 = 483.87 → 484; 2000 × 15/31 = 967.74 → 968.
        var q = Proration.Quote(new DateOnly(2026, 3, 17), MarchStart, MarchEnd, BillingCycle.Monthly, 1000m, BillingCycle.Monthly, 2000m, "JPY",
            DowngradePolicy.CreditToBalance);
        Assert.Equal((484m, 968m, 484m), (q.CreditForUnused, q.ChargeForNew, q.AmountDue));
    }

    [Fact]
    public void Upgrade_OnTheFirstDay_CreditsTheWholePeriod()
    {
        var q = April(AprilStart, 10m, 20m);
        Assert.Equal((30, 30), (q.DaysRemaining, q.DaysInPeriod));
        Assert.Equal((10.00m, 20.00m, 10.00m), (q.CreditForUnused, q.ChargeForNew, q.AmountDue));
    }

    [Fact]
    public void CycleChange_StartsANewPeriodTodayAtTheFullNewPrice()
    {
        // Credit 10 × 15/30 = 5.00; the annual plan is charged in full from today.
        var today = new DateOnly(2026, 4, 16);
        var q = April(today, 10m, 100m, BillingCycle.Annual);
        Assert.Equal((5.00m, 100.00m, 95.00m), (q.CreditForUnused, q.ChargeForNew, q.AmountDue));
        Assert.Equal((today, new DateOnly(2027, 4, 16)), (q.NewPeriodStart, q.NewPeriodEnd));
    }

    [Fact]
    public void Downgrade_CreditToBalance_PutsTheDifferenceOnTheBalance()
    {
        // Credit 20 × 15/30 = 10.00, charge 10 × 15/30 = 5.00: 5.00 to the balance, nothing due.
        var q = April(new DateOnly(2026, 4, 16), 20m, 10m, policy: DowngradePolicy.CreditToBalance);
        Assert.Equal((10.00m, 5.00m, 0m, 5.00m), (q.CreditForUnused, q.ChargeForNew, q.AmountDue, q.CreditToBalance));
        Assert.False(q.AtRenewal);
        Assert.Equal((AprilStart, AprilEnd), (q.NewPeriodStart, q.NewPeriodEnd));
    }

    [Fact]
    public void Downgrade_NoCredit_AppliesNowWithoutCredit()
    {
        var q = April(new DateOnly(2026, 4, 16), 20m, 10m, policy: DowngradePolicy.NoCredit);
        Assert.Equal((0m, 0m), (q.AmountDue, q.CreditToBalance));
        Assert.False(q.AtRenewal);
        Assert.Equal(AprilStart, q.NewPeriodStart);
    }

    [Fact]
    public void Downgrade_ApplyAtRenewal_ChangesNothingUntilThePeriodEnds()
    {
        var q = April(new DateOnly(2026, 4, 16), 20m, 10m, policy: DowngradePolicy.ApplyAtRenewal);
        Assert.True(q.AtRenewal);
        Assert.Equal((0, 0m, 0m, 0m, 0m), (q.DaysRemaining, q.CreditForUnused, q.ChargeForNew, q.AmountDue, q.CreditToBalance));
        Assert.Equal((AprilEnd, new DateOnly(2026, 6, 1)), (q.NewPeriodStart, q.NewPeriodEnd));
    }

    [Fact]
    public void Downgrade_ApplyAtRenewalWithCycleChange_RunsTheNewCycleFromThePeriodEnd()
    {
        // Annual 120 → monthly 5 on 16 April of a period 1 Jan 2026–1 Jan 2027: charge 5 (new cycle) < credit, so at renewal.
        var q = Proration.Quote(new DateOnly(2026, 4, 16), new DateOnly(2026, 1, 1), new DateOnly(2027, 1, 1), BillingCycle.Annual, 120m,
            BillingCycle.Monthly, 5m, "EUR", DowngradePolicy.ApplyAtRenewal);
        Assert.True(q.AtRenewal);
        Assert.Equal((new DateOnly(2027, 1, 1), new DateOnly(2027, 2, 1)), (q.NewPeriodStart, q.NewPeriodEnd));
    }

    [Fact]
    public void SamePrice_IsNotADowngrade()
    {
        var q = April(new DateOnly(2026, 4, 16), 10m, 10m, policy: DowngradePolicy.ApplyAtRenewal);
        Assert.False(q.AtRenewal);
        Assert.Equal(0m, q.AmountDue);
    }

    [Theory]
    [InlineData("2026-03-31")] // before the period
    [InlineData("2026-05-01")] // the end is exclusive
    [InlineData("2026-06-10")]
    public void Quote_OutsideThePeriod_IsAConflict(string today) =>
        Assert.Equal("outside_period", ConflictCode(() => April(DateOnly.Parse(today), 10m, 20m)));
}
