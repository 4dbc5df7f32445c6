using MPanel.Domain.Common;
using MPanel.Domain.Customers;

namespace MPanel.Domain.Billing;

/// <summary>A tax a tenant charges buyers in a country (optionally one region of it). Compound rules are charged on the
/// net plus the taxes before them (by <see cref="Priority"/>), as Québec's QST once was on GST.</summary>
public sealed class TaxRule : Entity, ITenantOwned
{
    private TaxRule() { }

    public Guid TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public string Country { get; private set; } = "";
    public string? Region { get; private set; }
    /// <summary>Percent, e.g. 21 for 21%.</summary>
    public decimal Rate { get; private set; }
    public bool Compound { get; private set; }
    public int Priority { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public static TaxRule Create(TaxRuleDetails d, DateTimeOffset now)
    {
        var rule = new TaxRule { CreatedAt = now };
        rule.Update(d);
        return rule;
    }

    public void Update(TaxRuleDetails d)
    {
        var name = Text.Clean(d.Name);
        var country = d.Country?.Trim().ToUpperInvariant();
        var region = Text.Clean(d.Region)?.ToUpperInvariant();
        new Validator()
            .Require(name is { Length: >= 1 and <= 40 }, "name", "Name is 1 to 40 characters (e.g. VAT).")
            .Require(country is not null && Countries.IsKnown(country), "country", "Choose a country.")
            .Require(region is null or { Length: <= 10 }, "region", "Region is a short code such as CA or QC.")
            .Require(d.Rate is > 0 and <= 100 && decimal.Round(d.Rate, 3) == d.Rate, "rate", "Rate is a percentage above 0 and at most 100, up to 3 decimals.")
            .Require(d.Priority is >= 0 and <= 100, "priority", "Priority is 0 to 100.")
            .ThrowIfInvalid();
        Name = name!;
        Country = country!;
        Region = region;
        Rate = d.Rate;
        Compound = d.Compound;
        Priority = d.Priority;
    }

    public string Label => $"{Name} {Rate.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}%";
}

public sealed record TaxRuleDetails(string Name, string Country, string? Region, decimal Rate, bool Compound, int Priority);

/// <summary>Who buys and who sells, as far as tax is concerned.</summary>
public sealed record TaxContext(string SellerCountry, string BuyerCountry, string? BuyerRegion, string? BuyerVatId, bool BuyerTaxExempt,
    IReadOnlyList<TaxRule> Rules, bool PricesIncludeTax)
{
    public const string ReverseChargeNote =
        "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).";

    /// <summary>EU B2B across borders: the buyer accounts for VAT, the invoice charges none and says so.</summary>
    public bool ReverseCharge => BuyerVatId is not null && EuVat.IsMember(SellerCountry) && EuVat.IsMember(BuyerCountry)
                                 && SellerCountry != BuyerCountry;

    public IReadOnlyList<TaxRule> ApplicableRules => ReverseCharge || BuyerTaxExempt
        ? []
        : Rules.Where(r => r.Country == BuyerCountry && (r.Region is null || r.Region == BuyerRegion?.ToUpperInvariant()))
            .OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
}

/// <summary>One rate's tax on a line. <see cref="Base"/> is what the rate was charged on (the net, or for a compound rule
/// the net plus the taxes before it); null on parts stored before it was recorded, which were charged on the net.</summary>
public sealed record LineTaxPart(string Name, decimal Rate, decimal Amount, decimal? Base = null);

public sealed record LineTax(decimal Net, IReadOnlyList<LineTaxPart> Parts, decimal Tax, decimal Total);

/// <summary>Tax arithmetic. The one rounding rule (half-even to the currency's minor unit) is applied once per line and
/// per rate; invoice totals are sums of rounded line figures, so lines always add up to the total.</summary>
public static class TaxCalculator
{
    public static LineTax ForLine(decimal amount, string currency, IReadOnlyList<TaxRule> rules, bool pricesIncludeTax)
    {
        var digits = Money.MinorUnits(currency);
        decimal R(decimal x) => decimal.Round(x, digits, MidpointRounding.ToEven);
        if (rules.Count == 0)
        {
            var plain = R(amount);
            return new LineTax(plain, [], 0m, plain);
        }
        if (!pricesIncludeTax)
        {
            var net = R(amount);
            var parts = Exclusive(net, rules, R);
            var tax = parts.Sum(p => p.Amount);
            return new LineTax(net, parts, tax, net + tax);
        }
        // Inclusive: the price is the gross; find the net that the rules turn into it, then let the last rate absorb the
        // rounding difference so that net + taxes equals the gross exactly.
        var gross = R(amount);
        var multiplier = 1m + Exclusive(1m, rules, x => x).Sum(p => p.Amount);
        var netIncl = R(gross / multiplier);
        var partsIncl = Exclusive(netIncl, rules, R).ToList();
        var diff = gross - netIncl - partsIncl.Sum(p => p.Amount);
        if (diff != 0) partsIncl[^1] = partsIncl[^1] with { Amount = partsIncl[^1].Amount + diff };
        return new LineTax(netIncl, partsIncl, gross - netIncl, gross);
    }

    private static List<LineTaxPart> Exclusive(decimal net, IReadOnlyList<TaxRule> rules, Func<decimal, decimal> round)
    {
        var parts = new List<LineTaxPart>(rules.Count);
        foreach (var rule in rules)
        {
            var baseAmount = rule.Compound ? net + parts.Sum(p => p.Amount) : net;
            parts.Add(new LineTaxPart(rule.Name, rule.Rate, round(baseAmount * rule.Rate / 100m), baseAmount));
        }
        return parts;
    }
}

public static class EuVat
{
    private static readonly HashSet<string> Members =
    [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
        "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    ];

    public static bool IsMember(string country) => Members.Contains(country);

    /// <summary>Shape check of an EU VAT ID: two-letter prefix (EL for Greece) and 2 to 13 letters or digits.</summary>
    public static bool LooksValid(string? vatId, string country)
    {
        if (vatId is null) return true;
        var prefix = country == "GR" ? "EL" : country;
        return vatId.Length is >= 4 and <= 15 && vatId.StartsWith(prefix, StringComparison.Ordinal)
               && vatId[2..].All(char.IsAsciiLetterOrDigit);
    }
}
