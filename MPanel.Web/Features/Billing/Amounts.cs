using System.Globalization;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;

namespace MPanel.Web.Features.Billing;

/// <summary>How billing screens write amounts, dates and cycles: one format everywhere ("1,234.50 EUR", "3 Mar 2026").</summary>
public static class Amounts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"1,234.50 EUR" with the currency's minor units.</summary>
    public static string Format(decimal amount, string currency) =>
        $"{Plain(amount, currency)} {currency}";

    /// <summary>"1,234.50": the number alone, for tables whose header names the currency.</summary>
    public static string Plain(decimal amount, string currency) =>
        amount.ToString("N" + (currency.Length == 3 ? Money.MinorUnits(currency) : 2), Inv).Replace('-', '−');

    public static string Date(DateOnly date) => date.ToString("d MMM yyyy", Inv);

    public static string Date(DateTimeOffset at) => at.ToLocalTime().ToString("d MMM yyyy", Inv);

    public static string DateTime(DateTimeOffset at) => at.ToLocalTime().ToString("d MMM yyyy, HH:mm", Inv);

    /// <summary>"per month", "per year", "once".</summary>
    public static string Per(BillingCycle cycle) => cycle switch
    {
        BillingCycle.Monthly => "per month",
        BillingCycle.Quarterly => "per quarter",
        BillingCycle.SemiAnnual => "per 6 months",
        BillingCycle.Annual => "per year",
        BillingCycle.Biennial => "per 2 years",
        _ => "once",
    };

    /// <summary>Parses a typed amount ("12.5", "1,200.00") the invariant way; null when it is not a number.</summary>
    public static decimal? Parse(string? text) =>
        decimal.TryParse(text?.Trim(), NumberStyles.Number, Inv, out var value) ? value : null;
}
