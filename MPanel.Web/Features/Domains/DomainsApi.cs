using MPanel.Domain.Domains;
using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Domains;

public sealed record RenewDomainRequest(int Years = 1);
public sealed record CompleteDomainTaskRequest(DomainTaskStatus Status = DomainTaskStatus.Done);

public static class DomainsApi
{
    public static void MapDomainsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/domains").WithTags("Domains");
        group.MapGet("/", async (DomainsService domains, [AsParameters] PageQuery page, CancellationToken ct) =>
            TypedResults.Ok(await domains.ListAsync(page, ct))).RequireAuthorization(Permissions.Services.Read);
        group.MapGet("/{id:guid}", async (DomainsService domains, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await domains.GetAsync(id, ct))).RequireAuthorization(Permissions.Services.Read);
        group.MapGet("/tasks", async (DomainsService domains, CancellationToken ct) =>
            TypedResults.Ok(await domains.OpenTasksAsync(ct))).RequireAuthorization(Permissions.Services.Read);
        group.MapPost("/", async (DomainsService domains, SaveDomainRequest body, CancellationToken ct) =>
            TypedResults.Ok(await domains.AddExistingAsync(body, ct))).RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/register", async (DomainsService domains, SaveDomainRequest body, CancellationToken ct) =>
            TypedResults.Ok(await domains.RegisterAsync(body, 1, ct))).RequireAuthorization(Permissions.Services.Manage);
        group.MapPut("/{id:guid}", async (DomainsService domains, Guid id, UpdateDomainRequest body, CancellationToken ct) =>
            TypedResults.Ok(await domains.UpdateAsync(id, body, ct))).RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/renew", async (DomainsService domains, Guid id, RenewDomainRequest body, CancellationToken ct) =>
            TypedResults.Ok(await domains.RenewAsync(id, body.Years, ct))).RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/tasks/{taskId:guid}/complete", async (DomainsService domains, Guid taskId, CompleteDomainTaskRequest body, CancellationToken ct) =>
        {
            await domains.CompleteTaskAsync(taskId, body.Status, ct);
            return TypedResults.NoContent();
        }).RequireAuthorization(Permissions.Services.Manage);
    }
}
