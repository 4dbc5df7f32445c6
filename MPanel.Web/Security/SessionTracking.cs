using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Security;

/// <summary>Ties each sign-in cookie to a <see cref="UserSession"/> row: the session id rides in the cookie's
/// properties (kept when Identity re-issues the cookie) and as a claim (which circuits can read), and a revoked row
/// ends the cookie on its next request and the circuit at its next revalidation.</summary>
public static class SessionTracking
{
    private const string SessionKey = "mpanel_sid";

    public static async Task AttachAsync(CookieSigningInContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity) return;
        if (!context.Properties.Items.TryGetValue(SessionKey, out var sid) || sid is null)
        {
            var userId = Guid.Parse(identity.FindFirst(ClaimTypes.NameIdentifier)!.Value);
            var tenantId = Guid.Parse(identity.FindFirst(MPanelClaims.TenantId)!.Value);
            var http = context.HttpContext;
            var sessions = http.RequestServices.GetRequiredService<SessionRegistry>();
            sid = (await sessions.StartAsync(tenantId, userId, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString())).ToString();
            context.Properties.Items[SessionKey] = sid;
        }
        if (identity.FindFirst(UserSession.SessionClaim) is { } old) identity.RemoveClaim(old);
        identity.AddClaim(new Claim(UserSession.SessionClaim, sid));
    }

    public static async Task<bool> IsActiveAsync(HttpContext http, ClaimsPrincipal principal) =>
        await IsActiveAsync(http.RequestServices.GetRequiredService<SessionRegistry>(), principal, http.RequestAborted);

    public static async Task<bool> IsActiveAsync(SessionRegistry sessions, ClaimsPrincipal principal, CancellationToken ct = default) =>
        Guid.TryParse(principal.FindFirstValue(UserSession.SessionClaim), out var sid)
        && Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
        && await sessions.IsActiveAsync(sid, userId, ct);

    /// <summary>When Identity rebuilds the principal after checking the security stamp, the session id and the
    /// "passed two-factor" mark come from the sign-in, not from the database: carry them over.</summary>
    public static Task CarryOverSignInClaims(Microsoft.AspNetCore.Identity.SecurityStampRefreshingPrincipalContext context)
    {
        if (context.NewPrincipal?.Identity is not ClaimsIdentity identity || context.CurrentPrincipal is null) return Task.CompletedTask;
        foreach (var type in new[] { UserSession.SessionClaim, "amr" })
        {
            if (context.CurrentPrincipal.FindFirst(type) is { } claim && !identity.HasClaim(c => c.Type == type))
                identity.AddClaim(new Claim(type, claim.Value));
        }
        return Task.CompletedTask;
    }

    public static async Task<(DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt)?> TimesAsync(HttpContext http, ClaimsPrincipal principal) =>
        SessionOf(principal) is { } sid && Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            ? await http.RequestServices.GetRequiredService<SessionRegistry>().TimesAsync(sid, userId, http.RequestAborted)
            : null;

    public static Guid? SessionOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(UserSession.SessionClaim), out var sid) ? sid : null;
}
