using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MPanel.Web.Security;

/// <summary>Anti-automation for the unauthenticated account forms, with ASP.NET Core's rate limiter. Each limited
/// form POST takes a permit from a per-client-IP window and, where the form names an account, from a per-account
/// window as well, so neither spreading guesses over many accounts from one address nor over many addresses at one
/// account gets past a handful of tries. Windows slide over the last 15 minutes in one-minute segments (a fixed window
/// would let a client spend two windows' permits in a burst at the edge).
/// Per-account counting happens whether or not the account exists, and the answer is the same either way.</summary>
public static class RateLimits
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private const string AccountItem = "MPanel.RateLimitAccount";
    private const string EmailField = "Input.Email";

    private enum Form { None, SignIn, ForgotPassword, ResetPassword }

    private static Form LimitedForm(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method)) return Form.None;
        var path = request.Path.Value?.TrimEnd('/');
        if (string.Equals(path, "/account/login", StringComparison.OrdinalIgnoreCase)) return Form.SignIn;
        // The second sign-in step and the API's token endpoint are password/code guesses too (per address).
        if (string.Equals(path, "/account/login-2fa", StringComparison.OrdinalIgnoreCase)) return Form.SignIn;
        if (string.Equals(path, "/api/auth/token", StringComparison.OrdinalIgnoreCase)) return Form.SignIn;
        if (string.Equals(path, "/account/forgot-password", StringComparison.OrdinalIgnoreCase)) return Form.ForgotPassword;
        // Sends mail to an address the poster chooses: limited like the forgot-password form (per address).
        if (string.Equals(path, "/account/email", StringComparison.OrdinalIgnoreCase)) return Form.ForgotPassword;
        if (string.Equals(path, "/account/reset-password", StringComparison.OrdinalIgnoreCase)) return Form.ResetPassword;
        return Form.None;
    }

    public static IServiceCollection AddMPanelRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SecurityOptions>>((o, security) =>
        {
            var limits = security.Value;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, cancellationToken) => RejectAsync(context.HttpContext, context.Lease, cancellationToken);
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => LimitedForm(http.Request) switch
                {
                    Form.SignIn => Partition("sign-in:ip:" + ClientIp(http), limits.SignInPerIpPer15Minutes),
                    Form.ForgotPassword => Partition("forgot:ip:" + ClientIp(http), limits.ForgotPasswordPerIpPer15Minutes),
                    Form.ResetPassword => Partition("reset:ip:" + ClientIp(http), limits.ResetPasswordPerIpPer15Minutes),
                    _ => RateLimitPartition.GetNoLimiter(""),
                }),
                PartitionedRateLimiter.Create<HttpContext, string>(http => (LimitedForm(http.Request), http.Items[AccountItem] as string) switch
                {
                    (Form.SignIn, { } account) => Partition("sign-in:account:" + account, limits.SignInPerAccountPer15Minutes),
                    (Form.ForgotPassword, { } account) => Partition("forgot:account:" + account, limits.ForgotPasswordPerAccountPer15Minutes),
                    _ => RateLimitPartition.GetNoLimiter(""),
                }));
        });
        return services;
    }

    /// <summary>The limiter's partitioner cannot await, so the posted email is read here first (the form is buffered
    /// and read again, from the cache, by antiforgery and the page).</summary>
    public static IApplicationBuilder UseMPanelRateLimits(this IApplicationBuilder app)
    {
        app.Use(async (http, next) =>
        {
            if (LimitedForm(http.Request) is Form.SignIn or Form.ForgotPassword && http.Request.HasFormContentType)
            {
                try
                {
                    var form = await http.Request.ReadFormAsync(http.RequestAborted);
                    var email = form[EmailField].ToString().Trim().ToLowerInvariant();
                    if (email.Length > 0) http.Items[AccountItem] = email.Length > 256 ? email[..256] : email;
                }
                catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
                {
                    // A malformed body: the page refuses it later; it still counts against the address.
                }
            }
            await next(http);
        });
        return app.UseRateLimiter();
    }

    /// <summary>The client's address after UseForwardedHeaders (which trusts X-Forwarded-For only from known proxies,
    /// loopback by default). An IPv6 client counts by its /64, the block one subscriber usually holds, so rotating
    /// addresses inside it gains nothing. In-process test hosts have no address: they all share one partition.</summary>
    private static string ClientIp(HttpContext http)
    {
        if (http.Connection.RemoteIpAddress is not { } ip) return "unknown";
        if (ip.IsIPv4MappedToIPv6) return ip.MapToIPv4().ToString();
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return ip.ToString();
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static RateLimitPartition<string> Partition(string key, int permits) =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = Window,
            SegmentsPerWindow = 15,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    /// <summary>429 with Retry-After and a short page in the style of the sign-in pages. It says nothing about the
    /// account: the same answer comes for an unknown email. A sliding window's lease tells no retry time, so
    /// Retry-After is the window, an upper bound (by then every counted request has left it).</summary>
    private static async ValueTask RejectAsync(HttpContext http, RateLimitLease lease, CancellationToken cancellationToken)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : Window;
        var minutes = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.ContentType = "text/html; charset=utf-8";
        var (back, label) = LimitedForm(http.Request) == Form.SignIn ? ("/account/login", "Back to sign in") : ("/account/forgot-password", "Back");
        await http.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
            <title>Too many attempts · MPanel</title>
            <link rel="stylesheet" href="/_content/MudBlazor/MudBlazor.min.css"><link rel="stylesheet" href="/app.css"></head>
            <body><div class="mp-account-bg"><div class="mp-account-card">
            <h1 class="mp-account-title">Too many attempts</h1>
            <p class="mp-account-subtitle">To protect your account, this form is paused for a while.
            Try again in {minutes} {(minutes == 1 ? "minute" : "minutes")}.</p>
            <a class="mp-link-button" href="{WebUtility.HtmlEncode(back)}">{label}</a>
            </div></div></body></html>
            """, cancellationToken);
    }
}
