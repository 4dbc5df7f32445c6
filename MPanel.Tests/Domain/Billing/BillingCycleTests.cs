using MPanel.Domain.Billing;

namespace MPanel.Tests.Domain.Billing;

public sealed class BillingCycleTests
{
    [Theory]
    [InlineData(BillingCycle.Monthly, "2026-01-31", "2026-02-28")]   // clamped to the end of February
    [InlineData(BillingCycle.Monthly, "2028-01-31", "2028-02-29")]   // leap year
    [InlineData(BillingCycle.Monthly, "2026-03-31", "2026-04-30")]
    [InlineData(BillingCycle.Monthly, "2026-12-15", "2027-01-15")]   // across the year end
    [InlineData(BillingCycle.Quarterly, "2026-01-15", "2026-04-15")]
    [InlineData(BillingCycle.Quarterly, "2025-11-30", "2026-02-28")]
    [InlineData(BillingCycle.SemiAnnual, "2026-08-31", "2027-02-28")]
    [InlineData(BillingCycle.Annual, "2028-02-29", "2029-02-28")]
    [InlineData(BillingCycle.Biennial, "2026-05-10", "2028-05-10")]
    [InlineData(BillingCycle.Biennial, "2026-02-28", "2028-02-28")]  // not moved to the 29th of the leap year
    [InlineData(BillingCycle.Biennial, "2028-02-29", "2030-02-28")]
    public void PeriodEnd_AddsCalendarMonthsClampedToTheMonthEnd(BillingCycle cycle, string start, string expected) =>
        Assert.Equal(DateOnly.Parse(expected), cycle.PeriodEnd(DateOnly.Parse(start)));

    [Fact]
    public void OneTime_NeverRenews()
    {
        Assert.False(BillingCycle.OneTime.Renews());
        Assert.Equal(0, BillingCycle.OneTime.Months());
        Assert.Equal(DateOnly.MaxValue, BillingCycle.OneTime.PeriodEnd(new DateOnly(2026, 3, 15)));
    }

    [Fact]
    public void EveryOtherCycle_Renews() =>
        Assert.All(BillingCycles.All.Where(c => c != BillingCycle.OneTime), c => Assert.True(c.Renews()));

    [Theory]
    [InlineData(BillingCycle.Monthly, 1)]
    [InlineData(BillingCycle.Quarterly, 3)]
    [InlineData(BillingCycle.SemiAnnual, 6)]
    [InlineData(BillingCycle.Annual, 12)]
    [InlineData(BillingCycle.Biennial, 24)]
    public void Months_PerPeriod(BillingCycle cycle, int months) => Assert.Equal(months, cycle.Months());

    [Theory]
    [InlineData(BillingCycle.SemiAnnual, "Semi-annual")]
    [InlineData(BillingCycle.OneTime, "One-time")]
    [InlineData(BillingCycle.Quarterly, "Quarterly")]
    public void Label_IsReadable(BillingCycle cycle, string label) => Assert.Equal(label, cycle.Label());
}
