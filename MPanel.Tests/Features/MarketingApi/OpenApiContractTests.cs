using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>/openapi/v1.json validated as a whole: Microsoft.OpenApi parses and validates it without errors, and a walk
/// over the raw JSON checks what a client generator and a reader rely on — operation ids and summaries, security stated
/// (or explicitly none), responses with schemas, request and response examples, problem+json errors with examples, and
/// every $ref resolving. All findings are reported at once.</summary>
public sealed class OpenApiContractTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    private async Task<string> DocumentAsync()
    {
        var response = await factory.ApiClient(null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync();
        var output = Environment.GetEnvironmentVariable("MPANEL_TEST_OUTPUT");
        if (!string.IsNullOrEmpty(output))
        {
            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, "openapi-v1.json"), json);
        }
        return json;
    }

    [Fact]
    public async Task TheDocument_ParsesAndValidates_WithMicrosoftOpenApi()
    {
        var json = await DocumentAsync();
        var read = OpenApiDocument.Parse(json, "json", new OpenApiReaderSettings());
        Assert.True(read.Diagnostic!.Errors.Count == 0, string.Join("\n", read.Diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        var errors = read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Pointer}: {e.Message}")));
    }

    [Fact]
    public async Task EveryOperation_IsComplete_AndEveryRefResolves()
    {
        using var parsed = JsonDocument.Parse(await DocumentAsync());
        var root = parsed.RootElement;
        var problems = new List<string>();
        var documentSecured = root.TryGetProperty("security", out var documentSecurity) && documentSecurity.GetArrayLength() > 0;
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;

        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                count++;
                var name = $"{op.Name.ToUpperInvariant()} {path.Name}";
                var operation = op.Value;
                if (!operation.TryGetProperty("operationId", out var id) || string.IsNullOrWhiteSpace(id.GetString()))
                    problems.Add($"{name}: no operationId");
                else if (!operationIds.Add(id.GetString()!))
                    problems.Add($"{name}: operationId {id.GetString()} is used twice");
                if (!operation.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
                    problems.Add($"{name}: no summary");
                if (!operation.TryGetProperty("tags", out var tags) || tags.GetArrayLength() == 0)
                    problems.Add($"{name}: no tag");

                // Security: the document's (the API key) unless the operation says otherwise; public ones say "none" ([]).
                var hasOwn = operation.TryGetProperty("security", out var own);
                if (!hasOwn && !documentSecured) problems.Add($"{name}: no security requirement, neither its own nor the document's");
                var isPublic = hasOwn && own.GetArrayLength() == 0;
                if (path.Name.StartsWith("/api/public/", StringComparison.Ordinal) && !isPublic)
                    problems.Add($"{name}: a public endpoint must state security: [] (no key)");

                if (operation.TryGetProperty("requestBody", out var requestBody))
                {
                    foreach (var media in requestBody.GetProperty("content").EnumerateObject())
                    {
                        if (!media.Value.TryGetProperty("schema", out _)) problems.Add($"{name}: request {media.Name} has no schema");
                        if (!media.Value.TryGetProperty("example", out _) && !media.Value.TryGetProperty("examples", out _))
                            problems.Add($"{name}: request {media.Name} has no example");
                    }
                }

                if (!operation.TryGetProperty("responses", out var responses) || !responses.EnumerateObject().Any())
                {
                    problems.Add($"{name}: no responses");
                    continue;
                }
                if (!responses.EnumerateObject().Any(r => r.Name.StartsWith('2'))) problems.Add($"{name}: no success response");
                foreach (var response in responses.EnumerateObject())
                {
                    var what = $"{name} → {response.Name}";
                    if (!response.Value.TryGetProperty("description", out _)) problems.Add($"{what}: no description");
                    if (response.Name == "204") continue;
                    if (!response.Value.TryGetProperty("content", out var content) || !content.EnumerateObject().Any())
                    {
                        problems.Add($"{what}: no content");
                        continue;
                    }
                    foreach (var media in content.EnumerateObject())
                    {
                        if (!media.Value.TryGetProperty("schema", out _)) problems.Add($"{what} {media.Name}: no schema");
                        if (!media.Value.TryGetProperty("example", out _) && !media.Value.TryGetProperty("examples", out _))
                            problems.Add($"{what} {media.Name}: no example");
                    }
                    if (response.Name[0] is '4' or '5' && !content.TryGetProperty("application/problem+json", out _))
                        problems.Add($"{what}: errors are application/problem+json");
                }

                // What every marketing call can answer.
                if (path.Name.StartsWith(MarketingApiFactory.Base + "/", StringComparison.Ordinal))
                {
                    foreach (var status in new[] { "401", "403", "429" })
                        if (!responses.TryGetProperty(status, out _)) problems.Add($"{name}: lacks {status}");
                    if (path.Name.Contains('{') && !responses.TryGetProperty("404", out _)) problems.Add($"{name}: takes an id but lacks 404");
                    if (op.Name == "post")
                        foreach (var status in new[] { "409", "422" })
                            if (!responses.TryGetProperty(status, out _)) problems.Add($"{name}: a POST (Idempotency-Key) lacks {status}");
                }
                else if (!responses.TryGetProperty("429", out _)) problems.Add($"{name}: a public endpoint is rate limited and must document 429");
            }
        }

        // Every $ref points at something that exists in this document.
        var refs = new List<string>();
        CollectRefs(root, refs);
        foreach (var reference in refs.Distinct())
        {
            if (!reference.StartsWith("#/", StringComparison.Ordinal)) problems.Add($"$ref {reference} is not local");
            else if (!Resolves(root, reference)) problems.Add($"$ref {reference} does not resolve");
        }

        Assert.True(count >= 15, $"only {count} operations");
        Assert.NotEmpty(refs);
        Assert.True(problems.Count == 0, $"{problems.Count} problems in /openapi/v1.json:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task TheExamples_MatchWhatTheApiAnswers_ForTheirShape()
    {
        // The catalogue example and a real catalogue have the same property names (examples come from the real types).
        using var parsed = JsonDocument.Parse(await DocumentAsync());
        var example = parsed.RootElement.GetProperty("paths").GetProperty("/api/marketing-api/products/catalog").GetProperty("get")
            .GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example");
        var shop = await factory.ShopAsync("examples");
        var real = await factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret).GetFromJsonAsync<JsonElement>("/api/marketing-api/products/catalog");
        static IEnumerable<string> Names(JsonElement product) => product.EnumerateObject().Select(p => p.Name).Order();
        Assert.Equal(Names(real.GetProperty("products")[0]), Names(example.GetProperty("products")[0]));
        Assert.Equal("SharedHosting", example.GetProperty("products")[0].GetProperty("type").GetString());

        // Every marketing route from the endpoint data source is in the document under its operation id.
        var names = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Where(e => e is RouteEndpoint r && r.RoutePattern.RawText!.StartsWith(MarketingApiFactory.Base + "/", StringComparison.Ordinal))
            .Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName).ToList();
        Assert.DoesNotContain(null, names);
        var ids = parsed.RootElement.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("operationId", out _))
            .Select(o => o.Value.GetProperty("operationId").GetString()).ToHashSet();
        Assert.All(names, n => Assert.Contains(n, ids));
    }

    private static void CollectRefs(JsonElement element, List<string> refs)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String) refs.Add(property.Value.GetString()!);
                    else CollectRefs(property.Value, refs);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) CollectRefs(item, refs);
                break;
        }
    }

    /// <summary>Follows a JSON pointer (RFC 6901) from the document root.</summary>
    private static bool Resolves(JsonElement root, string reference)
    {
        var current = root;
        foreach (var raw in reference[2..].Split('/'))
        {
            var token = Uri.UnescapeDataString(raw).Replace("~1", "/").Replace("~0", "~");
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var next)) current = next;
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, out var index) && index < current.GetArrayLength()) current = current[index];
            else return false;
        }
        return true;
    }
}
