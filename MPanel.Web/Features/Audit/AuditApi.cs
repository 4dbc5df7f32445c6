using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Audit;

public static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder api) =>
        api.MapGet("/audit", async (AuditService service, [AsParameters] PageQuery page, string? user, string? entityType,
                DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, new AuditFilter(user, entityType, from, to), ct)))
        .WithTags("Audit")
        .RequireAuthorization(Permissions.Audit.Read);
}
