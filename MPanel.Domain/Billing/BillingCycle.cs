namespace MPanel.Domain.Billing;

public enum BillingCycle { Monthly, Quarterly, SemiAnnual, Annual, Biennial, OneTime }

public static class BillingCycles
{
    public static readonly IReadOnlyList<BillingCycle> All = Enum.GetValues<BillingCycle>();

    /// <summary>Months in one period; 0 for one-time purchases, which never renew.</summary>
    public static int Months(this BillingCycle cycle) => cycle switch
    {
        BillingCycle.Monthly => 1,
        BillingCycle.Quarterly => 3,
        BillingCycle.SemiAnnual => 6,
        BillingCycle.Annual => 12,
        BillingCycle.Biennial => 24,
        _ => 0,
    };

    public static bool Renews(this BillingCycle cycle) => cycle != BillingCycle.OneTime;

    /// <summary>The end of the period that starts on <paramref name="start"/>: calendar months, clamped to the
    /// month's last day (31 Jan + 1 month = 28/29 Feb), anchored on the start so periods never drift.</summary>
    public static DateOnly PeriodEnd(this BillingCycle cycle, DateOnly start) =>
        cycle.Renews() ? start.AddMonths(cycle.Months()) : DateOnly.MaxValue;

    public static string Label(this BillingCycle cycle) => cycle switch
    {
        BillingCycle.SemiAnnual => "Semi-annual",
        BillingCycle.OneTime => "One-time",
        _ => cycle.ToString(),
    };
}
