using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Users;

public static class UsersApi
{
    public static void MapUsersApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/users").WithTags("Users");
        group.MapGet("/", async (UsersService service, [AsParameters] PageQuery page, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, ct)))
            .RequireAuthorization(Permissions.Users.Read);
        group.MapPost("/", async (UsersService service, InviteUserRequest body, HttpRequest request, CancellationToken ct) =>
            {
                var created = await service.InviteAsync(body, $"{request.Scheme}://{request.Host}{request.PathBase}", ct);
                return TypedResults.Created($"/api/users/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Users.Manage);
        group.MapPut("/{id:guid}/role", async (UsersService service, Guid id, ChangeRoleRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.ChangeRoleAsync(id, body.Role, ct)))
            .RequireAuthorization(Permissions.Users.Manage);
        group.MapPost("/{id:guid}/disable", async (UsersService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.SetDisabledAsync(id, true, ct)))
            .RequireAuthorization(Permissions.Users.Manage);
        group.MapPost("/{id:guid}/reset-two-factor", async (UsersService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.ResetTwoFactorAsync(id, ct)))
            .RequireAuthorization(Permissions.Users.Manage);
        group.MapPost("/{id:guid}/resend-invitation", async (UsersService service, Guid id, HttpRequest request, CancellationToken ct) =>
            TypedResults.Ok(await service.ResendInvitationAsync(id, $"{request.Scheme}://{request.Host}{request.PathBase}", ct)))
            .RequireAuthorization(Permissions.Users.Manage);
        group.MapPost("/{id:guid}/end-sessions", async (UsersService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(new { ended = await service.EndSessionsAsync(id, ct) }))
            .RequireAuthorization(Permissions.Users.Manage);
        group.MapPost("/{id:guid}/enable", async (UsersService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.SetDisabledAsync(id, false, ct)))
            .RequireAuthorization(Permissions.Users.Manage);
    }
}
