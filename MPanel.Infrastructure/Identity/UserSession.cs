using MPanel.Domain.Common;

namespace MPanel.Infrastructure.Identity;

/// <summary>One signed-in browser: created at sign-in, named in the cookie (claim <see cref="SessionClaim"/>), checked on
/// every request and circuit revalidation, ended by sign-out or by revocation from the sessions page or an admin.</summary>
public sealed class UserSession : Entity, ITenantOwned
{
    public const string SessionClaim = "mpanel:sid";

    private UserSession() { }

    public UserSession(Guid tenantId, Guid userId, string? ipAddress, string? userAgent, DateTimeOffset now)
    {
        TenantId = tenantId;
        UserId = userId;
        IpAddress = ipAddress;
        UserAgent = userAgent is { Length: > 512 } ua ? ua[..512] : userAgent;
        Device = DeviceName.Describe(userAgent);
        CreatedAt = now;
        LastSeenAt = now;
    }

    public Guid TenantId { get; private set; }
    public Guid UserId { get; private set; }
    public string? IpAddress { get; private set; }
    public string? UserAgent { get; private set; }
    public string Device { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset LastSeenAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }
    public string? RevokedReason { get; private set; }

    public bool IsActive => RevokedAt is null;

    public void Revoke(string reason, DateTimeOffset now)
    {
        if (RevokedAt is not null) return;
        RevokedAt = now;
        RevokedReason = reason;
    }
}

/// <summary>"Chrome on Linux" from a user agent, for people (not for security decisions).</summary>
public static class DeviceName
{
    public static string Describe(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return "Unknown device";
        var ua = userAgent;
        var browser = ua.Contains("Edg/", StringComparison.Ordinal) ? "Edge"
            : ua.Contains("Firefox/", StringComparison.Ordinal) ? "Firefox"
            : ua.Contains("Chrome/", StringComparison.Ordinal) || ua.Contains("Chromium/", StringComparison.Ordinal) ? "Chrome"
            : ua.Contains("Safari/", StringComparison.Ordinal) ? "Safari"
            : ua.Contains("curl/", StringComparison.Ordinal) ? "curl"
            : "A browser";
        var os = ua.Contains("Windows", StringComparison.Ordinal) ? "Windows"
            : ua.Contains("iPhone", StringComparison.Ordinal) || ua.Contains("iPad", StringComparison.Ordinal) ? "iOS"
            : ua.Contains("Android", StringComparison.Ordinal) ? "Android"
            : ua.Contains("Mac OS X", StringComparison.Ordinal) ? "macOS"
            : ua.Contains("Linux", StringComparison.Ordinal) ? "Linux"
            : null;
        return os is null ? browser : $"{browser} on {os}";
    }
}
