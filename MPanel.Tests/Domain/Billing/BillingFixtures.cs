using MPanel.Domain.Billing;
using MPanel.Domain.Common;

namespace MPanel.Tests.Domain.Billing;

/// <summary>Small builders shared by the billing domain tests: tax rules, tax contexts, invoices, products.</summary>
internal static class BillingFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 3, 15, 10, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly Today = new(2026, 3, 15);
    public static readonly Guid TenantId = Guid.Parse("0195a1b2-0000-7000-8000-000000000001");
    public static readonly Guid CustomerId = Guid.Parse("0195a1b2-0000-7000-8000-000000000002");

    public static TaxRule Rule(string name, string country, decimal rate, string? region = null, bool compound = false, int priority = 0) =>
        TaxRule.Create(new TaxRuleDetails(name, country, region, rate, compound, priority), Now);

    /// <summary>A Dutch seller selling to a buyer in <paramref name="buyerCountry"/>.</summary>
    public static TaxContext Context(string buyerCountry, IReadOnlyList<TaxRule> rules, bool pricesIncludeTax = false, string? vatId = null,
        string? region = null, bool exempt = false, string sellerCountry = "NL") =>
        new(sellerCountry, buyerCountry, region, vatId, exempt, rules, pricesIncludeTax);

    public static TaxContext NoTax(string country = "NL") => Context(country, []);

    /// <summary>21% VAT charged on top of the price (prices exclude tax), buyer in the Netherlands.</summary>
    public static TaxContext DutchVat(bool pricesIncludeTax = false) => Context("NL", [Rule("VAT", "NL", 21m)], pricesIncludeTax);

    public static BuyerSnapshot Buyer(string country = "NL", string? vatId = null) =>
        new("Ada Lovelace", "ada@example.test", country, ["Keizersgracht 1", "1015 AA Amsterdam"], vatId);

    public static Invoice Draft(TaxContext? tax = null, string currency = "EUR") =>
        Invoice.Create(TenantId, CustomerId, currency, Buyer(), tax ?? DutchVat(), Today, Today.AddDays(14), Now);

    public static InvoiceLineInput Line(decimal unitPrice, decimal quantity = 1m, decimal discount = 0m, string description = "Hosting") =>
        new(InvoiceLineKind.Product, description, quantity, unitPrice, discount);

    /// <summary>A final, open invoice of one 100.00 line with 21% VAT on top: total 121.00 EUR.</summary>
    public static Invoice Open121(string number = "INV-2026-000001")
    {
        var invoice = Draft();
        invoice.AddLine(Line(100m), DutchVat());
        invoice.Finalise(number, Now);
        return invoice;
    }

    public static ProductDetails ProductDetails(IReadOnlyList<ProductPrice>? prices = null, int? stockLimit = null,
        ProductVisibility visibility = ProductVisibility.Public) =>
        new("Starter hosting", ProductType.SharedHosting, "One site", ["1 site", "10 GB"], new ProductResources { Sites = 1, DiskMb = 10_240 },
            visibility, stockLimit, ProvisioningPolicy.OnPayment,
            prices ?? [new ProductPrice(BillingCycle.Monthly, "EUR", 9.99m, 0m), new ProductPrice(BillingCycle.Annual, "EUR", 99m, 0m)], []);

    public static Product NewProduct(int? stockLimit = null, ProductVisibility visibility = ProductVisibility.Public) =>
        Product.Create(ProductDetails(stockLimit: stockLimit, visibility: visibility), Now);

    public static DomainError ErrorOf(Action act) => Assert.Throws<DomainException>(act).Error;

    /// <summary>Asserts a validation error and returns the names of the fields it reports.</summary>
    public static string[] ValidationFields(Action act) =>
        [.. Assert.IsType<ValidationError>(ErrorOf(act)).Fields.Keys.Order(StringComparer.Ordinal)];

    public static string ConflictCode(Action act) => Assert.IsType<ConflictError>(ErrorOf(act)).Code;
}
