using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Tenants;

public static class TenantsApi
{
    public static void MapTenantsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/tenants").WithTags("Tenants");
        group.MapGet("/", async (TenantsService service, [AsParameters] PageQuery page, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, ct)))
            .RequireAuthorization(Permissions.Tenants.Read);
        group.MapGet("/{id:guid}", async (TenantsService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, ct)))
            .RequireAuthorization(Permissions.Tenants.Read);
        group.MapPost("/", async (TenantsService service, CreateResellerRequest body, CancellationToken ct) =>
            {
                var created = await service.CreateResellerAsync(body, ct);
                return TypedResults.Created($"/api/tenants/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Tenants.Manage);
        group.MapPut("/{id:guid}", async (TenantsService service, Guid id, UpdateTenantRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateAsync(id, body, ct)))
            .RequireAuthorization(Permissions.Tenants.Manage);
    }
}
