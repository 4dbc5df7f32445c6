using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Billing;
using MPanel.Domain.Security;
using MPanel.Web.Common;
using MPanel.Web.Features.Invoices;

namespace MPanel.Web.Features.Orders;

public static class OrdersApi
{
    public static void MapOrdersApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/orders").WithTags("Orders");
        group.MapGet("/", async (OrdersService service, [AsParameters] PageQuery page, OrderStatus? status, Guid? customerId, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, new OrderListQuery(status, customerId), ct)))
            .RequireAuthorization(Permissions.Orders.Read);
        group.MapGet("/{id:guid}", async (OrdersService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, ct)))
            .RequireAuthorization(Permissions.Orders.Read);
        group.MapPost("/", async Task<Created<OrderView>> (OrdersService service, PlaceOrder body, CancellationToken ct) =>
            {
                var order = await service.PlaceAsync(body with { Items = body.Items ?? [] }, OrderChannel.Admin, ct);
                return TypedResults.Created($"/api/orders/{order.Id}", order);
            })
            .RequireAuthorization(Permissions.Orders.Manage);
        group.MapPost("/{id:guid}/approve", async (OrdersService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.ApproveAsync(id, ct)))
            .RequireAuthorization(Permissions.Orders.Manage);
        group.MapPost("/{id:guid}/cancel", async (OrdersService service, Guid id, ReasonRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.CancelAsync(id, body.Reason ?? "", ct)))
            .RequireAuthorization(Permissions.Orders.Manage);
    }
}
