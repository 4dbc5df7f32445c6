using MPanel.Domain.Common;

namespace MPanel.Domain.Billing;

public enum ProductType { SharedHosting, Domain, Email, Ssl, Database, AddOn }

public enum ProductVisibility { Public, Hidden, Retired }

/// <summary>When a subscription for this product is provisioned.</summary>
public enum ProvisioningPolicy { OnOrder, OnPayment, ManualApproval }

/// <summary>What a product grants; provisioning turns this into a plan. Null means "not granted"; quotas are counts,
/// disk in MiB and bandwidth in GiB per month.</summary>
public sealed record ProductResources
{
    public int Sites { get; init; }
    public int DiskMb { get; init; }
    public int BandwidthGb { get; init; }
    public int Mailboxes { get; init; }
    public int Databases { get; init; }
    public int DnsZones { get; init; }
    public int Certificates { get; init; }
    /// <summary>none, daily or weekly.</summary>
    public string BackupSchedule { get; init; } = "none";

    public void Validate(Validator v) => v
        .Require(Sites is >= 0 and <= 10_000 && DiskMb is >= 0 and <= 10_000_000 && BandwidthGb is >= 0 and <= 1_000_000
                 && Mailboxes is >= 0 and <= 100_000 && Databases is >= 0 and <= 10_000 && DnsZones is >= 0 and <= 10_000
                 && Certificates is >= 0 and <= 10_000, "resources", "Resource quotas must be between 0 and their maximum.")
        .Require(BackupSchedule is "none" or "daily" or "weekly", "resources.backupSchedule", "Backups are none, daily or weekly.");
}

/// <summary>The price of one billing cycle in one currency.</summary>
public sealed record ProductPrice(BillingCycle Cycle, string Currency, decimal Amount, decimal SetupFee);

/// <summary>A configurable option (e.g. extra disk), priced per unit per cycle; a customer picks a quantity.</summary>
public sealed record ProductOption(string Code, string Name, string Unit, int MaxQuantity, IReadOnlyList<ProductPrice> Prices)
{
    public decimal? PriceFor(BillingCycle cycle, string currency) =>
        Prices.FirstOrDefault(p => p.Cycle == cycle && p.Currency == currency)?.Amount;
}

public sealed record ProductDetails(
    string Name,
    ProductType Type,
    string? Description,
    IReadOnlyList<string> Features,
    ProductResources Resources,
    ProductVisibility Visibility,
    int? StockLimit,
    ProvisioningPolicy ProvisioningPolicy,
    IReadOnlyList<ProductPrice> Prices,
    IReadOnlyList<ProductOption> Options,
    DunningOverrides? Dunning = null);

/// <summary>A product in a tenant's catalogue with its prices per cycle and currency.</summary>
public sealed class Product : Entity, ITenantOwned, IVersioned
{
    private Product() { }

    public Guid TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public ProductType Type { get; private set; }
    public string? Description { get; private set; }
    public List<string> Features { get; private set; } = [];
    public ProductResources Resources { get; private set; } = new();
    public ProductVisibility Visibility { get; private set; }
    public int? StockLimit { get; private set; }
    /// <summary>Subscriptions sold (not cancelled before activation); compared with <see cref="StockLimit"/>.</summary>
    public int Sold { get; private set; }
    public ProvisioningPolicy ProvisioningPolicy { get; private set; }
    public List<ProductPrice> Prices { get; private set; } = [];
    public List<ProductOption> Options { get; private set; } = [];
    /// <summary>Dunning offsets for this product; null fields fall back to the tenant's settings.</summary>
    public DunningOverrides? Dunning { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }

    public bool InStock => StockLimit is null || Sold < StockLimit;
    public bool IsOrderable => Visibility != ProductVisibility.Retired && InStock;

    public static Product Create(ProductDetails details, DateTimeOffset now)
    {
        var product = new Product { CreatedAt = now };
        product.Update(details, now);
        return product;
    }

    public void Update(ProductDetails d, DateTimeOffset now)
    {
        var name = Text.Clean(d.Name);
        var features = (d.Features ?? []).Select(f => Text.Clean(f)).OfType<string>().ToList();
        var prices = (d.Prices ?? []).Select(p => p with { Currency = p.Currency?.Trim().ToUpperInvariant() ?? "" }).ToList();
        var options = (d.Options ?? []).Select(o => o with
        {
            Code = o.Code?.Trim().ToLowerInvariant() ?? "",
            Name = Text.Clean(o.Name) ?? "",
            Unit = Text.Clean(o.Unit) ?? "unit",
            Prices = (o.Prices ?? []).Select(p => p with { Currency = p.Currency?.Trim().ToUpperInvariant() ?? "" }).ToList(),
        }).ToList();
        var v = new Validator()
            .Require(name is { Length: >= 2 and <= 120 }, "name", "Name must be 2 to 120 characters.")
            .Require(Text.Clean(d.Description) is null or { Length: <= 4000 }, "description", "Description is at most 4000 characters.")
            .Require(features.Count <= 30 && features.All(f => f.Length <= 200), "features", "Up to 30 features of up to 200 characters.")
            .Require(d.StockLimit is null or >= 0, "stockLimit", "Stock limit cannot be negative.")
            .Require(prices.Count > 0, "prices", "Give at least one price.")
            .Require(prices.All(p => IsCurrency(p.Currency)), "prices", "Each price needs a three-letter currency code.")
            .Require(prices.All(p => p.Amount >= 0 && p.SetupFee >= 0 && decimal.Round(p.Amount, 4) == p.Amount && decimal.Round(p.SetupFee, 4) == p.SetupFee),
                "prices", "Prices and setup fees cannot be negative.")
            .Require(prices.GroupBy(p => (p.Cycle, p.Currency)).All(g => g.Count() == 1), "prices", "Each cycle and currency has one price.")
            .Require(options.All(o => Text.IsSlug(o.Code)), "options", "Option codes are lower-case letters, digits and dashes.")
            .Require(options.All(o => o.Name.Length is >= 1 and <= 80 && o.MaxQuantity is >= 1 and <= 10_000), "options", "Each option needs a name and a maximum quantity of 1 to 10000.")
            .Require(options.GroupBy(o => o.Code).All(g => g.Count() == 1), "options", "Option codes must be unique.")
            .Require(options.All(o => o.Prices.All(p => IsCurrency(p.Currency) && p.Amount >= 0)), "options", "Option prices need a currency and cannot be negative.");
        (d.Resources ?? new()).Validate(v);
        d.Dunning?.Validate(v);
        v.ThrowIfInvalid();
        Name = name!;
        Type = d.Type;
        Description = Text.Clean(d.Description);
        Features = features;
        Resources = d.Resources ?? new();
        Visibility = d.Visibility;
        StockLimit = d.StockLimit;
        ProvisioningPolicy = d.ProvisioningPolicy;
        Prices = prices;
        Options = options;
        Dunning = d.Dunning;
        UpdatedAt = now;
    }

    public ProductPrice PriceFor(BillingCycle cycle, string currency) =>
        Prices.FirstOrDefault(p => p.Cycle == cycle && p.Currency == currency)
        ?? throw new ConflictError("price_unavailable", $"{Name} has no {cycle.Label().ToLowerInvariant()} price in {currency}.").ToException();

    /// <summary>Takes one unit of stock for an order; refuses when sold out or retired.</summary>
    public void Reserve()
    {
        if (Visibility == ProductVisibility.Retired)
            throw new ConflictError("product_retired", $"{Name} is no longer sold.").ToException();
        if (!InStock)
            throw new ConflictError("out_of_stock", $"{Name} is out of stock.").ToException();
        Sold++;
    }

    public void Release() { if (Sold > 0) Sold--; }

    private static bool IsCurrency(string c) => c is { Length: 3 } && c.All(char.IsAsciiLetterUpper);
}
