using MPanel.Domain.Billing;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class TaxCalculatorTests
{
    [Theory]
    [InlineData("0.125", "EUR", "0.12")]   // half-even: the 2 before the 5 is even, stays
    [InlineData("0.135", "EUR", "0.14")]   // half-even: 3 is odd, goes up to the even 4
    [InlineData("100.5", "JPY", "100")]    // no minor unit; 100 is even
    [InlineData("101.5", "JPY", "102")]
    [InlineData("1.2345", "KWD", "1.234")] // three decimals
    [InlineData("1.2355", "KWD", "1.236")]
    public void ForLine_WithoutTax_RoundsHalfEvenToTheMinorUnit(string amount, string currency, string expected)
    {
        var line = TaxCalculator.ForLine(D(amount), currency, [], pricesIncludeTax: false);
        Assert.Equal(D(expected), line.Net);
        Assert.Equal(0m, line.Tax);
        Assert.Equal(D(expected), line.Total);
        Assert.Empty(line.Parts);
    }

    [Theory]
    [InlineData("0.50", "0.02")] // 0.50 × 5% = 0.025 → 0.02 (2 is even)
    [InlineData("0.70", "0.04")] // 0.70 × 5% = 0.035 → 0.04 (3 is odd)
    public void ForLine_TaxAmount_IsRoundedHalfEvenToo(string net, string expectedTax)
    {
        var line = TaxCalculator.ForLine(D(net), "EUR", [Rule("VAT", "NL", 5m)], pricesIncludeTax: false);
        Assert.Equal(D(expectedTax), line.Tax);
        Assert.Equal(D(net) + D(expectedTax), line.Total);
    }

    [Fact]
    public void ForLine_Jpy_RoundsNetAndTaxToWholeYen()
    {
        // 1234.5 → 1234 (half-even); 10% of 1234 = 123.4 → 123.
        var line = TaxCalculator.ForLine(1234.5m, "JPY", [Rule("CT", "JP", 10m)], pricesIncludeTax: false);
        Assert.Equal(1234m, line.Net);
        Assert.Equal(123m, line.Tax);
        Assert.Equal(1357m, line.Total);
    }

    [Fact]
    public void ForLine_Kwd_RoundsToThreeDecimals()
    {
        // 1.2345 → 1.234 (half-even); 5% of 1.234 = 0.0617 → 0.062.
        var line = TaxCalculator.ForLine(1.2345m, "KWD", [Rule("VAT", "NL", 5m)], pricesIncludeTax: false);
        Assert.Equal(1.234m, line.Net);
        Assert.Equal(0.062m, line.Tax);
        Assert.Equal(1.296m, line.Total);
    }

    [Fact]
    public void ForLine_Exclusive_AddsTaxOnTop()
    {
        var line = TaxCalculator.ForLine(100m, "EUR", [Rule("VAT", "NL", 21m)], pricesIncludeTax: false);
        Assert.Equal(100.00m, line.Net);
        Assert.Equal(21.00m, line.Tax);
        Assert.Equal(121.00m, line.Total);
        var part = Assert.Single(line.Parts);
        Assert.Equal(new LineTaxPart("VAT", 21m, 21.00m, 100.00m), part);
    }

    [Fact]
    public void ForLine_Inclusive_SplitsTheGrossIntoNetAndTax()
    {
        var line = TaxCalculator.ForLine(121m, "EUR", [Rule("VAT", "NL", 21m)], pricesIncludeTax: true);
        Assert.Equal(100.00m, line.Net);
        Assert.Equal(21.00m, line.Tax);
        Assert.Equal(121.00m, line.Total);
        Assert.Equal(21.00m, Assert.Single(line.Parts).Amount);
    }

    [Theory]
    // 9.99 / 1.21 = 8.2562 → 8.26; 8.26 × 21% = 1.7346 → 1.73; 8.26 + 1.73 = 9.99.
    [InlineData("9.99", "8.26", "1.73")]
    // 0.14 / 1.21 = 0.1157 → 0.12; 0.12 × 21% = 0.0252 → 0.03 would make 0.15, so the tax absorbs −0.01 → 0.02.
    [InlineData("0.14", "0.12", "0.02")]
    // 0.09 / 1.21 = 0.0744 → 0.07; 0.07 × 21% = 0.0147 → 0.01 would make 0.08, so the tax absorbs +0.01 → 0.02.
    [InlineData("0.09", "0.07", "0.02")]
    public void ForLine_Inclusive_NetPlusTaxEqualsTheGrossExactly(string gross, string expectedNet, string expectedTax)
    {
        var line = TaxCalculator.ForLine(D(gross), "EUR", [Rule("VAT", "NL", 21m)], pricesIncludeTax: true);
        Assert.Equal(D(expectedNet), line.Net);
        Assert.Equal(D(expectedTax), line.Tax);
        Assert.Equal(D(gross), line.Total);
        Assert.Equal(D(gross), line.Net + line.Parts.Sum(p => p.Amount));
    }

    [Fact]
    public void ForLine_Compound_ChargesTheSecondTaxOnNetPlusTheFirst()
    {
        // GST 5% of 100 = 5.00; QST 9.975% of (100 + 5) = 10.47375 → 10.47. Each part records the base it was charged on.
        var line = TaxCalculator.ForLine(100m, "CAD", QuebecRules(), pricesIncludeTax: false);
        Assert.Equal([new LineTaxPart("GST", 5m, 5.00m, 100.00m), new LineTaxPart("QST", 9.975m, 10.47m, 105.00m)], line.Parts);
        Assert.Equal(15.47m, line.Tax);
        Assert.Equal(115.47m, line.Total);
    }

    [Fact]
    public void ForLine_CompoundInclusive_LastRateAbsorbsTheRoundingDifference()
    {
        // Multiplier 1 + 0.05 + 1.05 × 0.09975 = 1.1547375. 1.05 / 1.1547375 = 0.9093 → net 0.91;
        // GST 0.91 × 5% = 0.0455 → 0.05; QST 0.96 × 9.975% = 0.0958 → 0.10 would give 1.06, so QST absorbs −0.01 → 0.09.
        var line = TaxCalculator.ForLine(1.05m, "CAD", QuebecRules(), pricesIncludeTax: true);
        Assert.Equal(0.91m, line.Net);
        Assert.Equal([new LineTaxPart("GST", 5m, 0.05m, 0.91m), new LineTaxPart("QST", 9.975m, 0.09m, 0.96m)], line.Parts);
        Assert.Equal(0.14m, line.Tax);
        Assert.Equal(1.05m, line.Total);
    }

    [Fact]
    public void ForLine_CompoundInclusive_RoundTripsTheExclusiveTotal()
    {
        var line = TaxCalculator.ForLine(115.47m, "CAD", QuebecRules(), pricesIncludeTax: true);
        Assert.Equal(100.00m, line.Net);
        Assert.Equal([5.00m, 10.47m], line.Parts.Select(p => p.Amount));
    }

    /// <summary>GST then compound QST, in priority order as <see cref="TaxContext.ApplicableRules"/> gives them.</summary>
    private static IReadOnlyList<TaxRule> QuebecRules() =>
        Context("CA", [Rule("QST", "CA", 9.975m, "QC", compound: true, priority: 1), Rule("GST", "CA", 5m, priority: 0)], region: "QC")
            .ApplicableRules;

    private static decimal D(string s) => decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class TaxContextTests
{
    private static readonly TaxRule NlVat = Rule("VAT", "NL", 21m);
    private static readonly TaxRule DeVat = Rule("MwSt", "DE", 19m);
    private static readonly TaxRule Gst = Rule("GST", "CA", 5m, priority: 0);
    private static readonly TaxRule Qst = Rule("QST", "CA", 9.975m, region: "QC", compound: true, priority: 1);
    private static readonly TaxRule[] All = [Qst, DeVat, NlVat, Gst];

    [Fact]
    public void ApplicableRules_AreTheBuyerCountrysInPriorityOrder()
    {
        var rules = Context("CA", All, region: "QC").ApplicableRules;
        Assert.Equal(["GST", "QST"], rules.Select(r => r.Name));
    }

    [Theory]
    [InlineData("qc", new[] { "GST", "QST" })] // region compared upper-case
    [InlineData("ON", new[] { "GST" })]
    [InlineData(null, new[] { "GST" })]
    public void ApplicableRules_RegionRulesApplyOnlyInTheirRegion(string? region, string[] expected) =>
        Assert.Equal(expected, Context("CA", All, region: region).ApplicableRules.Select(r => r.Name));

    [Fact]
    public void TaxExemptBuyer_GetsNoRules()
    {
        var context = Context("NL", All, exempt: true);
        Assert.Empty(context.ApplicableRules);
        Assert.False(context.ReverseCharge);
        Assert.Equal(0m, TaxCalculator.ForLine(100m, "EUR", context.ApplicableRules, false).Tax);
    }

    [Fact]
    public void EuBuyerInAnotherMemberStateWithVatId_IsReverseCharged()
    {
        var context = Context("DE", All, vatId: "DE123456789");
        Assert.True(context.ReverseCharge);
        Assert.Empty(context.ApplicableRules);
        Assert.Equal(0m, TaxCalculator.ForLine(100m, "EUR", context.ApplicableRules, false).Tax);
    }

    [Fact]
    public void EuBuyerInAnotherMemberStateWithoutVatId_PaysTheirCountrysVat()
    {
        var context = Context("DE", All);
        Assert.False(context.ReverseCharge);
        Assert.Equal(["MwSt"], context.ApplicableRules.Select(r => r.Name));
        Assert.Equal(19.00m, TaxCalculator.ForLine(100m, "EUR", context.ApplicableRules, false).Tax);
    }

    [Fact]
    public void DomesticBuyerWithVatId_IsTaxedNormally()
    {
        var context = Context("NL", All, vatId: "NL123456789B01");
        Assert.False(context.ReverseCharge);
        Assert.Equal(21.00m, TaxCalculator.ForLine(100m, "EUR", context.ApplicableRules, false).Tax);
    }

    [Fact]
    public void BuyerOutsideTheEu_IsNotReverseCharged()
    {
        var context = Context("US", All, vatId: "US-EIN-12-3456789");
        Assert.False(context.ReverseCharge);
        Assert.Empty(context.ApplicableRules); // no US rules configured
    }

    [Fact]
    public void SellerOutsideTheEu_NeverReverseCharges()
    {
        var context = Context("DE", All, vatId: "DE123456789", sellerCountry: "US");
        Assert.False(context.ReverseCharge);
        Assert.Equal(["MwSt"], context.ApplicableRules.Select(r => r.Name));
    }

    [Fact]
    public void ReverseChargedInvoice_CarriesTheFlagAndNoTax()
    {
        var tax = Context("DE", All, vatId: "DE123456789");
        var invoice = Invoice.Create(TenantId, CustomerId, "EUR", Buyer("DE", "DE123456789"), tax, Today, Today.AddDays(14), Now);
        invoice.AddLine(Line(100m), tax);
        Assert.True(invoice.ReverseCharge);
        Assert.Equal(0m, invoice.TaxTotal);
        Assert.Equal(100.00m, invoice.Total);
        Assert.Empty(invoice.Taxes);
    }
}

public sealed class TaxRuleTests
{
    [Fact]
    public void Create_NormalisesCountryAndRegion()
    {
        var rule = TaxRule.Create(new TaxRuleDetails(" QST ", "ca", " qc ", 9.975m, true, 1), Now);
        Assert.Equal(("QST", "CA", "QC"), (rule.Name, rule.Country, rule.Region));
        Assert.Equal("QST 9.975%", rule.Label);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100.5)]
    [InlineData(9.9755)] // four decimals
    public void Create_RejectsRatesOutsideTheRange(decimal rate) =>
        Assert.Equal(["rate"], ValidationFields(() => TaxRule.Create(new TaxRuleDetails("VAT", "NL", null, rate, false, 0), Now)));

    [Fact]
    public void Create_RejectsUnknownCountry() =>
        Assert.Equal(["country"], ValidationFields(() => TaxRule.Create(new TaxRuleDetails("VAT", "XX", null, 21m, false, 0), Now)));
}

public sealed class EuVatTests
{
    [Theory]
    [InlineData("DE123456789", "DE", true)]
    [InlineData("EL123456789", "GR", true)]  // Greece uses EL
    [InlineData("GR123456789", "GR", false)]
    [InlineData("NL123456789B01", "NL", true)]
    [InlineData("DE1", "DE", false)]         // too short
    [InlineData("FR12-345", "FR", false)]    // punctuation
    [InlineData(null, "DE", true)]           // no VAT ID is allowed
    public void LooksValid_ChecksPrefixAndShape(string? vatId, string country, bool expected) =>
        Assert.Equal(expected, EuVat.LooksValid(vatId, country));

    [Theory]
    [InlineData("NL", true)]
    [InlineData("DE", true)]
    [InlineData("GB", false)]
    [InlineData("CH", false)]
    public void IsMember_KnowsTheMemberStates(string country, bool expected) => Assert.Equal(expected, EuVat.IsMember(country));
}
