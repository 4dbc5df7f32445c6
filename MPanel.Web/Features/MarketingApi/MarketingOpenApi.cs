using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Security;
using Scalar.AspNetCore;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>The marketing API described in OpenAPI 3.1 at <c>/openapi/v1.json</c>, with the interactive reference
/// (Scalar, served from the package, no CDN) at <c>/api/docs</c>. Both are public; only the marketing endpoints are in
/// the document.</summary>
public static class MarketingOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";
    private const string SchemeName = "ApiKey";

    public static IServiceCollection AddMarketingOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.ShouldInclude = description => description.GroupName == DocumentName;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "MPanel marketing API",
                    Version = "v1",
                    Description = """
                        What a hosting company's marketing website uses to sell: the catalogue, promo codes, customer accounts,
                        checkout with Stripe, order status and plan changes.

                        * **Authentication**: send the key in `X-API-Key`. Each key has scopes; a call outside them answers 403.
                        * **Limits**: per key and minute, separately for reads and writes (100 and 10 by default). Past the limit
                          the answer is 429 with `Retry-After`; `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
                          come with every answer.
                        * **Retries**: every POST honours `Idempotency-Key`. The first successful answer is kept for 24 hours
                          and replayed (with `Idempotent-Replayed: true`); the same key with a different request answers 422,
                          and 409 while the first is still running.
                        * **Errors** are RFC 7807 problem details with a `code`; validation errors list the fields in `errors`.
                          Ids of another shop answer 404.
                        """,
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyDefaults.Header,
                    Description = "An API key made in Settings → API keys (mpk_live_…). Its scopes decide which calls it may make.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] }];
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(async (operation, context, ct) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (operation.RequestBody is null && metadata.OfType<DocumentedRequestBody>().LastOrDefault() is { } documented)
                {
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(documented.Type, null, ct) },
                        },
                    };
                }
                var marketing = ("/" + context.Description.RelativePath).StartsWith(MarketingApiEndpoints.BasePath + "/", StringComparison.OrdinalIgnoreCase);
                // Public endpoints (contact form, status) need no key: say so explicitly.
                if (metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any()) operation.Security = [];
                AddExamples(operation, metadata);
                if (marketing && string.Equals(context.Description.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase))
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = IdempotencyFilter.Header,
                        In = ParameterLocation.Header,
                        Required = false,
                        Description = "Makes the call safe to retry: 1 to 255 visible ASCII characters, e.g. a UUID. Reuse it only for the same request.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
                    });
                }
            });
        });

    /// <summary>The operation's request and success examples (from its <see cref="ApiExamples"/> metadata or
    /// <see cref="MarketingApiExamples.ByOperation"/>) and a problem-details example on every error response.</summary>
    private static void AddExamples(OpenApiOperation operation, IList<object> metadata)
    {
        var examples = metadata.OfType<ApiExamples>().LastOrDefault()
            ?? (operation.OperationId is { } id && MarketingApiExamples.ByOperation.TryGetValue(id, out var known) ? known : null);
        if (examples?.Request is { } request && operation.RequestBody?.Content is { } requestContent)
            foreach (var media in requestContent.Values) media.Example = MarketingApiExamples.ToNode(request);
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response.Content is null) continue;
            foreach (var media in response.Content.Values)
            {
                if (status.StartsWith('2') && examples?.Response is { } body) media.Example = MarketingApiExamples.ToNode(body);
                else if (MarketingApiExamples.Problems.TryGetValue(status, out var problem)) media.Example = MarketingApiExamples.ToNode(problem);
            }
        }
    }

    public static void MapMarketingOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.MapScalarApiReference(ReferencePath, (options, http) =>
        {
            options.Title = "MPanel marketing API";
            options.OpenApiRoutePattern = DocumentPath;
            // The page's scripts carry this response's CSP nonce; nothing is fetched from a CDN.
            options.Nonce = http.CspNonce();
            options.DefaultFonts = false;
            options.Telemetry = false;
            options.AddPreferredSecuritySchemes(SchemeName);
        }).AllowAnonymous();
    }
}
