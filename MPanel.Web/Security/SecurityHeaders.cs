using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace MPanel.Web.Security;

/// <summary>The security headers of every response — pages, API, static files, error pages and 429s alike. They are
/// written just before the response starts (OnStarting), so that nothing later in the pipeline drops them: the
/// exception handler clears all headers before it re-executes /error, and antiforgery writes its own
/// X-Frame-Options. The first middleware registers its callback first, and OnStarting callbacks run last-in
/// first-out, so these values are the ones that go out.</summary>
public static class SecurityHeaders
{
    private const string NonceItem = "MPanel.CspNonce";

    /// <summary>This request's CSP nonce, for the one inline script MPanel renders: the import map in App.razor
    /// (a &lt;script type="importmap"&gt; cannot be an external file).</summary>
    public static string CspNonce(this HttpContext http) =>
        http.Items.TryGetValue(NonceItem, out var nonce) && nonce is string value ? value : "";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptionsMonitor<SecurityOptions>>();
        return app.Use((http, next) =>
        {
            http.Items[NonceItem] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            http.Response.OnStarting(() =>
            {
                Apply(http, options.CurrentValue);
                return Task.CompletedTask;
            });
            return next(http);
        });
    }

    private static void Apply(HttpContext http, SecurityOptions options)
    {
        var headers = http.Response.Headers;
        var policy = ContentSecurityPolicy(http.CspNonce());
        // Exactly one policy: the Blazor endpoint convention's own "frame-ancestors 'self'" is switched off in
        // MPanelApp (ours says 'none'), and assigning here replaces anything else that was appended on the way.
        headers.Remove(options.ContentSecurityPolicyReportOnly ? "Content-Security-Policy" : "Content-Security-Policy-Report-Only");
        headers[options.ContentSecurityPolicyReportOnly ? "Content-Security-Policy-Report-Only" : "Content-Security-Policy"] = policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers.XFrameOptions = "DENY"; // for browsers that predate frame-ancestors; replaces antiforgery's SAMEORIGIN
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    /// <summary>The policy, without 'unsafe-eval' anywhere (Blazor Server and MudBlazor need none: checked by loading
    /// the dashboard, the customers page with its dialog, and /hangfire in Chromium with this policy and reading the
    /// console for violations). The Hangfire dashboard (1.8) gets the same policy, unrelaxed: its scripts are files
    /// and its settings data- attributes, so its graphs, polling and "Trigger now" work without inline script.</summary>
    public static string ContentSecurityPolicy(string nonce) => string.Join("; ",
        "default-src 'self'",
        // blazor.web.js and MudBlazor.min.js are files from 'self'; the nonce admits only the import map
        // that <ImportMap> writes inline into App.razor's head (it maps the fingerprinted module URLs).
        $"script-src 'self' 'nonce-{nonce}'",
        // 'unsafe-inline' for styles only: MudBlazor writes style="" attributes and <style> blocks (theme variables,
        // popover positions, dialog layout) from the server over the circuit, where no nonce or hash can follow.
        // Inline styles cannot run script.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: https:", // data: for the two-factor QR code and MudBlazor's SVG data URIs
        "font-src 'self' data:",
        // The circuit's WebSocket (ws:// or wss:// to this host): 'self' covers same-origin WebSockets in
        // CSP Level 3 browsers (Chromium, Firefox, Safari 15.4+), so no ws:/wss: source is listed.
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'");
}
