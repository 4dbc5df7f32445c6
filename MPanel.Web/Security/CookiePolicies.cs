using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace MPanel.Web.Security;

/// <summary>The lifetime of the sign-in cookie, and the Secure flag of every cookie MPanel writes: the sign-in cookie,
/// Identity's two-factor cookies and the antiforgery cookie. SameAsRequest by default (Secure whenever the request came over HTTPS, which behind a TLS proxy
/// UseForwardedHeaders reports from X-Forwarded-Proto); Always with Security:RequireHttpsCookies.</summary>
public static class CookiePolicies
{
    public static IServiceCollection AddCookiePolicies(this IServiceCollection services)
    {
        foreach (var scheme in new[]
                 {
                     IdentityConstants.ApplicationScheme, IdentityConstants.TwoFactorUserIdScheme,
                     IdentityConstants.TwoFactorRememberMeScheme, IdentityConstants.ExternalScheme,
                 })
        {
            services.AddOptions<CookieAuthenticationOptions>(scheme)
                .Configure<IOptions<SecurityOptions>>((o, security) => o.Cookie.SecurePolicy = Policy(security.Value));
        }
        // The cookie outlives every idle limit (a request re-issues it, sliding); SessionLifetime ends each session
        // at its own limit, which the cookie alone cannot vary by role.
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IOptions<SecurityOptions>>((o, security) =>
                o.ExpireTimeSpan = security.Value.ClientIdle > security.Value.StaffIdle ? security.Value.ClientIdle : security.Value.StaffIdle);
        services.AddOptions<AntiforgeryOptions>().Configure<IOptions<SecurityOptions>>((o, security) =>
        {
            o.Cookie.SecurePolicy = Policy(security.Value);
            o.SuppressXFrameOptionsHeader = true; // SecurityHeaders sends X-Frame-Options: DENY on every response
        });
        return services;
    }

    private static CookieSecurePolicy Policy(SecurityOptions security) =>
        security.RequireHttpsCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
}
