using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.ApiKeys;

/// <summary>Staff manage the tenant's marketing-API keys here (and in /settings/api-keys); signed in, never with a key.</summary>
public static class ApiKeysApi
{
    public static void MapApiKeysApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(Permissions.Settings.Manage);
        group.MapGet("/", async (ApiKeysService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)));
        group.MapGet("/{id:guid}", async (ApiKeysService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.GetAsync(id, ct)));
        group.MapPost("/", async Task<Created<CreatedApiKey>> (ApiKeysService service, CreateApiKeyRequest body, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body, ct);
            return TypedResults.Created($"/api/api-keys/{created.Key.Id}", created);
        });
        group.MapPost("/{id:guid}/rotate", async Task<Created<CreatedApiKey>> (ApiKeysService service, Guid id, CancellationToken ct) =>
        {
            var created = await service.RotateAsync(id, ct);
            return TypedResults.Created($"/api/api-keys/{created.Key.Id}", created);
        });
        group.MapPut("/{id:guid}/limits", async (ApiKeysService service, Guid id, ApiKeyLimitsRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateLimitsAsync(id, body, ct)));
        group.MapDelete("/{id:guid}", async (ApiKeysService service, Guid id, CancellationToken ct) =>
        {
            await service.RevokeAsync(id, ct);
            return TypedResults.NoContent();
        });
        group.MapGet("/activity", async (ApiKeysService service, [AsParameters] PageQuery page, Guid? apiKeyId, string? status,
                DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
            TypedResults.Ok(await service.ListActivityAsync(page, new ApiActivityFilter(apiKeyId, status, from, to), ct)));
    }
}
