using MPanel.Domain.Common;

namespace MPanel.Tests.Domain;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("2.345", "EUR", "2.34")]   // half-even: 4 is even, stays
    [InlineData("2.355", "EUR", "2.36")]   // half-even: 5 rounds to the even 6
    [InlineData("-2.345", "EUR", "-2.34")]
    [InlineData("1234.5", "JPY", "1234")]  // no minor unit
    [InlineData("1.2345", "KWD", "1.234")] // three decimals
    public void RoundToMinorUnit_UsesHalfEvenPerCurrency(string amount, string currency, string expected)
    {
        var rounded = new Money(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency).RoundToMinorUnit();
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), rounded.Amount);
    }

    [Fact]
    public void Adding_DifferentCurrencies_IsRefused()
    {
        var ex = Assert.Throws<DomainException>(() => new Money(1m, "EUR") + new Money(1m, "USD"));
        Assert.Equal("currency_mismatch", ex.Error.Code);
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("EURO")]
    [InlineData("")]
    public void Currency_MustBeThreeUpperCaseLetters(string currency) =>
        Assert.IsType<ValidationError>(Assert.Throws<DomainException>(() => new Money(1m, currency)).Error);

    [Fact]
    public void Amount_KeepsAtMostFourDecimals() =>
        Assert.Throws<DomainException>(() => new Money(0.00001m, "EUR"));
}
