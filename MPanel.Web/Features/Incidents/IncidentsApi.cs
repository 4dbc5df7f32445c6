using MPanel.Domain.Marketing;
using MPanel.Domain.Security;
using MPanel.Web.Common;
using MPanel.Web.Features.MarketingApi;

namespace MPanel.Web.Features.Incidents;

/// <summary>Status endpoints: <c>GET status/system</c> in the marketing API (scope <c>status:read</c>), the keyless
/// <c>GET /api/public/status</c> for the shop the host names, and staff's incident endpoints under <c>/api/incidents</c>.</summary>
public static class IncidentsApi
{
    /// <summary>The rate-limit policy of keyless public endpoints (per client IP). Defined by the marketing API's public
    /// endpoints work (apiextra); this endpoint asks for it by name once it exists.</summary>
    public const string PublicStatusPath = "/api/public/status";

    public static IServiceCollection AddIncidents(this IServiceCollection services)
    {
        services.AddMemoryCache();
        services.AddScoped<IncidentsService>();
        services.AddSingleton<StatusService>();
        return services;
    }

    public static void MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(MarketingApiEndpoints.BasePath + "/status/system", async (StatusService status, MPanel.Domain.Tenants.ICurrentTenant current, CancellationToken ct) =>
            {
                var tenantId = current.TenantId ?? throw new InvalidOperationException("No tenant for an API key.");
                return TypedResults.Ok(await status.ForTenantAsync(tenantId, withChecks: true, ct));
            })
            .WithGroupName(MarketingOpenApi.DocumentName).RequireAuthorization(ApiScopes.StatusRead)
            .WithMetadata(new ApiExamples(null, Webhooks.WebhookApiExamples.Status)).WithTags("Status").WithName("GetSystemStatus").WithSummary("Components, open incidents and health checks")
            .WithDescription("""
                Each component (website, control-panel, api, dns, email, hosting, billing) is `operational`, `degraded_performance`,
                `partial_outage` or `major_outage`, from the open incidents that affect it (minor, major, critical) and the health checks
                (database, Redis). `status` is the worst of them. Incidents of the platform your shop runs on are included.
                Answers are cached for up to 5 seconds.
                """)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status429TooManyRequests);

        // Keyless: limited per client address by the shared "public" policy.
        app.MapGet(PublicStatusPath, async (StatusService status, HttpContext http, CancellationToken ct) =>
            {
                var tenantId = await status.TenantForHostAsync(http.Request.Host.Host, ct);
                http.Response.Headers.CacheControl = $"public, max-age={(int)StatusService.CacheFor.TotalSeconds}";
                return TypedResults.Ok(await status.ForTenantAsync(tenantId, withChecks: false, ct));
            })
            .AllowAnonymous().WithMetadata(new PublicEndpoint()).RequireRateLimiting(MarketingApi.PublicRateLimits.Public)
            .WithTags("Status").WithName("GetPublicStatus").WithSummary("The public status page's data (no key)")
            .WithDescription("The same components and open incidents as `status/system`, without health-check details, for the shop whose host name the request uses (its first label is the shop's slug; other hosts get the platform's status). Cacheable for 5 seconds.");

        var staff = app.MapGroup("/api/incidents").DisableAntiforgery().WithTags("Incidents").RequireAuthorization(Permissions.Incidents.Manage);
        staff.MapGet("/", async (IncidentsService service, int? page, int? pageSize, bool? open, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(new PageQuery(page ?? 0, pageSize ?? 25), open ?? false, ct)));
        staff.MapGet("/{id:guid}", async (IncidentsService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.GetAsync(id, ct)));
        staff.MapPost("/", async (IncidentsService service, OpenIncidentRequest body, CancellationToken ct) =>
        {
            var incident = await service.OpenAsync(body, ct);
            return TypedResults.Created($"/api/incidents/{incident.Id}", incident);
        });
        staff.MapPost("/{id:guid}/updates", async (IncidentsService service, Guid id, PostIncidentUpdateRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.PostUpdateAsync(id, body, ct)));
    }
}

/// <summary>Marks a keyless public endpoint (for the per-IP limits and for documentation).</summary>
public sealed class PublicEndpoint;
