using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>The OpenAPI 3.1 document and the reference page: public, valid, and complete for the marketing API.</summary>
public sealed class OpenApiTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    [Fact]
    public async Task Document_Parses_AndDescribesEveryMarketingRoute_WithAuthAndErrors()
    {
        var response = await factory.ApiClient(null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("3.1.", JsonDocument.Parse(json).RootElement.GetProperty("openapi").GetString());

        var read = OpenApiDocument.Parse(json, "json", new OpenApiReaderSettings());
        Assert.Empty(read.Diagnostic!.Errors);
        var document = read.Document!;
        Assert.Equal("MPanel marketing API", document.Info.Title);

        // Every marketing endpoint, and nothing else.
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith(MarketingApiFactory.Base + "/", StringComparison.Ordinal))
            .Select(e => (Method: e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single(),
                Path: e.RoutePattern.RawText!.Replace(":guid", "").TrimEnd('/')))
            .ToList();
        Assert.True(routes.Count >= 10);
        var described = document.Paths.Where(p => p.Key.StartsWith(MarketingApiFactory.Base + "/", StringComparison.Ordinal)) // public endpoints are checked in OpenApiContractTests
            .SelectMany(p => p.Value.Operations!.Select(o => (Method: o.Key.Method.ToUpperInvariant(), Path: p.Key.TrimEnd('/')))).ToList();
        Assert.Equal(routes.Select(r => $"{r.Method} {r.Path}").Order(), described.Select(d => $"{d.Method} {d.Path}").Order());

        // The key scheme, applied to the whole document.
        var scheme = Assert.Single(document.Components!.SecuritySchemes!);
        Assert.Equal((SecuritySchemeType.ApiKey, ParameterLocation.Header, "X-API-Key"), (scheme.Value.Type!.Value, scheme.Value.In!.Value, scheme.Value.Name));
        Assert.NotEmpty(document.Security!);

        foreach (var (path, item) in document.Paths.Where(p => p.Key.StartsWith(MarketingApiFactory.Base + "/", StringComparison.Ordinal)))
        {
            foreach (var (method, operation) in item.Operations!)
            {
                var name = $"{method} {path}";
                Assert.False(string.IsNullOrWhiteSpace(operation.Summary), $"{name} has no summary");
                Assert.Contains(operation.Responses!.Keys, k => k.StartsWith('2'));
                foreach (var status in new[] { "401", "403", "429" }) Assert.True(operation.Responses!.ContainsKey(status), $"{name} lacks {status}");
                Assert.Contains("application/problem+json", operation.Responses!["401"].Content!.Keys);
                if (method == HttpMethod.Post)
                {
                    Assert.Contains(operation.Parameters!, p => p.Name == "Idempotency-Key" && p.In == ParameterLocation.Header);
                    foreach (var status in new[] { "409", "413", "422" }) Assert.True(operation.Responses!.ContainsKey(status), $"{name} lacks {status}");
                }
            }
        }
        Assert.Contains("404", document.Paths["/api/marketing-api/orders/{id}"].Operations![HttpMethod.Get].Responses!.Keys);
        Assert.Contains("400", document.Paths["/api/marketing-api/accounts/create"].Operations![HttpMethod.Post].Responses!.Keys);
    }

    [Fact]
    public async Task ReferencePage_IsPublic_ServedLocally_AndFitsTheContentSecurityPolicy()
    {
        var client = factory.ApiClient(null);
        var page = await client.GetAsync("/api/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html);
        Assert.DoesNotContain("cdn.jsdelivr.net", html);
        // Each script carries this response's nonce.
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*>");
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Contains($"nonce=\"{nonce}\"", System.Net.WebUtility.HtmlDecode(s.Value)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/docs/scalar.js")).StatusCode);
    }
}
