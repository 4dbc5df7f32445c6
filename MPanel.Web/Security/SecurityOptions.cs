using System.ComponentModel.DataAnnotations;

namespace MPanel.Web.Security;

/// <summary>Account-security settings (section <c>Security</c>): cookie flags, session lifetimes, sign-in rate limits
/// and the Content-Security-Policy mode. Every setting is documented in appsettings.Production.json.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Mark every cookie MPanel writes (sign-in, two-factor, antiforgery) Secure, whatever the request's
    /// scheme. Off: Secure only when the request came over HTTPS (scripts/run serves plain http on localhost).
    /// Turn on behind TLS.</summary>
    public bool RequireHttpsCookies { get; set; }

    /// <summary>A staff session (every role but Client) ends after this many minutes without a request.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Security:StaffIdleMinutes must be between 1 and 1440.")]
    public int StaffIdleMinutes { get; set; } = 30;

    /// <summary>A staff session ends this many hours after sign-in, however active it is.</summary>
    [Range(1, 7 * 24, ErrorMessage = "Security:StaffAbsoluteHours must be between 1 and 168.")]
    public int StaffAbsoluteHours { get; set; } = 12;

    /// <summary>A client session ends after this many hours without a request.</summary>
    [Range(1, 30 * 24, ErrorMessage = "Security:ClientIdleHours must be between 1 and 720.")]
    public int ClientIdleHours { get; set; } = 12;

    // Rate limits: POSTs allowed in any 15 minutes (see RateLimits). The test host raises them, since it signs in hundreds
    // of times from one address.
    [Range(1, 1_000_000, ErrorMessage = "Security:SignInPerIpPer15Minutes must be between 1 and 1000000.")]
    public int SignInPerIpPer15Minutes { get; set; } = 5;

    [Range(1, 1_000_000, ErrorMessage = "Security:SignInPerAccountPer15Minutes must be between 1 and 1000000.")]
    public int SignInPerAccountPer15Minutes { get; set; } = 5;

    [Range(1, 1_000_000, ErrorMessage = "Security:ForgotPasswordPerIpPer15Minutes must be between 1 and 1000000.")]
    public int ForgotPasswordPerIpPer15Minutes { get; set; } = 5;

    [Range(1, 1_000_000, ErrorMessage = "Security:ForgotPasswordPerAccountPer15Minutes must be between 1 and 1000000.")]
    public int ForgotPasswordPerAccountPer15Minutes { get; set; } = 5;

    [Range(1, 1_000_000, ErrorMessage = "Security:ResetPasswordPerIpPer15Minutes must be between 1 and 1000000.")]
    public int ResetPasswordPerIpPer15Minutes { get; set; } = 5;

    /// <summary>Send the Content-Security-Policy as Content-Security-Policy-Report-Only: browsers report violations in
    /// their console but block nothing. Only for diagnosing a page the policy breaks; never leave it on.</summary>
    public bool ContentSecurityPolicyReportOnly { get; set; }

    public TimeSpan StaffIdle => TimeSpan.FromMinutes(StaffIdleMinutes);
    public TimeSpan StaffAbsolute => TimeSpan.FromHours(StaffAbsoluteHours);
    public TimeSpan ClientIdle => TimeSpan.FromHours(ClientIdleHours);

    /// <summary>The session-lifetime rule, for the cookie and for open circuits alike: staff end after
    /// <see cref="StaffAbsolute"/> from sign-in and <see cref="StaffIdle"/> without activity; clients after
    /// <see cref="ClientIdle"/> without activity.</summary>
    public bool SessionAllowed(System.Security.Claims.ClaimsPrincipal user, DateTimeOffset signedInAt, DateTimeOffset lastSeen, DateTimeOffset now)
    {
        var staff = user.Roles().Any(MPanel.Domain.Security.Roles.IsStaff);
        if (staff && now - signedInAt > StaffAbsolute) return false;
        return now - lastSeen <= (staff ? StaffIdle : ClientIdle);
    }
}
