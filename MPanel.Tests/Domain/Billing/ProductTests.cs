using MPanel.Domain.Billing;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class ProductTests
{
    private static string[] PricesError(params ProductPrice[] prices) =>
        ValidationFields(() => Product.Create(ProductDetails(prices), Now));

    [Fact]
    public void Create_WithoutPrices_IsRefused() => Assert.Equal(["prices"], PricesError());

    [Fact]
    public void Create_SameCycleAndCurrencyTwice_IsRefused_EvenInDifferentCase() =>
        Assert.Equal(["prices"], PricesError(new ProductPrice(BillingCycle.Monthly, "EUR", 9.99m, 0m), new ProductPrice(BillingCycle.Monthly, "eur", 8.99m, 0m)));

    [Fact]
    public void Create_SameCycleInTwoCurrencies_IsFine()
    {
        var product = Product.Create(ProductDetails([new(BillingCycle.Monthly, "EUR", 9.99m, 0m), new(BillingCycle.Monthly, " usd ", 10.99m, 0m)]), Now);
        Assert.Equal(10.99m, product.PriceFor(BillingCycle.Monthly, "USD").Amount);
    }

    [Theory]
    [InlineData(-0.01, 0)]
    [InlineData(9.99, -1)]
    [InlineData(9.99999, 0)] // more than four decimals
    public void Create_NegativeOrOverPrecisePrice_IsRefused(decimal amount, decimal setupFee) =>
        Assert.Equal(["prices"], PricesError(new ProductPrice(BillingCycle.Monthly, "EUR", amount, setupFee)));

    [Fact]
    public void Create_FreeProduct_IsFine() =>
        Assert.Equal(0m, Product.Create(ProductDetails([new(BillingCycle.OneTime, "EUR", 0m, 0m)]), Now).PriceFor(BillingCycle.OneTime, "EUR").Amount);

    [Fact]
    public void Create_NegativeStockLimit_IsRefused() =>
        Assert.Equal(["stockLimit"], ValidationFields(() => Product.Create(ProductDetails(stockLimit: -1), Now)));

    [Fact]
    public void PriceFor_MissingCycle_IsAConflict() =>
        Assert.Equal("price_unavailable", ConflictCode(() => NewProduct().PriceFor(BillingCycle.Quarterly, "EUR")));

    [Fact]
    public void Reserve_StopsAtTheStockLimit()
    {
        var product = NewProduct(stockLimit: 2);
        product.Reserve();
        product.Reserve();
        Assert.False(product.InStock);
        Assert.False(product.IsOrderable);
        Assert.Equal("out_of_stock", ConflictCode(product.Reserve));
        Assert.Equal(2, product.Sold);

        product.Release();
        Assert.True(product.IsOrderable);
        product.Reserve();
        Assert.Equal(2, product.Sold);
    }

    [Fact]
    public void Reserve_WithZeroStock_IsRefused() =>
        Assert.Equal("out_of_stock", ConflictCode(NewProduct(stockLimit: 0).Reserve));

    [Fact]
    public void Reserve_WithoutLimit_NeverRunsOut()
    {
        var product = NewProduct();
        for (var i = 0; i < 1000; i++) product.Reserve();
        Assert.Equal(1000, product.Sold);
        Assert.True(product.InStock);
    }

    [Fact]
    public void Reserve_RetiredProduct_IsRefused()
    {
        var product = NewProduct(visibility: ProductVisibility.Retired);
        Assert.False(product.IsOrderable);
        Assert.Equal("product_retired", ConflictCode(product.Reserve));
        Assert.Equal(0, product.Sold);
    }

    [Fact]
    public void Reserve_HiddenProduct_IsAllowed()
    {
        var product = NewProduct(visibility: ProductVisibility.Hidden);
        product.Reserve();
        Assert.Equal(1, product.Sold);
    }

    [Fact]
    public void Release_NeverGoesBelowZero()
    {
        var product = NewProduct();
        product.Release();
        Assert.Equal(0, product.Sold);
    }
}
