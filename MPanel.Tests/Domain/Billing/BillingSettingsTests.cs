using MPanel.Domain.Billing;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class BillingSettingsTests
{
    private static BillingSettings Defaults() => BillingSettings.CreateDefault(TenantId, "EUR", "Acme Hosting B.V.", Now);

    private static string[] Rejected(Func<BillingSettingsDetails, BillingSettingsDetails> change)
    {
        var settings = Defaults();
        var before = settings.ToDetails();
        var fields = ValidationFields(() => settings.Update(change(before), Now.AddDays(1)));
        Assert.Equal(Now, settings.UpdatedAt); // nothing was applied
        return fields;
    }

    [Fact]
    public void Update_WithTheDefaults_IsAccepted()
    {
        var settings = Defaults();
        settings.Update(settings.ToDetails() with { SellerVatId = " nl 8500.01.001.b01 " }, Now.AddDays(1));
        Assert.Equal(Now.AddDays(1), settings.UpdatedAt);
        Assert.Equal("NL8500.01.001.B01", settings.SellerVatId);
    }

    [Fact]
    public void SuspensionAfterTermination_IsRejected() =>
        Assert.Equal(["terminateAfterDays"], Rejected(d => d with { SuspendAfterDays = 40, TerminateAfterDays = 30 }));

    [Fact]
    public void TerminationOnTheSuspensionDay_IsRejected() =>
        Assert.Equal(["terminateAfterDays"], Rejected(d => d with { SuspendAfterDays = 10, TerminateAfterDays = 10 }));

    [Fact]
    public void WarningAfterSuspension_IsRejected() =>
        Assert.Equal(["suspensionWarningDays"], Rejected(d => d with { SuspensionWarningDays = 6, SuspendAfterDays = 5 }));

    [Theory]
    [InlineData(new[] { -3, -7, 0 })]
    [InlineData(new[] { -7, -7, 0 })] // strictly ascending
    [InlineData(new[] { -61, 0 })]
    public void ReminderDaysNotAscendingOrOutOfRange_AreRejected(int[] days) =>
        Assert.Equal(["reminderDays"], Rejected(d => d with { ReminderDays = days }));

    [Fact]
    public void ChargeRetriesNotAscending_AreRejected() =>
        Assert.Equal(["chargeRetryDays"], Rejected(d => d with { ChargeRetryDays = [3, 1] }));

    [Fact]
    public void SamePrefixForInvoicesAndCreditNotes_IsRejected() =>
        Assert.Equal(["creditNotePrefix"], Rejected(d => d with { InvoicePrefix = "DOC-", CreditNotePrefix = "DOC-" }));

    [Theory]
    [InlineData("{prefix}{yyyy}")]
    [InlineData("{prefix}{n}{n}")]
    [InlineData("{prefix}{yyyy}-{n:6}{x}")]
    public void InvalidNumberFormat_IsRejected(string format) =>
        Assert.Equal(["invoiceNumberFormat"], Rejected(d => d with { InvoiceNumberFormat = format }));

    [Fact]
    public void NumberFormatWithoutPrefix_IsRejected()
    {
        // Invoices and credit notes count separately: without {prefix} both series would print "2026-000001",
        // and numbers are unique per tenant.
        Assert.Equal(["invoiceNumberFormat"], Rejected(d => d with { InvoiceNumberFormat = "{yyyy}-{n:6}" }));
    }

    [Fact]
    public void YearlyResetWithoutYearInTheFormat_IsRejected()
    {
        // The counter restarts each year: without the year, next year's INV-000001 repeats this year's.
        Assert.Equal(["invoiceNumberFormat"], Rejected(d => d with { InvoiceNumberFormat = "{prefix}{n:6}", NumberingResetsYearly = true }));
        Assert.Equal(["invoiceNumberFormat"], Rejected(d => d with { InvoiceNumberFormat = "{prefix}{mm}-{n:6}", NumberingResetsYearly = true }));
    }

    [Theory]
    [InlineData("{prefix}{n:6}", false)]
    [InlineData("{prefix}{yy}{mm}-{n:4}", true)]
    public void NumberFormatsThatCannotRepeat_AreAccepted(string format, bool resetsYearly)
    {
        var settings = Defaults();
        settings.Update(settings.ToDetails() with { InvoiceNumberFormat = format, NumberingResetsYearly = resetsYearly }, Now);
        Assert.Equal(format, settings.InvoiceNumberFormat);
    }

    [Fact]
    public void SeveralProblems_AreReportedTogether() =>
        Assert.Equal(["creditNotePrefix", "paymentTermsDays", "sellerCountry"],
            Rejected(d => d with { CreditNotePrefix = d.InvoicePrefix, PaymentTermsDays = 121, SellerCountry = "XX" }));

    [Fact]
    public void DuplicateOrNonPositiveRates_AreRejected()
    {
        Assert.Equal(["currencyRates"], Rejected(d => d with { CurrencyRates = [new("USD", 1.08m), new("USD", 1.09m)] }));
        Assert.Equal(["currencyRates"], Rejected(d => d with { CurrencyRates = [new("USD", 0m)] }));
    }

    [Fact]
    public void ConvertFromBase_InTheBaseCurrency_ReturnsTheAmount() => Assert.Equal(19.99m, Defaults().ConvertFromBase(19.99m, "EUR"));

    [Theory]
    [InlineData("USD", 100, 108.37)]         // 100 × 1.0837
    [InlineData("JPY", 19.99, 3245.3765)]    // 19.99 × 162.35, kept to four decimals
    [InlineData("GBP", 0.0003, 0.0002)]      // 0.0003 × 0.5 = 0.00015 → half-even at four decimals → 0.0002
    [InlineData("GBP", 0.0001, 0.0000)]      // 0.00005 → 0.0000
    public void ConvertFromBase_UsesTheStaffRate(string currency, decimal amount, decimal expected)
    {
        var settings = Defaults();
        settings.Update(settings.ToDetails() with { CurrencyRates = [new("USD", 1.0837m), new("JPY", 162.35m), new("GBP", 0.5m)] }, Now);
        Assert.Equal(expected, settings.ConvertFromBase(amount, currency));
    }

    [Fact]
    public void ConvertFromBase_WithoutARate_IsAConflict() =>
        Assert.Equal("no_rate", ConflictCode(() => Defaults().ConvertFromBase(10m, "USD")));

    [Fact]
    public void Update_DropsARateForTheBaseCurrency()
    {
        var settings = Defaults();
        settings.Update(settings.ToDetails() with { CurrencyRates = [new("EUR", 1m), new("USD", 1.1m)] }, Now);
        Assert.Equal(["USD"], settings.CurrencyRates.Select(r => r.Currency));
        Assert.Equal(["EUR", "USD"], settings.Currencies);
    }

    [Fact]
    public void DunningDays_FallBackToTheTenantWhenTheProductHasNoOverride()
    {
        var settings = Defaults();
        var plain = NewProduct();
        var custom = Product.Create(ProductDetails() with { Dunning = new DunningOverrides { SuspendAfterDays = 2 } }, Now);
        Assert.Equal((14, 5, 30), (settings.LeadDaysFor(plain), settings.SuspendDaysFor(plain), settings.TerminateDaysFor(plain)));
        Assert.Equal((14, 2, 30), (settings.LeadDaysFor(custom), settings.SuspendDaysFor(custom), settings.TerminateDaysFor(custom)));
        Assert.Equal(5, settings.SuspendDaysFor(null));
    }
}
