using MPanel.Domain.Billing;
using MPanel.Domain.Databases;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Security;
using MPanel.Domain.Servers;
using MPanel.Infrastructure.Databases;
using MPanel.Web.Common;
using MPanel.Web.Features.Databases;
using MPanel.Web.Features.Servers;

namespace MPanel.Web.Features.Provisioning;

public sealed record ProvisioningRequestBody(ProvisioningAction Action, string? Reason);

public sealed record ServerUpdateBody(string Name, string Host, ServerRoles Roles, int Capacity, ServerStatus Status);

/// <summary>Registration and endpoints of the engine helper's three features: provisioning, servers, customer databases.</summary>
public static class ProvisioningRegistration
{
    public static IServiceCollection AddProvisioningEngine(this IServiceCollection services)
    {
        services.AddOptions<ProvisioningOptions>().BindConfiguration(ProvisioningOptions.Section);
        services.AddOptions<CustomerDatabasesOptions>().BindConfiguration(CustomerDatabasesOptions.Section);
        services.AddOptions<DatabaseEngineOptions>().BindConfiguration(CustomerDatabasesOptions.Section);
        services.AddSingleton<IProvisioningPort, EngineProvisioningPort>();
        services.AddSingleton<ProvisioningEngine>();
        services.AddScoped<ProvisioningReconciler>();
        services.AddScoped<ProvisioningJob>();
        services.AddScoped<ProvisioningService>();
        services.AddScoped<ServerPlacement>();
        services.AddScoped<ServersService>();
        services.AddHttpClient("servers-health");
        services.AddSingleton<DatabaseProviders>();
        services.AddScoped<DatabasesService>();
        services.AddScoped<IProvisioningStep, DatabaseStep>();
        return services;
    }

    public static void MapProvisioningApi(this IEndpointRouteBuilder api)
    {
        var tasks = api.MapGroup("/provisioning").WithTags("Provisioning");
        tasks.MapGet("/tasks", async (ProvisioningService service, [AsParameters] PageQuery page, ProvisioningTaskStatus? status, Guid? subscriptionId, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(new ProvisioningTaskQuery(status, subscriptionId), page, ct))).RequireAuthorization(Permissions.Services.Read);
        tasks.MapGet("/tasks/{id:guid}", async (ProvisioningService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, ct))).RequireAuthorization(Permissions.Services.Read);
        tasks.MapPost("/tasks/{id:guid}/retry", async (ProvisioningService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.RetryAsync(id, ct))).RequireAuthorization(Permissions.Services.Manage);
        tasks.MapPost("/tasks/{id:guid}/rollback", async (ProvisioningService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.RollbackAsync(id, ct))).RequireAuthorization(Permissions.Services.Manage);
        tasks.MapPost("/subscriptions/{id:guid}", async (ProvisioningService service, Guid id, ProvisioningRequestBody body, CancellationToken ct) =>
            TypedResults.Ok(await service.RequestAsync(id, body.Action, body.Reason ?? "Requested by staff", ct))).RequireAuthorization(Permissions.Services.Manage);
        tasks.MapGet("/subscriptions/{id:guid}/drift", async (ProvisioningService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.DriftAsync(id, ct))).RequireAuthorization(Permissions.Services.Read);
        tasks.MapPost("/subscriptions/{id:guid}/repair", async (ProvisioningService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.RepairAsync(id, ct))).RequireAuthorization(Permissions.Services.Manage);

        var servers = api.MapGroup("/servers").WithTags("Servers");
        servers.MapGet("/", async (ServersService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct))).RequireAuthorization(Permissions.Servers.Read);
        servers.MapGet("/{id:guid}", async (ServersService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.GetAsync(id, ct))).RequireAuthorization(Permissions.Servers.Read);
        servers.MapGet("/{id:guid}/health", async (ServersService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.HealthAsync(id, ct))).RequireAuthorization(Permissions.Servers.Read);
        servers.MapPost("/", async (ServersService service, ServerDetails body, CancellationToken ct) => TypedResults.Ok(await service.CreateAsync(body, ct))).RequireAuthorization(Permissions.Servers.Manage);
        servers.MapPut("/{id:guid}", async (ServersService service, Guid id, ServerUpdateBody body, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateAsync(id, new ServerDetails(body.Name, body.Host, body.Roles, body.Capacity), body.Status, ct))).RequireAuthorization(Permissions.Servers.Manage);
        servers.MapPut("/{id:guid}/connections", async (ServersService service, Guid id, ServerConnectionInput body, CancellationToken ct) =>
            TypedResults.Ok(await service.SetConnectionAsync(id, body, ct))).RequireAuthorization(Permissions.Servers.Manage);

        var databases = api.MapGroup("/databases").WithTags("Databases");
        databases.MapGet("/", async (DatabasesService service, [AsParameters] PageQuery page, Guid? customerId, Guid? subscriptionId, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, customerId, subscriptionId, ct))).RequireAuthorization(Permissions.Services.Read);
        databases.MapPost("/", async (DatabasesService service, NewDatabase body, CancellationToken ct) =>
            TypedResults.Ok(await service.CreateAsync(body, ct))).RequireAuthorization(Permissions.Services.Manage);
        databases.MapPost("/{id:guid}/reset-password", async (DatabasesService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.ResetPasswordAsync(id, ct))).RequireAuthorization(Permissions.Services.Manage);
        databases.MapDelete("/{id:guid}", async (DatabasesService service, Guid id, CancellationToken ct) =>
        {
            await service.DropAsync(id, ct);
            return TypedResults.NoContent();
        }).RequireAuthorization(Permissions.Services.Manage);
    }
}
