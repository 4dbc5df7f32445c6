using MPanel.Domain.Security;

namespace MPanel.Web.Features.Sessions;

public static class SessionsApi
{
    public static void MapSessionsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/account/sessions").WithTags("Sessions").RequireAuthorization(Permissions.Profile.Manage);
        group.MapGet("/", async (SessionsService service, CancellationToken ct) => TypedResults.Ok(await service.ListMineAsync(ct)));
        group.MapDelete("/{id:guid}", async (SessionsService service, Guid id, CancellationToken ct) =>
        {
            await service.RevokeAsync(id, ct);
            return TypedResults.NoContent();
        });
        group.MapPost("/revoke-others", async (SessionsService service, CancellationToken ct) =>
            TypedResults.Ok(new { ended = await service.RevokeOthersAsync(ct) }));
    }
}
