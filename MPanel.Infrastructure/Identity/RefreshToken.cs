using System.Security.Cryptography;
using System.Text;
using MPanel.Domain.Common;

namespace MPanel.Infrastructure.Identity;

/// <summary>One refresh token of the REST API, stored only as a SHA-256 hash. Tokens of one sign-in form a family:
/// each refresh spends the presented token and issues the next; presenting a spent token again means it was stolen,
/// and the whole family is revoked.</summary>
public sealed class RefreshToken : Entity, ITenantOwned
{
    private RefreshToken() { }

    public RefreshToken(Guid tenantId, Guid userId, Guid familyId, string tokenHash, DateTimeOffset now, TimeSpan lifetime)
    {
        TenantId = tenantId;
        UserId = userId;
        FamilyId = familyId;
        TokenHash = tokenHash;
        CreatedAt = now;
        ExpiresAt = now + lifetime;
    }

    public Guid TenantId { get; private set; }
    public Guid UserId { get; private set; }
    public Guid FamilyId { get; private set; }
    public string TokenHash { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsUsable(DateTimeOffset now) => UsedAt is null && RevokedAt is null && now < ExpiresAt;

    public void Spend(DateTimeOffset now) => UsedAt ??= now;

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    /// <summary>A new opaque token (256 random bits, base64url) and the hash that is stored.</summary>
    public static (string Token, string Hash) Create()
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A secret of the whole platform (the API's token signing key), stored encrypted with Data Protection so
/// every instance sharing the key ring can read it and nobody reading the database can.</summary>
public sealed class PlatformSecret : IGlobalEntity
{
    private PlatformSecret() { }

    public PlatformSecret(string name, string protectedValue, DateTimeOffset now)
    {
        Name = name;
        ProtectedValue = protectedValue;
        CreatedAt = now;
    }

    public string Name { get; private set; } = "";
    public string ProtectedValue { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>A personal access token for automation: a long random secret shown once (stored as a SHA-256 hash, with a
/// visible prefix to recognise it), limited to the scopes (permission names) its owner chose, optionally expiring.</summary>
public sealed class PersonalAccessToken : Entity, ITenantOwned
{
    public const string SecretPrefix = "mpat_";

    private PersonalAccessToken() { }

    public PersonalAccessToken(Guid tenantId, Guid userId, string name, string tokenHash, string displayPrefix,
        IReadOnlyList<string> scopes, DateTimeOffset now, DateTimeOffset? expiresAt)
    {
        TenantId = tenantId;
        UserId = userId;
        Name = name;
        TokenHash = tokenHash;
        DisplayPrefix = displayPrefix;
        Scopes = string.Join(' ', scopes);
        CreatedAt = now;
        ExpiresAt = expiresAt;
    }

    public Guid TenantId { get; private set; }
    public Guid UserId { get; private set; }
    public string Name { get; private set; } = "";
    public string TokenHash { get; private set; } = "";
    public string DisplayPrefix { get; private set; } = "";
    /// <summary>Space-separated permission names.</summary>
    public string Scopes { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ExpiresAt { get; private set; }
    public DateTimeOffset? LastUsedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool IsUsable(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    /// <summary>A new secret ("mpat_" + 256 random bits, base64url), the hash that is stored, and the prefix shown in lists.</summary>
    public static (string Secret, string Hash, string DisplayPrefix) Create()
    {
        var secret = SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (secret, RefreshToken.Hash(secret), secret[..12]);
    }
}
