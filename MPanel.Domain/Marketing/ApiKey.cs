using System.Security.Cryptography;
using System.Text;
using MPanel.Domain.Common;

namespace MPanel.Domain.Marketing;

/// <summary>What a marketing-API key may do: a fixed set. Each scope is also the name of the authorization policy that
/// guards the endpoints needing it.</summary>
public static class ApiScopes
{
    public const string CatalogRead = "catalog:read";
    public const string AccountsWrite = "accounts:write";
    public const string OrdersWrite = "orders:write";
    public const string ServicesWrite = "services:write";
    public const string ReportsRead = "reports:read";
    public const string WebhooksWrite = "webhooks:write";
    public const string StatusRead = "status:read";
    /// <summary>Managing API keys themselves through the API.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All =
        [CatalogRead, AccountsWrite, OrdersWrite, ServicesWrite, ReportsRead, WebhooksWrite, StatusRead, Admin];

    public static string Describe(string scope) => scope switch
    {
        CatalogRead => "Products, prices, availability and promo-code checks",
        AccountsWrite => "Create customer accounts",
        OrdersWrite => "Place orders and follow their status",
        ServicesWrite => "List a customer's services, quote and change plans",
        ReportsRead => "Revenue, signup and usage reports",
        WebhooksWrite => "Register and manage webhook endpoints",
        StatusRead => "System status and incidents",
        Admin => "Create, list and revoke API keys",
        _ => scope,
    };
}

/// <summary>The class of a marketing-API call, each with its own per-minute limit on a key.</summary>
public enum ApiRateClass { Read, Write }

/// <summary>A key the tenant's marketing website uses to call the API. The secret (<c>mpk_live_</c>, a public id, and 256
/// random bits) is shown once; only its SHA-256 hash is kept, beside the visible prefix that finds the key.</summary>
public sealed class ApiKey : Entity, ITenantOwned, IVersioned
{
    public const string SecretPrefix = "mpk_live_";
    public const int DefaultReadsPerMinute = 100;
    public const int DefaultWritesPerMinute = 10;
    public const int MaxPerMinute = 100_000;
    private const int PublicIdLength = 8;
    private const string PublicIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>"mpk_live_" and the public id: what lists show and what finds the key.</summary>
    public static readonly int PrefixLength = SecretPrefix.Length + PublicIdLength;

    private ApiKey() { }

    public Guid TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public string Prefix { get; private set; } = "";
    /// <summary>SHA-256 of the whole secret, upper-case hex.</summary>
    public string SecretHash { get; private set; } = "";
    /// <summary>Space-separated <see cref="ApiScopes"/>.</summary>
    public string Scopes { get; private set; } = "";
    public int ReadsPerMinute { get; private set; }
    public int WritesPerMinute { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public DateTimeOffset? ExpiresAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }
    public DateTimeOffset? LastUsedAt { get; private set; }
    public string? LastUsedIp { get; private set; }
    /// <summary>The key this one replaced by rotation.</summary>
    public Guid? ReplacesKeyId { get; private set; }
    public uint Version { get; private set; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);

    public int LimitFor(ApiRateClass rateClass) => rateClass == ApiRateClass.Write ? WritesPerMinute : ReadsPerMinute;

    /// <summary>A new key and its secret, which the caller shows once and never stores.</summary>
    public static (ApiKey Key, string Secret) Issue(string name, IEnumerable<string>? scopes, DateTimeOffset? expiresAt, int? readsPerMinute,
        int? writesPerMinute, string createdBy, DateTimeOffset now)
    {
        var cleanName = Text.Clean(name);
        var wanted = (scopes ?? []).Select(s => s?.Trim() ?? "").Distinct().ToList();
        var reads = readsPerMinute ?? DefaultReadsPerMinute;
        var writes = writesPerMinute ?? DefaultWritesPerMinute;
        new Validator()
            .Require(cleanName is { Length: >= 2 and <= 100 }, "name", "Name the key (2 to 100 characters), e.g. \"marketing website\".")
            .Require(wanted.Count > 0, "scopes", "Choose at least one scope.")
            .Require(wanted.All(ApiScopes.All.Contains), "scopes", $"Scopes are {string.Join(", ", ApiScopes.All)}.")
            .Require(expiresAt is null || expiresAt > now, "expiresAt", "The expiry must be in the future.")
            .Require(expiresAt is null || expiresAt <= now.AddYears(3), "expiresAt", "A key expires within three years, or never.")
            .Require(reads is >= 1 and <= MaxPerMinute, "readsPerMinute", $"Reads per minute: 1 to {MaxPerMinute}.")
            .Require(writes is >= 1 and <= MaxPerMinute, "writesPerMinute", $"Writes per minute: 1 to {MaxPerMinute}.")
            .ThrowIfInvalid();
        var publicId = RandomNumberGenerator.GetString(PublicIdAlphabet, PublicIdLength);
        var secret = SecretPrefix + publicId + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey
        {
            Name = cleanName!,
            Prefix = secret[..PrefixLength],
            SecretHash = Hash(secret),
            Scopes = string.Join(' ', ApiScopes.All.Where(wanted.Contains)),
            ReadsPerMinute = reads,
            WritesPerMinute = writes,
            ExpiresAt = expiresAt,
            CreatedAt = now,
            CreatedBy = Text.Clean(createdBy) ?? "system",
        };
        return (key, secret);
    }

    /// <summary>Revokes this key and issues its successor with the same name, scopes, limits and expiry.</summary>
    public (ApiKey Key, string Secret) Rotate(string actor, DateTimeOffset now)
    {
        if (!IsActive(now)) throw new ConflictError("api_key_inactive", "Only an active key can be rotated; create a new key instead.").ToException();
        var (next, secret) = Issue(Name, ScopeList, ExpiresAt, ReadsPerMinute, WritesPerMinute, actor, now);
        next.TenantId = TenantId;
        next.ReplacesKeyId = Id;
        Revoke(now);
        return (next, secret);
    }

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    public void SetLimits(int readsPerMinute, int writesPerMinute)
    {
        new Validator()
            .Require(readsPerMinute is >= 1 and <= MaxPerMinute, "readsPerMinute", $"Reads per minute: 1 to {MaxPerMinute}.")
            .Require(writesPerMinute is >= 1 and <= MaxPerMinute, "writesPerMinute", $"Writes per minute: 1 to {MaxPerMinute}.")
            .ThrowIfInvalid();
        ReadsPerMinute = readsPerMinute;
        WritesPerMinute = writesPerMinute;
    }

    /// <summary>The prefix that finds the key a presented secret claims to be, or null when it is not shaped like one.</summary>
    public static string? PrefixOf(string? presented)
    {
        if (presented is null || presented.Length is < 20 or > 200 || !presented.StartsWith(SecretPrefix, StringComparison.Ordinal)) return null;
        if (presented.Length <= PrefixLength || presented[PrefixLength] != '_') return null;
        for (var i = SecretPrefix.Length; i < PrefixLength; i++)
            if (!PublicIdAlphabet.Contains(presented[i])) return null;
        return presented[..PrefixLength];
    }

    /// <summary>Compares the presented secret's hash with the stored one in constant time.</summary>
    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), Convert.FromHexString(SecretHash));

    public static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
