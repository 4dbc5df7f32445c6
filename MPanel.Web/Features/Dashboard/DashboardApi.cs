using MPanel.Domain.Security;

namespace MPanel.Web.Features.Dashboard;

public static class DashboardApi
{
    public static void MapDashboardApi(this IEndpointRouteBuilder api) =>
        api.MapGet("/dashboard", async (DashboardService service, CancellationToken ct) => TypedResults.Ok(await service.GetAsync(ct)))
            .WithTags("Dashboard")
            .RequireAuthorization(Permissions.Dashboard.Read);
}
