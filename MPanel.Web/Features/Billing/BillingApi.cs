using MPanel.Domain.Billing;
using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Billing;

public static class BillingApi
{
    public static void MapBillingApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/billing").WithTags("Billing");
        group.MapGet("/runs", async (BillingOperationsService service, [AsParameters] PageQuery page, CancellationToken ct) =>
            TypedResults.Ok(await service.RunsAsync(page, ct)))
            .RequireAuthorization(Permissions.Invoices.Read);
        group.MapPost("/runs", (BillingOperationsService service) =>
            TypedResults.Accepted("/api/billing/runs", new { jobId = service.RunBillingDayNow() }))
            .RequireAuthorization(Permissions.Invoices.Manage);
        group.MapGet("/stats", async (BillingOperationsService service, CancellationToken ct) =>
            TypedResults.Ok(await service.StatsAsync(ct)))
            .RequireAuthorization(Permissions.Dashboard.Read);
        group.MapGet("/emails", async (BillingOperationsService service, [AsParameters] PageQuery page, EmailStatus? status, string? template, CancellationToken ct) =>
            TypedResults.Ok(await service.EmailsAsync(page, status, template, ct)))
            .RequireAuthorization(Permissions.Invoices.Read);
        group.MapGet("/emails/{id:guid}", async (BillingOperationsService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.EmailAsync(id, ct)))
            .RequireAuthorization(Permissions.Invoices.Read);
        group.MapPost("/emails/{id:guid}/retry", async (BillingOperationsService service, Guid id, CancellationToken ct) =>
            {
                await service.RetryEmailAsync(id, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.Invoices.Manage);
    }
}
