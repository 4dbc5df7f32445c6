using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Security;

public sealed partial class SecurityHeadersTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    [Fact]
    public async Task EveryKindOfResponse_CarriesTheSecurityHeaders()
    {
        var platform = await factory.PlatformAsync();
        await factory.CreateUserAsync(platform.Id, "headers@security.test", Roles.Admin);
        var anonymous = factory.NewClient();
        var admin = await factory.SignedInAsync("headers@security.test");

        var responses = new Dictionary<string, HttpResponseMessage>
        {
            ["page"] = await anonymous.GetAsync("/account/login"),
            ["api"] = await anonymous.GetAsync("/api/health/live"),
            ["static file"] = await anonymous.GetAsync("/app.css"),
            ["401 from the api"] = await anonymous.GetAsync("/api/customers"),
            ["redirect to sign-in"] = await anonymous.GetAsync("/customers"),
            ["404 problem"] = await admin.GetAsync($"/api/customers/{Guid.NewGuid()}"),
            // A body that fails to bind: an exception, so the exception handler clears the response's headers first.
            ["400 problem after an exception"] = await admin.PostAsync("/api/customers", new StringContent("{not json", Encoding.UTF8, "application/json")),
            ["404 page"] = await admin.GetAsync("/no/such/page"),
        };
        Assert.Equal(HttpStatusCode.OK, responses["static file"].StatusCode);
        Assert.Equal("application/problem+json", responses["404 problem"].Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, responses["400 problem after an exception"].StatusCode);
        Assert.Equal("application/problem+json", responses["400 problem after an exception"].Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, responses["404 page"].StatusCode);

        foreach (var (kind, response) in responses)
        {
            var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.True(csp.StartsWith("default-src 'self'", StringComparison.Ordinal), $"{kind}: {csp}");
            Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
            Assert.Equal("strict-origin-when-cross-origin", Single(response, "Referrer-Policy"));
            Assert.Equal("DENY", Single(response, "X-Frame-Options"));
            Assert.Equal("camera=(), microphone=(), geolocation=()", Single(response, "Permissions-Policy"));
            Assert.Equal("same-origin", Single(response, "Cross-Origin-Opener-Policy"));
        }
    }

    [Fact]
    public async Task ContentSecurityPolicy_AllowsNoEvalNorInlineScript_AndNoFraming()
    {
        var response = await factory.NewClient().GetAsync("/account/login");
        var directives = Assert.Single(response.Headers.GetValues("Content-Security-Policy"))
            .Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d[(d.IndexOf(' ', StringComparison.Ordinal) + 1)..]);

        Assert.DoesNotContain(directives.Values, v => v.Contains("unsafe-eval", StringComparison.Ordinal));
        Assert.Matches("^'self' 'nonce-[A-Za-z0-9+/]{22}=='$", directives["script-src"]);
        Assert.Equal("'self'", directives["default-src"]);
        Assert.Equal("'self' 'unsafe-inline'", directives["style-src"]);
        Assert.Equal("'self' data: https:", directives["img-src"]);
        Assert.Equal("'self' data:", directives["font-src"]);
        Assert.Equal("'self'", directives["connect-src"]);
        Assert.Equal("'none'", directives["frame-ancestors"]); // not the framework's own "'self'"
        Assert.Equal("'self'", directives["base-uri"]);
        Assert.Equal("'self'", directives["form-action"]);
        Assert.Equal("'none'", directives["object-src"]);
    }

    [Fact]
    public async Task TheImportMap_CarriesItsResponsesNonce_AndTheNonceChangesEveryResponse()
    {
        var client = factory.NewClient();
        var nonces = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var response = await client.GetAsync("/account/login");
            var header = NonceInHeader().Match(Assert.Single(response.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value;
            var html = await response.Content.ReadAsStringAsync();
            Assert.Equal(header, WebUtility.HtmlDecode(NonceInImportMap().Match(html).Groups[1].Value));
            Assert.Equal(1, InlineScript().Count(html)); // the import map is the only inline script
            nonces.Add(header);
        }
        Assert.NotEqual(nonces[0], nonces[1]);
    }

    private static string Single(HttpResponseMessage response, string header) =>
        Assert.Single(response.Headers.TryGetValues(header, out var values) ? values : []);

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex NonceInHeader();

    [GeneratedRegex("<script type=\"importmap\" nonce=\"([^\"]+)\">")]
    private static partial Regex NonceInImportMap();

    [GeneratedRegex("<script(?![^>]*\\ssrc=)[^>]*>")]
    private static partial Regex InlineScript();
}
