using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Billing;
using Npgsql;

namespace MPanel.Web.Features.Catalog;

public sealed record ProductRow(Guid Id, string Name, ProductType Type, ProductVisibility Visibility, ProvisioningPolicy ProvisioningPolicy,
    int? StockLimit, int Sold, IReadOnlyList<ProductPrice> Prices, DateTimeOffset UpdatedAt);

public sealed record ProductView(Guid Id, ProductDetails Details, int Sold, uint Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public bool InStock => Details.StockLimit is null || Sold < Details.StockLimit;
}

public sealed record PromoCodeView(Guid Id, PromoCodeDetails Details, int Uses, uint Version, DateTimeOffset CreatedAt);

public sealed record TaxRuleView(Guid Id, TaxRuleDetails Details, string Label);

public sealed record PromoCheck(string Code, string Description, decimal Discount, string Currency, bool Recurring);

public sealed record CartLine(Guid ProductId, BillingCycle Cycle, IReadOnlyList<OptionChoice>? Options = null, string? Domain = null);

public sealed record OptionChoice(string Code, int Quantity);

/// <summary>Products and prices, promo codes, tax rules and billing settings of the current tenant.</summary>
public sealed class CatalogService(TenantScopeFactory scopes, TimeProvider clock, BillingLedger ledger)
{
    public async Task<Paged<ProductRow>> ListProductsAsync(PageQuery page, bool includeRetired = true, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.Products.AsNoTracking();
        if (!includeRetired) query = query.Where(p => p.Visibility != ProductVisibility.Retired);
        if (page.SearchTerm is { } term) query = query.Where(p => EF.Functions.ILike(p.Name, PagingExtensions.LikePattern(term)));
        var total = await query.CountAsync(ct);
        var ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("type", false) => query.OrderBy(p => p.Type),
            ("type", true) => query.OrderByDescending(p => p.Type),
            ("updatedat", _) => page.Descending ? query.OrderByDescending(p => p.UpdatedAt) : query.OrderBy(p => p.UpdatedAt),
            (_, true) => query.OrderByDescending(p => p.Name),
            _ => query.OrderBy(p => p.Name),
        };
        var items = await ordered.ThenBy(p => p.Id).Page(page).ToListAsync(ct);
        return new Paged<ProductRow>(items.Select(p => new ProductRow(p.Id, p.Name, p.Type, p.Visibility, p.ProvisioningPolicy, p.StockLimit, p.Sold, p.Prices, p.UpdatedAt)).ToList(), total);
    }

    /// <summary>What customers may order: public, in-stock products.</summary>
    public async Task<IReadOnlyList<ProductView>> OrderableAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var products = await scope.Db.Products.AsNoTracking().Where(p => p.Visibility == ProductVisibility.Public).OrderBy(p => p.Name).ToListAsync(ct);
        return products.Where(p => p.InStock).Select(ToView).ToList();
    }

    public async Task<IReadOnlyList<ProductView>> AllProductsAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var products = await scope.Db.Products.AsNoTracking().Where(p => p.Visibility != ProductVisibility.Retired).OrderBy(p => p.Name).ToListAsync(ct);
        return products.Select(ToView).ToList();
    }

    public async Task<ProductView> GetProductAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var product = await scope.Db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundError("Product", id).ToException();
        return ToView(product);
    }

    public async Task<ProductView> CreateProductAsync(ProductDetails details, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var product = Product.Create(details, clock.GetUtcNow());
        await RequireKnownCurrenciesAsync(scope, product.Prices.Select(p => p.Currency), ct);
        scope.Db.Products.Add(product);
        await scope.Db.SaveChangesAsync(ct);
        return ToView(product);
    }

    public async Task<ProductView> UpdateProductAsync(Guid id, ProductDetails details, uint version, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var product = await scope.Db.Products.FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundError("Product", id).ToException();
        scope.Db.Entry(product).Property(p => p.Version).OriginalValue = version;
        product.Update(details, clock.GetUtcNow());
        await RequireKnownCurrenciesAsync(scope, product.Prices.Select(p => p.Currency), ct);
        await scope.Db.SaveChangesAsync(ct);
        return ToView(product);
    }

    private async Task RequireKnownCurrenciesAsync(TenantScope scope, IEnumerable<string> currencies, CancellationToken ct)
    {
        var settings = await ledger.SettingsAsync(scope, ct);
        var unknown = currencies.Except(settings.Currencies).Distinct().ToList();
        if (unknown.Count > 0)
            throw ValidationError.For("prices", $"Add an exchange rate for {string.Join(", ", unknown)} in billing settings first; this tenant sells in {string.Join(", ", settings.Currencies)}.").ToException();
    }

    private static ProductView ToView(Product p) => new(p.Id,
        new ProductDetails(p.Name, p.Type, p.Description, p.Features, p.Resources, p.Visibility, p.StockLimit, p.ProvisioningPolicy, p.Prices, p.Options, p.Dunning),
        p.Sold, p.Version, p.CreatedAt, p.UpdatedAt);

    // ---- promo codes ----

    public async Task<IReadOnlyList<PromoCodeView>> ListPromoCodesAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var promos = await scope.Db.PromoCodes.AsNoTracking().OrderBy(p => p.Code).ToListAsync(ct);
        return promos.Select(ToView).ToList();
    }

    public async Task<PromoCodeView> SavePromoCodeAsync(Guid? id, PromoCodeDetails details, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        PromoCode promo;
        if (id is { } existing)
        {
            promo = await scope.Db.PromoCodes.FirstOrDefaultAsync(p => p.Id == existing, ct) ?? throw new NotFoundError("Promo code", existing).ToException();
            promo.Update(details);
        }
        else
        {
            promo = PromoCode.Create(details, clock.GetUtcNow());
            scope.Db.PromoCodes.Add(promo);
        }
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw ValidationError.For("code", "Another promo code already uses this code.").ToException();
        }
        return ToView(promo);
    }

    /// <summary>Checks a code against a cart for a customer (null: a new visitor) and tells the discount it gives.</summary>
    public async Task<PromoCheck> CheckPromoAsync(string code, IReadOnlyList<CartLine> cart, string currency, Guid? customerId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var normalized = code.Trim().ToUpperInvariant();
        var promo = await scope.Db.PromoCodes.AsNoTracking().FirstOrDefaultAsync(p => p.Code == normalized, ct)
            ?? throw ValidationError.For("promoCode", "This promo code does not exist.").ToException();
        var uses = customerId is { } cid ? await scope.Db.PromoRedemptions.CountAsync(r => r.PromoCodeId == promo.Id && r.CustomerId == cid, ct) : 0;
        var productIds = cart.Select(l => l.ProductId).Distinct().ToList();
        promo.CheckEligibility(productIds, currency, uses, clock.GetUtcNow());
        var products = await scope.Db.Products.AsNoTracking().Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var discount = 0m;
        foreach (var line in cart)
        {
            if (!products.TryGetValue(line.ProductId, out var product)) throw new NotFoundError("Product", line.ProductId).ToException();
            discount += promo.DiscountFor(product.Id, OrdersPricing.ItemPrice(product, line, currency).Price);
        }
        return new PromoCheck(promo.Code, promo.Description ?? "", decimal.Round(discount, Money.MinorUnits(currency), MidpointRounding.ToEven), currency, promo.Recurring);
    }

    private static PromoCodeView ToView(PromoCode p) => new(p.Id,
        new PromoCodeDetails(p.Code, p.Description, p.Kind, p.Value, p.Currency, p.Recurring, p.ProductIds, p.StartsAt, p.EndsAt, p.MaxUses, p.PerCustomerLimit, p.Active),
        p.Uses, p.Version, p.CreatedAt);

    // ---- tax rules ----

    public async Task<IReadOnlyList<TaxRuleView>> ListTaxRulesAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var rules = await scope.Db.TaxRules.AsNoTracking().OrderBy(r => r.Country).ThenBy(r => r.Region).ThenBy(r => r.Priority).ToListAsync(ct);
        return rules.Select(r => new TaxRuleView(r.Id, new TaxRuleDetails(r.Name, r.Country, r.Region, r.Rate, r.Compound, r.Priority), r.Label)).ToList();
    }

    public async Task<TaxRuleView> SaveTaxRuleAsync(Guid? id, TaxRuleDetails details, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        TaxRule rule;
        if (id is { } existing)
        {
            rule = await scope.Db.TaxRules.FirstOrDefaultAsync(r => r.Id == existing, ct) ?? throw new NotFoundError("Tax rule", existing).ToException();
            rule.Update(details);
        }
        else
        {
            rule = TaxRule.Create(details, clock.GetUtcNow());
            scope.Db.TaxRules.Add(rule);
        }
        await scope.Db.SaveChangesAsync(ct);
        return new TaxRuleView(rule.Id, details, rule.Label);
    }

    public async Task DeleteTaxRuleAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var rule = await scope.Db.TaxRules.FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw new NotFoundError("Tax rule", id).ToException();
        scope.Db.TaxRules.Remove(rule);
        await scope.Db.SaveChangesAsync(ct);
    }

    // ---- settings ----

    public async Task<(BillingSettingsDetails Details, uint Version)> GetSettingsAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var settings = await ledger.SettingsAsync(scope, ct);
        return (settings.ToDetails(), settings.Version);
    }

    public async Task<(BillingSettingsDetails Details, uint Version)> UpdateSettingsAsync(BillingSettingsDetails details, uint version, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var settings = await ledger.SettingsAsync(scope, ct);
        scope.Db.Entry(settings).Property(s => s.Version).OriginalValue = version;
        settings.Update(details, clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        return (settings.ToDetails(), settings.Version);
    }
}

/// <summary>Prices of a cart line: the product's price for the cycle and currency plus chosen options.</summary>
public static class OrdersPricing
{
    public static (decimal Price, decimal SetupFee, IReadOnlyList<ChosenOption> Options) ItemPrice(Product product, CartLine line, string currency)
    {
        var price = product.PriceFor(line.Cycle, currency);
        var options = new List<ChosenOption>();
        foreach (var choice in line.Options ?? [])
        {
            if (choice.Quantity == 0) continue;
            var option = product.Options.FirstOrDefault(o => o.Code == choice.Code)
                ?? throw ValidationError.For("options", $"{product.Name} has no option '{choice.Code}'.").ToException();
            if (choice.Quantity < 0 || choice.Quantity > option.MaxQuantity)
                throw ValidationError.For("options", $"{option.Name}: choose 0 to {option.MaxQuantity}.").ToException();
            var unit = option.PriceFor(line.Cycle, currency)
                ?? throw ValidationError.For("options", $"{option.Name} has no {line.Cycle.Label().ToLowerInvariant()} price in {currency}.").ToException();
            options.Add(new ChosenOption(option.Code, option.Name, choice.Quantity, unit));
        }
        return (price.Amount + options.Sum(o => o.Quantity * o.UnitPrice), price.SetupFee, options);
    }
}
