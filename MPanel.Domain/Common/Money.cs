using System.Globalization;

namespace MPanel.Domain.Common;

/// <summary>An amount in one ISO 4217 currency. Stored as numeric(19,4) plus a three-letter code.
/// Rounding rule for the whole platform: half-even ("banker's") to the currency's minor unit,
/// applied once per line by <see cref="RoundToMinorUnit"/>.</summary>
public readonly record struct Money
{
    public decimal Amount { get; }
    public string Currency { get; }

    public Money(decimal amount, string currency)
    {
        if (string.IsNullOrWhiteSpace(currency) || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            throw ValidationError.For("currency", "Currency must be a three-letter ISO 4217 code such as EUR.").ToException();
        if (decimal.Round(amount, 4) != amount)
            throw ValidationError.For("amount", "Amounts carry at most four decimal places.").ToException();
        Amount = amount;
        Currency = currency;
    }

    public static Money Zero(string currency) => new(0m, currency);

    public static int MinorUnits(string currency) => currency switch
    {
        "JPY" or "KRW" or "VND" or "CLP" or "ISK" or "HUF" => 0,
        "BHD" or "KWD" or "OMR" or "JOD" or "TND" => 3,
        _ => 2,
    };

    public Money RoundToMinorUnit() =>
        new(decimal.Round(Amount, MinorUnits(Currency), MidpointRounding.ToEven), Currency);

    public static Money operator +(Money a, Money b) { SameCurrency(a, b); return new(a.Amount + b.Amount, a.Currency); }
    public static Money operator -(Money a, Money b) { SameCurrency(a, b); return new(a.Amount - b.Amount, a.Currency); }
    public Money Multiply(decimal factor) => new(decimal.Round(Amount * factor, 4, MidpointRounding.ToEven), Currency);

    private static void SameCurrency(Money a, Money b)
    {
        if (a.Currency != b.Currency)
            throw new ConflictError("currency_mismatch", $"Cannot combine {a.Currency} and {b.Currency}.").ToException();
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Amount.ToString("N" + MinorUnits(Currency), CultureInfo.InvariantCulture)} {Currency}");
}
