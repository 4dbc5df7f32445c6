using MPanel.Domain.Billing;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class PromoCodeTests
{
    private static readonly Guid Starter = Guid.Parse("0195a1b2-0000-7000-8000-00000000000a");
    private static readonly Guid Pro = Guid.Parse("0195a1b2-0000-7000-8000-00000000000b");

    private static PromoCodeDetails Percent(decimal value = 15m) =>
        new("summer-25", null, PromoKind.Percent, value, null, false, null, null, null, null, null);

    private static PromoCodeDetails Fixed(decimal value, string currency = "EUR") =>
        new("WELCOME10", null, PromoKind.Fixed, value, currency, false, null, null, null, null, null);

    private static PromoCode Create(PromoCodeDetails d) => PromoCode.Create(d, Now);

    private static string Problem(PromoCode promo, string currency = "EUR", int usesByCustomer = 0, DateTimeOffset? at = null,
        IReadOnlyCollection<Guid>? products = null)
    {
        var fields = Assert.IsType<MPanel.Domain.Common.ValidationError>(
            ErrorOf(() => promo.CheckEligibility(products ?? [Starter], currency, usesByCustomer, at ?? Now))).Fields;
        Assert.Equal(["promoCode"], fields.Keys);
        return Assert.Single(fields["promoCode"]);
    }

    private static void Eligible(PromoCode promo, string currency = "EUR", int usesByCustomer = 0, DateTimeOffset? at = null,
        IReadOnlyCollection<Guid>? products = null) =>
        promo.CheckEligibility(products ?? [Starter], currency, usesByCustomer, at ?? Now); // throws if not

    [Fact]
    public void Create_NormalisesTheCode() => Assert.Equal("SUMMER-25", Create(Percent()).Code);

    [Fact]
    public void Inactive_IsRefused()
    {
        var promo = Create(Percent() with { Active = false });
        Assert.Equal("This promo code is not active.", Problem(promo));
    }

    [Fact]
    public void BeforeItsStart_IsRefused_AndFromItsStartAccepted()
    {
        var promo = Create(Percent() with { StartsAt = Now.AddDays(1) });
        Assert.Equal("This promo code is not valid yet.", Problem(promo));
        Eligible(promo, at: Now.AddDays(1));
    }

    [Fact]
    public void AtItsEnd_IsExpired()
    {
        var promo = Create(Percent() with { EndsAt = Now.AddDays(1) });
        Eligible(promo, at: Now.AddDays(1).AddTicks(-1));
        Assert.Equal("This promo code has expired.", Problem(promo, at: Now.AddDays(1)));
    }

    [Fact]
    public void MaxUsesReached_IsRefused_UntilAUseIsGivenBack()
    {
        var promo = Create(Percent() with { MaxUses = 2 });
        promo.Redeem();
        Eligible(promo);
        promo.Redeem();
        Assert.Equal("This promo code has been used up.", Problem(promo));
        promo.Unredeem();
        Eligible(promo);
    }

    [Fact]
    public void PerCustomerLimitReached_IsRefused()
    {
        var promo = Create(Percent() with { PerCustomerLimit = 1 });
        Eligible(promo, usesByCustomer: 0);
        Assert.Equal("You have already used this promo code.", Problem(promo, usesByCustomer: 1));
    }

    [Fact]
    public void ProductNotCovered_IsRefused_ButOneCoveredProductIsEnough()
    {
        var promo = Create(Percent() with { ProductIds = [Pro] });
        Assert.Equal("This promo code does not apply to these products.", Problem(promo, products: [Starter]));
        Eligible(promo, products: [Starter, Pro]);
    }

    [Fact]
    public void FixedAmountInAnotherCurrency_IsRefused()
    {
        var promo = Create(Fixed(10m, "eur"));
        Assert.Equal("EUR", promo.Currency);
        Assert.Equal("This promo code is for EUR orders.", Problem(promo, currency: "USD"));
        Eligible(promo, currency: "EUR");
    }

    [Fact]
    public void Percent_WorksInAnyCurrency()
    {
        var promo = Create(Percent() with { Currency = "EUR" });
        Assert.Null(promo.Currency);
        Eligible(promo, currency: "JPY");
    }

    [Theory]
    [InlineData(15, 19.99, 2.9985)]   // kept to four decimals; the invoice line rounds once
    [InlineData(12.5, 9.99, 1.2488)]  // 1.24875 → half-even at four decimals → 1.2488
    [InlineData(100, 19.99, 19.99)]
    public void PercentDiscount_IsTheShareOfTheAmount(decimal percent, decimal amount, decimal expected) =>
        Assert.Equal(expected, Create(Percent(percent)).DiscountFor(Starter, amount));

    [Theory]
    [InlineData(25, 100, 25)]
    [InlineData(25, 19.99, 19.99)] // never more than the amount
    public void FixedDiscount_IsCappedAtTheAmount(decimal value, decimal amount, decimal expected) =>
        Assert.Equal(expected, Create(Fixed(value)).DiscountFor(Starter, amount));

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Discount_OnNothing_IsZero(decimal amount) => Assert.Equal(0m, Create(Fixed(10m)).DiscountFor(Starter, amount));

    [Fact]
    public void Discount_OnAnUncoveredProduct_IsZero() =>
        Assert.Equal(0m, Create(Percent() with { ProductIds = [Pro] }).DiscountFor(Starter, 100m));

    [Fact]
    public void RedeemAndUnredeem_CountUses_NeverBelowZero()
    {
        var promo = Create(Percent());
        promo.Unredeem();
        Assert.Equal(0, promo.Uses);
        promo.Redeem();
        promo.Redeem();
        promo.Redeem();
        promo.Unredeem();
        Assert.Equal(2, promo.Uses);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100.01)]
    public void Create_PercentOutOfRange_IsRefused(decimal value) =>
        Assert.Equal(["value"], ValidationFields(() => Create(Percent(value))));

    [Fact]
    public void Create_FixedWithoutCurrency_IsRefused() =>
        Assert.Equal(["currency"], ValidationFields(() => Create(Fixed(10m) with { Currency = null })));

    [Fact]
    public void Create_EndBeforeStart_IsRefused() =>
        Assert.Equal(["endsAt"], ValidationFields(() => Create(Percent() with { StartsAt = Now, EndsAt = Now })));

    [Theory]
    [InlineData("ab")]
    [InlineData("NO SPACES")]
    public void Create_BadCode_IsRefused(string code) =>
        Assert.Equal(["code"], ValidationFields(() => Create(Percent() with { Code = code })));

    [Fact]
    public void Create_ZeroLimits_AreRefused() =>
        Assert.Equal(["maxUses", "perCustomerLimit"], ValidationFields(() => Create(Percent() with { MaxUses = 0, PerCustomerLimit = 0 })));
}
