using MPanel.Domain.Common;

namespace MPanel.Domain.Billing;

public enum PromoKind { Percent, Fixed }

/// <summary>A promo code. Every rule (dates, products, total and per-customer uses, currency) is checked in
/// <see cref="CheckEligibility"/>, the one place, and counted by <see cref="Redeem"/> under optimistic concurrency.</summary>
public sealed class PromoCode : Entity, ITenantOwned, IVersioned
{
    private PromoCode() { }

    public Guid TenantId { get; private set; }
    public string Code { get; private set; } = "";
    public string? Description { get; private set; }
    public PromoKind Kind { get; private set; }
    /// <summary>Percent (0–100) or a fixed amount in <see cref="Currency"/> per item.</summary>
    public decimal Value { get; private set; }
    public string? Currency { get; private set; }
    /// <summary>Recurring: the discount applies to every renewal; otherwise to the first cycle only.</summary>
    public bool Recurring { get; private set; }
    /// <summary>Products it applies to; empty means all.</summary>
    public List<Guid> ProductIds { get; private set; } = [];
    public DateTimeOffset? StartsAt { get; private set; }
    public DateTimeOffset? EndsAt { get; private set; }
    public int? MaxUses { get; private set; }
    public int? PerCustomerLimit { get; private set; }
    public int Uses { get; private set; }
    public bool Active { get; private set; } = true;
    public DateTimeOffset CreatedAt { get; private set; }
    public uint Version { get; private set; }

    public static PromoCode Create(PromoCodeDetails d, DateTimeOffset now)
    {
        var promo = new PromoCode { CreatedAt = now };
        promo.Update(d);
        return promo;
    }

    public void Update(PromoCodeDetails d)
    {
        var code = d.Code?.Trim().ToUpperInvariant();
        var currency = Text.Clean(d.Currency)?.ToUpperInvariant();
        new Validator()
            .Require(code is { Length: >= 3 and <= 32 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), "code", "Code is 3 to 32 letters, digits, - or _.")
            .Require(d.Kind != PromoKind.Percent || d.Value is > 0 and <= 100, "value", "A percentage is above 0 and at most 100.")
            .Require(d.Kind != PromoKind.Fixed || d.Value > 0, "value", "A fixed discount is positive.")
            .Require(d.Kind != PromoKind.Fixed || currency is { Length: 3 }, "currency", "A fixed discount needs its currency.")
            .Require(d.EndsAt is null || d.StartsAt is null || d.EndsAt > d.StartsAt, "endsAt", "The end comes after the start.")
            .Require(d.MaxUses is null or >= 1, "maxUses", "Maximum uses is at least 1.")
            .Require(d.PerCustomerLimit is null or >= 1, "perCustomerLimit", "Per-customer limit is at least 1.")
            .Require(Text.Clean(d.Description) is null or { Length: <= 200 }, "description", "Description is at most 200 characters.")
            .ThrowIfInvalid();
        Code = code!;
        Description = Text.Clean(d.Description);
        Kind = d.Kind;
        Value = d.Value;
        Currency = d.Kind == PromoKind.Fixed ? currency : null;
        Recurring = d.Recurring;
        ProductIds = [.. (d.ProductIds ?? []).Distinct()];
        StartsAt = d.StartsAt;
        EndsAt = d.EndsAt;
        MaxUses = d.MaxUses;
        PerCustomerLimit = d.PerCustomerLimit;
        Active = d.Active;
    }

    public bool AppliesTo(Guid productId) => ProductIds.Count == 0 || ProductIds.Contains(productId);

    /// <summary>Throws a field error on <c>promoCode</c> when the code cannot be used for this cart.</summary>
    public void CheckEligibility(IReadOnlyCollection<Guid> productIds, string currency, int usesByCustomer, DateTimeOffset now)
    {
        string? problem =
            !Active ? "This promo code is not active." :
            StartsAt is { } s && now < s ? "This promo code is not valid yet." :
            EndsAt is { } e && now >= e ? "This promo code has expired." :
            MaxUses is { } max && Uses >= max ? "This promo code has been used up." :
            PerCustomerLimit is { } per && usesByCustomer >= per ? "You have already used this promo code." :
            !productIds.Any(AppliesTo) ? "This promo code does not apply to these products." :
            Kind == PromoKind.Fixed && Currency != currency ? $"This promo code is for {Currency} orders." :
            null;
        if (problem is not null) throw ValidationError.For("promoCode", problem).ToException();
    }

    /// <summary>The discount on one item of <paramref name="amount"/>, never more than the amount.</summary>
    public decimal DiscountFor(Guid productId, decimal amount)
    {
        if (!AppliesTo(productId) || amount <= 0) return 0m;
        var discount = Kind == PromoKind.Percent ? decimal.Round(amount * Value / 100m, 4, MidpointRounding.ToEven) : Value;
        return Math.Min(discount, amount);
    }

    public void Redeem() => Uses++;

    /// <summary>An order that used the code was cancelled: the use is given back.</summary>
    public void Unredeem() { if (Uses > 0) Uses--; }
}

public sealed record PromoCodeDetails(string Code, string? Description, PromoKind Kind, decimal Value, string? Currency, bool Recurring,
    IReadOnlyList<Guid>? ProductIds, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, int? MaxUses, int? PerCustomerLimit, bool Active = true);

/// <summary>One use of a promo code by a customer's order (per-customer limits count these).</summary>
public sealed class PromoRedemption : Entity, ITenantOwned
{
    private PromoRedemption() { }

    public PromoRedemption(PromoCode promo, Guid customerId, Guid orderId, DateTimeOffset at)
    {
        TenantId = promo.TenantId;
        PromoCodeId = promo.Id;
        CustomerId = customerId;
        OrderId = orderId;
        At = at;
    }

    public Guid TenantId { get; private set; }
    public Guid PromoCodeId { get; private set; }
    public Guid CustomerId { get; private set; }
    public Guid OrderId { get; private set; }
    public DateTimeOffset At { get; private set; }
}
