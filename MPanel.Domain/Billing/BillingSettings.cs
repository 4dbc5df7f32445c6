using MPanel.Domain.Common;
using MPanel.Domain.Customers;

namespace MPanel.Domain.Billing;

/// <summary>What happens to a credit when a customer moves to a cheaper plan mid-period.</summary>
public enum DowngradePolicy { CreditToBalance, NoCredit, ApplyAtRenewal }

/// <summary>Dunning offsets in days relative to an invoice's due date (negative = before). A product may override
/// any of them; null falls back to the tenant.</summary>
public sealed record DunningOverrides
{
    public int? InvoiceLeadDays { get; init; }
    public int? SuspendAfterDays { get; init; }
    public int? TerminateAfterDays { get; init; }

    public void Validate(Validator v) => v
        .Require(InvoiceLeadDays is null or >= 0 and <= 90, "dunning.invoiceLeadDays", "Lead time is 0 to 90 days.")
        .Require(SuspendAfterDays is null or >= 0 and <= 90, "dunning.suspendAfterDays", "Suspension is 0 to 90 days after due.")
        .Require(TerminateAfterDays is null or >= 1 and <= 365, "dunning.terminateAfterDays", "Termination is 1 to 365 days after due.");
}

/// <summary>A tenant's billing policy: numbering, lead time, dunning timeline, taxes, plan-change rules. One row per tenant,
/// created with defaults on first use.</summary>
public sealed class BillingSettings : Entity, ITenantOwned, IVersioned
{
    private BillingSettings() { }

    public Guid TenantId { get; private set; }
    public string BaseCurrency { get; private set; } = "EUR";
    /// <summary>ISO country the seller is established in (EU VAT reverse charge compares it with the buyer's).</summary>
    public string SellerCountry { get; private set; } = "NL";
    public string? SellerVatId { get; private set; }
    public string SellerName { get; private set; } = "";
    public List<string> SellerAddress { get; private set; } = [];
    public bool PricesIncludeTax { get; private set; }

    public string InvoiceNumberFormat { get; private set; } = DocumentNumbering.DefaultFormat;
    public string InvoicePrefix { get; private set; } = "INV-";
    public string CreditNotePrefix { get; private set; } = "CN-";
    public bool NumberingResetsYearly { get; private set; } = true;
    /// <summary>Send proformas (no number) and number the invoice when it is paid, as some jurisdictions prefer.</summary>
    public bool IssueProformas { get; private set; }
    public int PaymentTermsDays { get; private set; } = 7;

    public int InvoiceLeadDays { get; private set; } = 14;
    public int ChargeOffsetDays { get; private set; } = -1;
    public List<int> ChargeRetryDays { get; private set; } = [1, 3, 5];
    public List<int> ReminderDays { get; private set; } = [-7, -3, 0];
    public int OverdueNoticeDays { get; private set; } = 1;
    public decimal? LateFeePercent { get; private set; }
    public decimal? LateFeeFixed { get; private set; }
    public int LateFeeAfterDays { get; private set; } = 7;
    public int SuspensionWarningDays { get; private set; } = 3;
    public int SuspendAfterDays { get; private set; } = 5;
    public int TerminateAfterDays { get; private set; } = 30;
    public int CancelUnpaidOrdersAfterDays { get; private set; } = 7;
    public int PlanChangeExpiryDays { get; private set; } = 3;
    public DowngradePolicy DowngradePolicy { get; private set; } = DowngradePolicy.CreditToBalance;
    public string? BankTransferInstructions { get; private set; }
    /// <summary>Exchange rates staff maintain: units of the currency per one unit of <see cref="BaseCurrency"/>.</summary>
    public List<CurrencyRate> CurrencyRates { get; private set; } = [];
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }

    public static BillingSettings CreateDefault(Guid tenantId, string baseCurrency, string sellerName, DateTimeOffset now) =>
        new() { TenantId = tenantId, BaseCurrency = baseCurrency, SellerName = sellerName, UpdatedAt = now };

    public IEnumerable<string> Currencies => CurrencyRates.Select(r => r.Currency).Prepend(BaseCurrency).Distinct();

    public void Update(BillingSettingsDetails d, DateTimeOffset now)
    {
        var v = new Validator()
            .Require(IsCurrency(d.BaseCurrency), "baseCurrency", "Use a three-letter currency code.")
            .Require(Countries.IsKnown(d.SellerCountry ?? ""), "sellerCountry", "Choose the country you invoice from.")
            .Require(Text.Clean(d.SellerName) is { Length: >= 2 and <= 150 }, "sellerName", "Seller name is 2 to 150 characters.")
            .Require((d.SellerAddress ?? []).Count <= 6, "sellerAddress", "At most six address lines.")
            .Require(DocumentNumbering.IsValidFormat(d.InvoiceNumberFormat), "invoiceNumberFormat", "The format needs {n} (optionally {n:6}) and may use {prefix}, {yyyy}, {yy} and {mm}.")
            .Require(d.InvoicePrefix is { Length: <= 12 } && d.InvoicePrefix.All(IsPrefixChar), "invoicePrefix", "Prefix: up to 12 letters, digits, - / or _.")
            .Require(d.CreditNotePrefix is { Length: <= 12 } && d.CreditNotePrefix.All(IsPrefixChar), "creditNotePrefix", "Prefix: up to 12 letters, digits, - / or _.")
            .Require(d.InvoicePrefix != d.CreditNotePrefix, "creditNotePrefix", "Credit notes need a prefix of their own.")
            // Numbers are unique per tenant across both series and all years: the format must show what tells them apart.
            .Require(d.InvoiceNumberFormat?.Contains("{prefix}", StringComparison.Ordinal) == true, "invoiceNumberFormat",
                "The format needs {prefix}, or invoices and credit notes would get the same numbers.")
            .Require(!d.NumberingResetsYearly || d.InvoiceNumberFormat?.Contains("{yyyy}", StringComparison.Ordinal) == true
                     || d.InvoiceNumberFormat?.Contains("{yy}", StringComparison.Ordinal) == true, "invoiceNumberFormat",
                "Numbering that restarts every year needs {yyyy} or {yy} in the format, or numbers would repeat.")
            .Require(d.PaymentTermsDays is >= 0 and <= 120, "paymentTermsDays", "Payment terms are 0 to 120 days.")
            .Require(d.InvoiceLeadDays is >= 0 and <= 90, "invoiceLeadDays", "Lead time is 0 to 90 days.")
            .Require(d.ChargeOffsetDays is >= -30 and <= 0, "chargeOffsetDays", "Cards are charged 0 to 30 days before due.")
            .Require(d.ChargeRetryDays is { Count: <= 10 } && d.ChargeRetryDays.All(x => x is >= 1 and <= 60) && IsAscending(d.ChargeRetryDays), "chargeRetryDays", "Retries are ascending days after due (1 to 60).")
            .Require(d.ReminderDays is { Count: <= 10 } && d.ReminderDays.All(x => x is >= -60 and <= 60) && IsAscending(d.ReminderDays), "reminderDays", "Reminders are ascending days around the due date (-60 to 60).")
            .Require(d.OverdueNoticeDays is >= 1 and <= 60, "overdueNoticeDays", "The overdue notice goes 1 to 60 days after due.")
            .Require(d.LateFeePercent is null or > 0 and <= 50, "lateFeePercent", "A late fee is up to 50%.")
            .Require(d.LateFeeFixed is null or > 0 and <= 10_000, "lateFeeFixed", "A fixed late fee is positive.")
            .Require(d.LateFeeAfterDays is >= 1 and <= 90, "lateFeeAfterDays", "Late fees apply 1 to 90 days after due.")
            .Require(d.SuspensionWarningDays >= 0 && d.SuspensionWarningDays <= d.SuspendAfterDays, "suspensionWarningDays", "The warning comes before the suspension.")
            .Require(d.SuspendAfterDays is >= 0 and <= 90, "suspendAfterDays", "Suspension is 0 to 90 days after due.")
            .Require(d.TerminateAfterDays > d.SuspendAfterDays && d.TerminateAfterDays <= 365, "terminateAfterDays", "Termination comes after suspension (up to 365 days).")
            .Require(d.CancelUnpaidOrdersAfterDays is >= 1 and <= 90, "cancelUnpaidOrdersAfterDays", "Unpaid orders are cancelled after 1 to 90 days.")
            .Require(d.PlanChangeExpiryDays is >= 1 and <= 30, "planChangeExpiryDays", "Unpaid plan changes expire after 1 to 30 days.")
            .Require((d.CurrencyRates ?? []).All(r => IsCurrency(r.Currency) && r.Rate > 0), "currencyRates", "Each rate needs a currency code and a positive rate.")
            .Require((d.CurrencyRates ?? []).GroupBy(r => r.Currency).All(g => g.Count() == 1), "currencyRates", "One rate per currency.");
        v.ThrowIfInvalid();
        BaseCurrency = d.BaseCurrency;
        SellerCountry = d.SellerCountry!.ToUpperInvariant();
        SellerVatId = Text.Clean(d.SellerVatId)?.ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        SellerName = Text.Clean(d.SellerName)!;
        SellerAddress = (d.SellerAddress ?? []).Select(a => Text.Clean(a)).OfType<string>().ToList();
        PricesIncludeTax = d.PricesIncludeTax;
        InvoiceNumberFormat = d.InvoiceNumberFormat!;
        InvoicePrefix = d.InvoicePrefix;
        CreditNotePrefix = d.CreditNotePrefix;
        NumberingResetsYearly = d.NumberingResetsYearly;
        IssueProformas = d.IssueProformas;
        PaymentTermsDays = d.PaymentTermsDays;
        InvoiceLeadDays = d.InvoiceLeadDays;
        ChargeOffsetDays = d.ChargeOffsetDays;
        ChargeRetryDays = [.. d.ChargeRetryDays];
        ReminderDays = [.. d.ReminderDays];
        OverdueNoticeDays = d.OverdueNoticeDays;
        LateFeePercent = d.LateFeePercent;
        LateFeeFixed = d.LateFeeFixed;
        LateFeeAfterDays = d.LateFeeAfterDays;
        SuspensionWarningDays = d.SuspensionWarningDays;
        SuspendAfterDays = d.SuspendAfterDays;
        TerminateAfterDays = d.TerminateAfterDays;
        CancelUnpaidOrdersAfterDays = d.CancelUnpaidOrdersAfterDays;
        PlanChangeExpiryDays = d.PlanChangeExpiryDays;
        DowngradePolicy = d.DowngradePolicy;
        BankTransferInstructions = Text.Clean(d.BankTransferInstructions);
        CurrencyRates = [.. (d.CurrencyRates ?? []).Where(r => r.Currency != d.BaseCurrency)];
        UpdatedAt = now;
    }

    public BillingSettingsDetails ToDetails() => new(BaseCurrency, SellerCountry, SellerVatId, SellerName, SellerAddress, PricesIncludeTax,
        InvoiceNumberFormat, InvoicePrefix, CreditNotePrefix, NumberingResetsYearly, IssueProformas, PaymentTermsDays, InvoiceLeadDays,
        ChargeOffsetDays, ChargeRetryDays, ReminderDays, OverdueNoticeDays, LateFeePercent, LateFeeFixed, LateFeeAfterDays,
        SuspensionWarningDays, SuspendAfterDays, TerminateAfterDays, CancelUnpaidOrdersAfterDays, PlanChangeExpiryDays, DowngradePolicy,
        BankTransferInstructions, CurrencyRates);

    /// <summary>Converts an amount in the base currency into <paramref name="currency"/> with the staff-maintained rate.</summary>
    public decimal ConvertFromBase(decimal amount, string currency)
    {
        if (currency == BaseCurrency) return amount;
        var rate = CurrencyRates.FirstOrDefault(r => r.Currency == currency)
            ?? throw new ConflictError("no_rate", $"There is no exchange rate for {currency}.").ToException();
        return decimal.Round(amount * rate.Rate, 4, MidpointRounding.ToEven);
    }

    public int LeadDaysFor(Product? p) => p?.Dunning?.InvoiceLeadDays ?? InvoiceLeadDays;
    public int SuspendDaysFor(Product? p) => p?.Dunning?.SuspendAfterDays ?? SuspendAfterDays;
    public int TerminateDaysFor(Product? p) => p?.Dunning?.TerminateAfterDays ?? TerminateAfterDays;

    private static bool IsCurrency(string? c) => c is { Length: 3 } && c.All(char.IsAsciiLetterUpper);
    private static bool IsPrefixChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '/' or '_';
    private static bool IsAscending(IReadOnlyList<int> xs) => xs.Zip(xs.Skip(1)).All(p => p.First < p.Second);
}

public sealed record CurrencyRate(string Currency, decimal Rate);

public sealed record BillingSettingsDetails(
    string BaseCurrency, string? SellerCountry, string? SellerVatId, string? SellerName, IReadOnlyList<string>? SellerAddress,
    bool PricesIncludeTax, string InvoiceNumberFormat, string InvoicePrefix, string CreditNotePrefix, bool NumberingResetsYearly,
    bool IssueProformas, int PaymentTermsDays, int InvoiceLeadDays, int ChargeOffsetDays, IReadOnlyList<int> ChargeRetryDays,
    IReadOnlyList<int> ReminderDays, int OverdueNoticeDays, decimal? LateFeePercent, decimal? LateFeeFixed, int LateFeeAfterDays,
    int SuspensionWarningDays, int SuspendAfterDays, int TerminateAfterDays, int CancelUnpaidOrdersAfterDays, int PlanChangeExpiryDays,
    DowngradePolicy DowngradePolicy, string? BankTransferInstructions, IReadOnlyList<CurrencyRate>? CurrencyRates);
