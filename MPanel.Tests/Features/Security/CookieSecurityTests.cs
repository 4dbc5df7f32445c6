using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Security;

/// <summary>The Secure flag of the sign-in and antiforgery cookies: as the request by default (scripts/run serves plain
/// http on localhost), always with Security:RequireHttpsCookies.</summary>
public sealed class CookieSecurityTests : IClassFixture<CookieSecurityTests.Factory>, IClassFixture<MPanelFactory>
{
    public sealed class Factory : MPanelFactory
    {
        public Factory() => With("Security:RequireHttpsCookies", "true");
    }

    private readonly Factory _httpsOnly;
    private readonly MPanelFactory _default;

    public CookieSecurityTests(Factory httpsOnly, MPanelFactory @default) => (_httpsOnly, _default) = (httpsOnly, @default);

    [Fact]
    public async Task ByDefault_CookiesAreSecureOnlyOverHttps()
    {
        var email = await CreateUserAsync(_default, "by-request");
        var http = await SignInAsync(_default, email, "http://localhost");
        Assert.All(http, c => Assert.DoesNotContain("secure", c.Flags));
        var https = await SignInAsync(_default, email, "https://localhost");
        Assert.All(https, c => Assert.Contains("secure", c.Flags));
        Assert.All(http.Concat(https), c => Assert.Contains("httponly", c.Flags));
        // TLS that ends at a trusted proxy counts as HTTPS (X-Forwarded-Proto, through UseForwardedHeaders).
        Assert.Contains("secure", (await AntiforgeryCookieAsync(_default, forwardedProto: "https")).Flags);
        Assert.DoesNotContain("secure", (await AntiforgeryCookieAsync(_default, forwardedProto: null)).Flags);
    }

    [Fact]
    public async Task WithRequireHttpsCookies_CookiesAreAlwaysSecure()
    {
        foreach (var scheme in new[] { IdentityConstants.ApplicationScheme, IdentityConstants.TwoFactorUserIdScheme, IdentityConstants.TwoFactorRememberMeScheme })
            Assert.Equal(CookieSecurePolicy.Always, _httpsOnly.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(scheme).Cookie.SecurePolicy);
        Assert.Equal(CookieSecurePolicy.Always, _httpsOnly.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.SecurePolicy);
        Assert.Equal(CookieSecurePolicy.SameAsRequest, _default.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.SecurePolicy);

        // Served over TLS, directly or through a trusted proxy, it all works with every cookie Secure. (Over plain http
        // the framework refuses to issue an antiforgery cookie it requires to be Secure, so forms fail there: the
        // setting is for TLS deployments only, as appsettings.Production.json says.)
        var email = await CreateUserAsync(_httpsOnly, "always");
        Assert.All(await SignInAsync(_httpsOnly, email, "https://localhost"), c => Assert.Contains("secure", c.Flags));
        Assert.Contains("secure", (await AntiforgeryCookieAsync(_httpsOnly, forwardedProto: "https")).Flags);
    }

    private static async Task<string> CreateUserAsync(MPanelFactory factory, string name)
    {
        var email = $"{name}@cookies.test";
        await factory.CreateUserAsync((await factory.PlatformAsync()).Id, email, Roles.Support);
        return email;
    }

    /// <summary>Signs in through the form and returns the antiforgery and sign-in cookies the server set on the way.</summary>
    private static async Task<List<(string Name, string[] Flags)>> SignInAsync(MPanelFactory factory, string email, string baseAddress)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(baseAddress) });
        var page = await client.GetAsync("/account/login");
        var cookies = Cookies(page).Where(c => c.Name.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)).ToList();
        Assert.Single(cookies);
        var response = await client.SignInAsync(email, MPanelFactory.Password);
        Assert.Equal("/", response.LocalLocation());
        cookies.Add(Assert.Single(Cookies(response), c => c.Name == "mpanel.auth"));
        return cookies;
    }

    /// <summary>The antiforgery cookie of the sign-in page fetched over plain http, as if through a proxy.</summary>
    private static async Task<(string Name, string[] Flags)> AntiforgeryCookieAsync(MPanelFactory factory, string? forwardedProto)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost") });
        if (forwardedProto is not null) client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        var page = await client.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return Assert.Single(Cookies(page), c => c.Name.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
    }

    private static IEnumerable<(string Name, string[] Flags)> Cookies(HttpResponseMessage response) =>
        (response.Headers.TryGetValues("Set-Cookie", out var values) ? values : []).Select(header =>
        {
            var parts = header.Split(';', StringSplitOptions.TrimEntries);
            return (parts[0].Split('=')[0], parts.Skip(1).Select(p => p.Split('=')[0].ToLowerInvariant()).ToArray());
        });
}
