using MPanel.Domain.Common;

namespace MPanel.Domain.Billing;

/// <summary>A plan-change quote, shown before the customer confirms.</summary>
public sealed record PlanChangeQuote(
    string Currency,
    int DaysRemaining,
    int DaysInPeriod,
    decimal CreditForUnused,
    decimal ChargeForNew,
    decimal AmountDue,
    decimal CreditToBalance,
    bool AtRenewal,
    DateOnly NewPeriodStart,
    DateOnly NewPeriodEnd,
    string Explanation);

/// <summary>Proration on the real period length: the unused share of the current period is credited, and the new plan is
/// charged over the same remaining days. A cycle change starts a new period today (full new price, unused credit).</summary>
public static class Proration
{
    public static PlanChangeQuote Quote(DateOnly today, DateOnly periodStart, DateOnly periodEnd, BillingCycle currentCycle, decimal currentPrice,
        BillingCycle newCycle, decimal newPrice, string currency, DowngradePolicy policy)
    {
        if (today < periodStart || today >= periodEnd)
            throw new ConflictError("outside_period", "A plan can only change within the current paid period.").ToException();
        var digits = Money.MinorUnits(currency);
        decimal R(decimal x) => decimal.Round(x, digits, MidpointRounding.ToEven);
        var periodDays = periodEnd.DayNumber - periodStart.DayNumber;
        var remaining = periodEnd.DayNumber - today.DayNumber;
        var credit = R(currentPrice * remaining / periodDays);
        var cycleChange = newCycle != currentCycle;
        var newStart = cycleChange ? today : periodStart;
        var newEnd = cycleChange ? newCycle.PeriodEnd(today) : periodEnd;
        var charge = cycleChange ? R(newPrice) : R(newPrice * remaining / periodDays);
        var net = charge - credit;
        if (net >= 0)
            return new PlanChangeQuote(currency, remaining, periodDays, credit, charge, net, 0m, false, newStart, newEnd,
                $"{remaining} of {periodDays} days remain: credit {credit} for the unused part, charge {charge} for the new plan" +
                (cycleChange ? $" for a new {newCycle.Label().ToLowerInvariant()} period." : " over the same days."));
        return policy switch
        {
            DowngradePolicy.CreditToBalance => new PlanChangeQuote(currency, remaining, periodDays, credit, charge, 0m, -net, false, newStart, newEnd,
                $"The new plan costs less: {-net} goes to your account credit and the change applies now."),
            DowngradePolicy.NoCredit => new PlanChangeQuote(currency, remaining, periodDays, credit, charge, 0m, 0m, false, newStart, newEnd,
                "The new plan costs less: it applies now, without a credit for this period."),
            _ => new PlanChangeQuote(currency, 0, periodDays, 0m, 0m, 0m, 0m, true, periodEnd, newCycle.PeriodEnd(periodEnd),
                $"The new plan starts at renewal on {periodEnd:yyyy-MM-dd}; nothing changes until then."),
        };
    }
}
