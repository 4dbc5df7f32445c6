using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Marketing;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Features.MarketingApi;

namespace MPanel.Tests.Architecture;

/// <summary>Every routable page and endpoint names an authorization policy, or is on the explicit public list.</summary>
public sealed class EndpointAuthorizationTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private static readonly HashSet<string> Public =
    [
        "/account/login", "/account/login-2fa", "/account/forgot-password", "/account/reset-password", "/account/confirm-email", "/account/access-denied", "/account/logout",
        "/error", "/not-found", "/api/health/live", "/api/health/ready", "/metrics",
        // Stripe authenticates by signature (verified in the handler), not by a user.
        "/api/webhooks/stripe",
        "/api/auth/token", "/api/auth/refresh", "/api/auth/logout",
        // The status page's data for the shop the host names (no key; cached a few seconds).
        "/api/public/status",
        // The marketing API's OpenAPI document and its reference page (the calls themselves need an API key).
        "/openapi/v1.json", "/api/docs/{documentName?}", "/api/docs/scalar.js", "/api/docs/scalar.aspnetcore.js", "/api/docs/favicon.svg",
        // The marketing site's contact form: no key, limited per client address (PublicRateLimits.Contact).
        "/api/public/contact",
    ];

    private IReadOnlyList<RouteEndpoint> Endpoints() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("_", StringComparison.Ordinal) && !raw.StartsWith("/_", StringComparison.Ordinal))
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor>() is null)
            // MapStaticAssets' Development-time fallback for files added after the build (not a page or an API).
            .Where(e => e.DisplayName != "Fallback {**path:file}")
            .ToList();

    [Fact]
    public void EveryEndpoint_HasAPolicyOrIsListedAsPublic()
    {
        var endpoints = Endpoints();
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/customers");
        Assert.Contains(endpoints, e => e.RoutePattern.RawText!.StartsWith("/api/customers", StringComparison.Ordinal));
        var missing = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var authorize = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();
            if (anonymous)
            {
                if (!Public.Contains(route)) missing.Add($"{route} ({endpoint.DisplayName}) allows anonymous access but is not on the public list");
            }
            else if (authorize.Count == 0)
            {
                missing.Add($"{route} ({endpoint.DisplayName}) has no [Authorize]/RequireAuthorization");
            }
            else if (route.StartsWith("/api", StringComparison.Ordinal) && authorize.All(a => a.Policy is null))
            {
                missing.Add($"{route} requires sign-in but names no permission policy");
            }
            else if (authorize.FirstOrDefault(a => a.Policy is not null) is { Policy: MPanel.Web.Security.AuthorizationSetup.SignedInOnly }
                     && route != "/account/two-factor")
            {
                missing.Add($"{route} skips the two-factor requirement; only enrolment may");
            }
            else if (route.StartsWith(MarketingApiEndpoints.BasePath + "/", StringComparison.Ordinal)
                     && !authorize.Any(a => a.Policy is { } scope && ApiScopes.All.Contains(scope)))
            {
                missing.Add($"{route} is a marketing-API endpoint without an API-key scope policy");
            }
            else if (authorize.FirstOrDefault(a => a.Policy is not null) is { Policy: { } policy }
                     && !Permissions.All.Contains(policy) && policy != MPanel.Web.Security.AuthorizationSetup.SignedInOnly
                     && !(route.StartsWith(MarketingApiEndpoints.BasePath + "/", StringComparison.Ordinal) && ApiScopes.All.Contains(policy)))
            {
                missing.Add($"{route} names unknown policy {policy}");
            }
        }
        Assert.Empty(missing);
    }

    [Fact]
    public void PublicList_HasNoStaleEntries()
    {
        var routes = Endpoints().Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet();
        Assert.All(Public, p => Assert.Contains(p, routes));
    }
}
