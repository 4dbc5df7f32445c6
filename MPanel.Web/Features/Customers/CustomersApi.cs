using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Customers;

public sealed record UpdateCustomerRequest(string FirstName, string LastName, string Email, string? Company, string? Phone, string Country, uint Version);
public sealed record ChangeCustomerStatusRequest(CustomerStatus Status);
public sealed record AddNoteRequest(string Text);

public static class CustomersApi
{
    public static void MapCustomersApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/customers").WithTags("Customers");
        group.MapGet("/", async (CustomersService service, [AsParameters] PageQuery page, CustomerStatus? status, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, new CustomerListQuery(status), ct)))
            .RequireAuthorization(Permissions.Customers.Read);
        group.MapGet("/{id:guid}", async (CustomersService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, ct)))
            .RequireAuthorization(Permissions.Customers.Read);
        group.MapPost("/", async Task<Created<CustomerView>> (CustomersService service, CustomerDetails body, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(body, ct);
                return TypedResults.Created($"/api/customers/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Customers.Manage);
        group.MapPut("/{id:guid}", async (CustomersService service, Guid id, UpdateCustomerRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateAsync(id, new CustomerDetails(body.FirstName, body.LastName, body.Email, body.Company, body.Phone, body.Country), body.Version, ct)))
            .RequireAuthorization(Permissions.Customers.Manage);
        group.MapPost("/{id:guid}/status", async (CustomersService service, Guid id, ChangeCustomerStatusRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.ChangeStatusAsync(id, body.Status, ct)))
            .RequireAuthorization(Permissions.Customers.Manage);
        group.MapPost("/{id:guid}/notes", async (CustomersService service, Guid id, AddNoteRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.AddNoteAsync(id, body.Text, ct)))
            .RequireAuthorization(Permissions.Customers.Manage);
    }
}
