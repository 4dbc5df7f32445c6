using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MPanel.Domain.Security;

namespace MPanel.Web.Security;

/// <summary>How long a signed-in session lives. Staff: ends after <see cref="SecurityOptions.StaffIdleMinutes"/>
/// without a request, and <see cref="SecurityOptions.StaffAbsoluteHours"/> after sign-in however active. Clients:
/// ends after <see cref="SecurityOptions.ClientIdleHours"/> without a request.
/// <para>The cookie's own ExpireTimeSpan cannot vary per user, and its IssuedUtc is rewritten whenever the cookie is
/// renewed, so the session carries two times of its own in the (encrypted) cookie's properties: <c>auth_time</c>,
/// written once when the cookie is first issued, and <c>last_seen</c>, moved forward on requests (re-issuing the
/// cookie at most once a minute, not on every request). Times come from <see cref="TimeProvider"/>, so tests move
/// the clock instead of sleeping.</para></summary>
public static class SessionLifetime
{
    public const string AuthTimeKey = "auth_time";
    public const string LastSeenKey = "last_seen";

    /// <summary>How stale last_seen may get before a request re-issues the cookie to move it forward.</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>A new session: stamp its start. A re-issue of an existing session (Identity's RefreshSignInAsync)
    /// carries its properties along and keeps the original auth_time.</summary>
    public static async Task OnSigningIn(CookieSigningInContext context)
    {
        var now = Clock(context.HttpContext).GetUtcNow();
        var items = context.Properties.Items;
        items.TryAdd(AuthTimeKey, Format(now));
        items[LastSeenKey] = Format(now);
        await SessionTracking.AttachAsync(context);
    }

    /// <summary>False when the session is past its idle or absolute limit; otherwise records the activity.
    /// <paramref name="seenElsewhere"/> is activity the cookie cannot know of (events in an open Blazor circuit).</summary>
    public static bool CheckAndTouch(CookieValidatePrincipalContext context, DateTimeOffset? seenElsewhere = null)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<SecurityOptions>>().CurrentValue;
        var now = Clock(context.HttpContext).GetUtcNow();
        var properties = context.Properties;
        // Cookies issued before these limits existed carry neither time: count from when the cookie was issued.
        var authTime = Parse(properties.Items, AuthTimeKey) ?? properties.IssuedUtc ?? now;
        var lastSeen = Parse(properties.Items, LastSeenKey) ?? properties.IssuedUtc ?? now;
        if (seenElsewhere > lastSeen) lastSeen = seenElsewhere.Value;

        if (!options.SessionAllowed(context.Principal!, authTime, lastSeen, now)) return false;

        properties.Items.TryAdd(AuthTimeKey, Format(authTime));
        if (now - lastSeen >= TouchInterval || !properties.Items.ContainsKey(LastSeenKey))
        {
            properties.Items[LastSeenKey] = Format(now);
            context.ShouldRenew = true; // the cookie handler re-issues the cookie, with these properties, on this response
        }
        return true;
    }

    /// <summary>The cookie's OnValidatePrincipal: tenant first (Identity re-reads the user through the tenant-filtered
    /// store), then the lifetime limits (no database needed, so an expired session costs no query), then the
    /// security stamp (disabled user, changed role or password).</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        TenantResolution.Initialize(context.HttpContext, context.Principal!);
        // The cookie alone decides in the common case; only a cookie that looks idle asks the session row whether the
        // user was busy in an open circuit meanwhile.
        if (!CheckAndTouch(context)
            && !CheckAndTouch(context, (await SessionTracking.TimesAsync(context.HttpContext, context.Principal!))?.LastSeenAt))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }
        if (!await SessionTracking.IsActiveAsync(context.HttpContext, context.Principal!))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }
        await SecurityStampValidator.ValidatePrincipalAsync(context);
    }

    private static TimeProvider Clock(HttpContext http) => http.RequestServices.GetRequiredService<TimeProvider>();

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Parse(IDictionary<string, string?> items, string key) =>
        items.TryGetValue(key, out var value)
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
            ? time : null;
}
