using MPanel.Domain.Provisioning;
using MPanel.Domain.Security;
using MPanel.Domain.Sites;
using MPanel.Infrastructure.Agent;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Sites;

public static class SitesApi
{
    public static IServiceCollection AddSites(this IServiceCollection services) => services
        .AddAgentClient()
        .AddScoped<SiteHost>()
        .AddScoped<SitesService>()
        .AddScoped<IProvisioningStep, SiteStep>();

    public static void MapSitesApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/sites").WithTags("Sites");
        group.MapGet("/", async (SitesService service, [AsParameters] PageQuery page, SiteStatus? status, Guid? customerId, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, new SiteListQuery(status, customerId), ct)))
            .RequireAuthorization(Permissions.Services.Read);
        group.MapGet("/{id:guid}", async (SitesService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.GetAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Read);
        group.MapGet("/{id:guid}/drift", async (SitesService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.FindDriftAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Read);
        group.MapPost("/", async (SitesService service, NewSite body, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(body, ct);
                return TypedResults.Created($"/api/sites/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPut("/{id:guid}", async (SitesService service, Guid id, SiteSettings body, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateSettingsAsync(id, body, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/suspend", async (SitesService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.SuspendAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/unsuspend", async (SitesService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.UnsuspendAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/disk-usage", async (SitesService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.RefreshDiskUsageAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/repair", async (SitesService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.RepairAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapDelete("/{id:guid}", async (SitesService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.DeleteAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
    }
}
