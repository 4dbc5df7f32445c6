using MPanel.Domain.Billing;
using MPanel.Domain.Security;
using MPanel.Web.Common;
using MPanel.Web.Features.Invoices;

namespace MPanel.Web.Features.Subscriptions;

public sealed record CancelSubscriptionRequest(bool AtPeriodEnd, string? Reason);

public static class SubscriptionsApi
{
    public static void MapSubscriptionsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/subscriptions").WithTags("Subscriptions");
        group.MapGet("/", async (SubscriptionsService service, [AsParameters] PageQuery page, SubscriptionStatus? status, Guid? customerId, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, new SubscriptionListQuery(status, customerId), ct)))
            .RequireAuthorization(Permissions.Services.Read);
        group.MapGet("/{id:guid}", async (SubscriptionsService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Read);
        group.MapPost("/{id:guid}/cancel", async (SubscriptionsService service, Guid id, CancelSubscriptionRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.CancelAsync(id, body.AtPeriodEnd, body.Reason ?? "", ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/resume", async (SubscriptionsService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.ResumeAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/suspend", async (SubscriptionsService service, Guid id, ReasonRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.SuspendAsync(id, body.Reason ?? "", ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/unsuspend", async (SubscriptionsService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.UnsuspendAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/terminate", async (SubscriptionsService service, Guid id, ReasonRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.TerminateAsync(id, body.Reason ?? "", ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/quote", async (SubscriptionsService service, Guid id, PlanChangeRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.QuoteAsync(id, body, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/change-plan", async (SubscriptionsService service, Guid id, PlanChangeRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.ChangePlanAsync(id, body, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
    }
}
