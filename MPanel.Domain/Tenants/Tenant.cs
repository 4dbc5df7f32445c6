using MPanel.Domain.Common;

namespace MPanel.Domain.Tenants;

public enum TenantKind { Platform, Reseller }

public enum TenantStatus { Active, Suspended, Closed }

/// <summary>A business on MPanel: the platform itself, or a reseller under a parent tenant.
/// Tenants are global rows; who may see which tenant is decided by authorization.</summary>
public sealed class Tenant : Entity, IGlobalEntity, IVersioned
{
    private Tenant() { }

    public string Name { get; private set; } = "";
    public string Slug { get; private set; } = "";
    public TenantKind Kind { get; private set; }
    public Guid? ParentTenantId { get; private set; }
    public TenantStatus Status { get; private set; }
    public string DefaultCurrency { get; private set; } = "EUR";
    public TenantBranding Branding { get; private set; } = new();
    /// <summary>What a reseller may hold (null figures are unlimited); set by the parent's staff.</summary>
    public TenantLimits Limits { get; private set; } = new();
    /// <summary>Customers of this tenant must sign in with two-factor too (staff always must, platform-wide).</summary>
    public bool RequireTwoFactorForClients { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public uint Version { get; private set; }

    public static Tenant CreatePlatform(string name, string slug, DateTimeOffset now) =>
        Create(name, slug, TenantKind.Platform, null, "EUR", now);

    public static Tenant CreateReseller(Tenant parent, string name, string slug, string currency, DateTimeOffset now)
    {
        if (parent.Status != TenantStatus.Active)
            throw new ConflictError("parent_inactive", "A reseller can only be created under an active tenant.").ToException();
        return Create(name, slug, TenantKind.Reseller, parent.Id, currency, now);
    }

    private static Tenant Create(string name, string slug, TenantKind kind, Guid? parentId, string currency, DateTimeOffset now)
    {
        var cleanName = Text.Clean(name);
        var cleanSlug = slug?.Trim().ToLowerInvariant();
        var cleanCurrency = currency?.Trim().ToUpperInvariant();
        new Validator()
            .Require(cleanName is { Length: >= 2 and <= 100 }, "name", "Name must be 2 to 100 characters.")
            .Require(Text.IsSlug(cleanSlug), "slug", "Slug must be 1 to 40 lower-case letters, digits or dashes, not starting or ending with a dash.")
            .Require(cleanCurrency is { Length: 3 } && cleanCurrency.All(char.IsAsciiLetterUpper), "defaultCurrency", "Currency must be a three-letter ISO 4217 code.")
            .ThrowIfInvalid();
        return new Tenant
        {
            Name = cleanName!,
            Slug = cleanSlug!,
            Kind = kind,
            ParentTenantId = parentId,
            Status = TenantStatus.Active,
            DefaultCurrency = cleanCurrency!,
            CreatedAt = now,
            Branding = new TenantBranding { ProductName = cleanName! },
        };
    }

    public void Rename(string name)
    {
        var clean = Text.Clean(name);
        new Validator().Require(clean is { Length: >= 2 and <= 100 }, "name", "Name must be 2 to 100 characters.").ThrowIfInvalid();
        Name = clean!;
    }

    public void ChangeStatus(TenantStatus status)
    {
        if (Kind == TenantKind.Platform && status != TenantStatus.Active)
            throw new ConflictError("platform_tenant", "The platform tenant cannot be suspended or closed.").ToException();
        if (Status == TenantStatus.Closed && status != TenantStatus.Closed)
            throw new ConflictError("tenant_closed", "A closed tenant cannot be reopened.").ToException();
        Status = status;
    }

    public void RequireTwoFactorForClientsToo(bool required) => RequireTwoFactorForClients = required;

    /// <summary>Sets what this tenant may hold. The platform tenant is never limited.</summary>
    public void SetLimits(TenantLimits limits)
    {
        if (Kind == TenantKind.Platform && limits != new TenantLimits())
            throw new ConflictError("platform_tenant", "The platform tenant cannot be limited.").ToException();
        limits.Validate();
        Limits = limits;
    }

    /// <summary>Refuses one more customer when the tenant already holds <paramref name="existing"/> and its limit is reached.</summary>
    public void EnsureRoomForCustomer(int existing)
    {
        if (Limits.MaxCustomers is { } max && existing >= max)
            throw new ConflictError("limit_customers",
                $"{Name} has reached its limit of {max} customer{(max == 1 ? "" : "s")}. Ask your provider to raise it.").ToException();
    }

    /// <summary>Refuses one more site when the tenant already holds <paramref name="existing"/> and its limit is reached.</summary>
    public void EnsureRoomForSite(int existing)
    {
        if (Limits.MaxSites is { } max && existing >= max)
            throw new ConflictError("limit_sites",
                $"{Name} has reached its limit of {max} site{(max == 1 ? "" : "s")}. Ask your provider to raise it.").ToException();
    }

    public void UpdateBranding(TenantBranding branding)
    {
        branding.Validate();
        Branding = branding;
    }
}

/// <summary>What a reseller tenant may hold; null means unlimited.</summary>
public sealed record TenantLimits
{
    public int? MaxCustomers { get; init; }
    public int? MaxSites { get; init; }
    public int? MaxDiskMb { get; init; }
    public int? MaxMailboxes { get; init; }

    public void Validate() => new Validator()
        .Require(MaxCustomers is null or >= 0, "maxCustomers", "Max customers must be zero or more (empty for unlimited).")
        .Require(MaxSites is null or >= 0, "maxSites", "Max sites must be zero or more (empty for unlimited).")
        .Require(MaxDiskMb is null or >= 0, "maxDiskMb", "Max disk must be zero or more MB (empty for unlimited).")
        .Require(MaxMailboxes is null or >= 0, "maxMailboxes", "Max mailboxes must be zero or more (empty for unlimited).")
        .ThrowIfInvalid();
}

/// <summary>What a tenant's portal looks like. Colours are #rrggbb.</summary>
public sealed record TenantBranding
{
    public string ProductName { get; init; } = "MPanel";
    public string PrimaryColor { get; init; } = "#3949ab";
    public string SecondaryColor { get; init; } = "#00897b";
    public string? LogoUrl { get; init; }
    public string? SupportEmail { get; init; }

    public void Validate() => new Validator()
        .Require(Text.Clean(ProductName) is { Length: >= 2 and <= 60 }, "productName", "Product name must be 2 to 60 characters.")
        .Require(IsColor(PrimaryColor), "primaryColor", "Use a colour like #3949ab.")
        .Require(IsColor(SecondaryColor), "secondaryColor", "Use a colour like #00897b.")
        .Require(SupportEmail is null || Text.IsEmail(SupportEmail), "supportEmail", "Enter a valid email address.")
        .Require(LogoUrl is null || (Uri.TryCreate(LogoUrl, UriKind.Absolute, out var u) && (u.Scheme == "https" || u.Scheme == "http")), "logoUrl", "Logo must be an http(s) URL.")
        .ThrowIfInvalid();

    private static bool IsColor(string? value) =>
        value is { Length: 7 } && value[0] == '#' && value.Skip(1).All(char.IsAsciiHexDigit);
}
