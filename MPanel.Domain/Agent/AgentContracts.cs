using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace MPanel.Domain.Agent;

// The wire contract between MPanel and MPanel.Agent (the root service on each web server). Every action is a POST of one
// of these records to /v1/<action>, signed as described by AgentSignature. The agent re-validates every field with
// AgentNames before anything touches the disk; MPanel validates with the same rules first, so a bad name fails early.

public enum SiteKind { Static, Php }

public sealed record EnsureAccountRequest(Guid TenantId, string Account, int QuotaMb);
public sealed record AccountResponse(string Account, string Home, int Uid, int QuotaMb, bool Created);

public sealed record EnsureSiteRequest(Guid TenantId, string Account, string PrimaryDomain, IReadOnlyList<string> Aliases, SiteKind Kind, string? PhpVersion);
/// <summary>Names one site: the account that owns it and its primary domain.</summary>
public sealed record SiteRequest(Guid TenantId, string Account, string PrimaryDomain);
public sealed record AccountRequest(Guid TenantId, string Account);

public sealed record SiteResponse(
    string Account,
    string PrimaryDomain,
    IReadOnlyList<string> Aliases,
    SiteKind Kind,
    string? PhpVersion,
    bool Suspended,
    string DocumentRoot,
    bool Https);

/// <summary>What is really on the host for one site (for drift detection). Missing things are false/null.</summary>
public sealed record SiteInspection(
    bool Known,
    bool UserExists,
    bool DocumentRootExists,
    bool ServerBlockExists,
    bool PoolExists,
    IReadOnlyList<string> ServerNames,
    SiteKind? Kind,
    string? PhpVersion,
    bool Suspended,
    bool Https,
    string? DocumentRoot);

public sealed record AcmeChallengeRequest(Guid TenantId, string Account, string Domain, string Token, string? KeyAuthorization);
public sealed record InstallCertificateRequest(Guid TenantId, string Account, string PrimaryDomain, string CertificateChainPem, string PrivateKeyPem);
public sealed record CertificateResponse(string PrimaryDomain, DateTimeOffset NotAfter, string Thumbprint);

public sealed record DiskUsageResponse(string Account, long UsedBytes, int QuotaMb);
public sealed record HostMetrics(double CpuPercent, long MemoryTotalBytes, long MemoryAvailableBytes, long DiskTotalBytes,
    long DiskFreeBytes, double Load1, double Load5, double Load15, int PhpVersionsInstalled, IReadOnlyList<string> PhpVersions);

/// <summary>The body of every non-2xx answer: a stable code and a message safe to show staff (never a secret).</summary>
public sealed record AgentError(string Code, string Message, string? Field = null);

public static class AgentActions
{
    public const string EnsureAccount = "ensure-account";
    public const string DeleteAccount = "delete-account";
    public const string EnsureSite = "ensure-site";
    public const string PutDefaultPage = "put-default-page";
    public const string SuspendSite = "suspend-site";
    public const string UnsuspendSite = "unsuspend-site";
    public const string DeleteSite = "delete-site";
    public const string GetSite = "get-site";
    public const string PutAcmeChallenge = "put-acme-challenge";
    public const string DeleteAcmeChallenge = "delete-acme-challenge";
    public const string InstallCertificate = "install-certificate";
    public const string DiskUsage = "disk-usage";
    public const string Metrics = "metrics";

    public static string Path(string action) => "/v1/" + action;
}

/// <summary>The only names the agent accepts. Anything that could escape a path, look like an option, or carry
/// config syntax (<c>; { } " '</c>, whitespace, newlines) fails these checks.</summary>
public static partial class AgentNames
{
    public const int MaxAliases = 50;

    /// <summary>Lower-case letters and digits, starting with a letter, 3 to 16 characters.</summary>
    public static bool IsAccount(string? value) => value is not null && AccountPattern().IsMatch(value);

    /// <summary>An ASCII (punycode) host name of LDH labels, at least two labels, at most 253 characters, no trailing dot.</summary>
    public static bool IsDomain(string? value)
    {
        if (value is null || value.Length is < 3 or > 253) return false;
        var labels = value.Split('.');
        if (labels.Length < 2) return false;
        foreach (var label in labels)
            if (!LabelPattern().IsMatch(label)) return false;
        // The top-level label is never all digits (keeps IP addresses out).
        return !labels[^1].All(char.IsAsciiDigit);
    }

    public static bool IsPhpVersion(string? value) => value is not null && PhpVersionPattern().IsMatch(value);

    /// <summary>An ACME token: base64url, 16 to 128 characters.</summary>
    public static bool IsAcmeToken(string? value) => value is not null && AcmeTokenPattern().IsMatch(value);

    /// <summary>An ACME key authorization: token "." base64url thumbprint.</summary>
    public static bool IsKeyAuthorization(string? value) => value is not null && value.Length <= 300 && KeyAuthorizationPattern().IsMatch(value);

    /// <summary>Lower-cases a domain and checks it; null when it is not acceptable.</summary>
    public static string? NormalizeDomain(string? value)
    {
        if (value is null) return null;
        var lower = value.ToLowerInvariant();
        return IsDomain(lower) ? lower : null;
    }

    [GeneratedRegex("^[a-z][a-z0-9]{2,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex AccountPattern();
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();
    [GeneratedRegex("^[0-9]{1,2}\\.[0-9]{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhpVersionPattern();
    [GeneratedRegex("^[A-Za-z0-9_-]{16,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex AcmeTokenPattern();
    [GeneratedRegex("^[A-Za-z0-9_-]{16,128}\\.[A-Za-z0-9_-]{16,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyAuthorizationPattern();
}

/// <summary>HMAC-SHA256 request signing shared by MPanel's client and the agent. The signed text is
/// <c>METHOD \n PATH \n TIMESTAMP \n NONCE \n hex(SHA-256(body))</c>; the signature travels as lower-case hex.</summary>
public static class AgentSignature
{
    public const string TimestampHeader = "X-MPanel-Timestamp";
    public const string NonceHeader = "X-MPanel-Nonce";
    public const string SignatureHeader = "X-MPanel-Signature";
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, string method, string path, string timestamp, string nonce, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(Compute(secret, method, path, timestamp, nonce, body));

    public static byte[] Compute(string secret, string method, string path, string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        var text = $"{method.ToUpperInvariant()}\n{path}\n{timestamp}\n{nonce}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Constant-time comparison of a received hex signature with the expected one.</summary>
    public static bool Verify(string secret, string method, string path, string timestamp, string nonce, ReadOnlySpan<byte> body, string? signatureHex)
    {
        if (signatureHex is null || signatureHex.Length != 64) return false;
        byte[] received;
        try { received = Convert.FromHexString(signatureHex); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(received, Compute(secret, method, path, timestamp, nonce, body));
    }

    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
