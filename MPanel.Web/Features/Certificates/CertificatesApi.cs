using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Certificates;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Acme;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Certificates;

public static class CertificatesApi
{
    /// <summary>The feature's services: the ACME adapter and its ports, the feature service, the jobs, the provisioning step.</summary>
    public static IServiceCollection AddCertificates(this IServiceCollection services)
    {
        services.AddAcme();
        services.AddSingleton<CertificateKeyProtector>();
        services.AddScoped<CertificatesService>();
        services.AddScoped<CertificateIssuer>();
        services.AddScoped<CertificateIssueJob>();
        services.AddScoped<CertificateRenewalJob>();
        services.AddScoped<IProvisioningStep, CertificateStep>();
        return services;
    }

    public static void MapCertificatesApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/certificates").WithTags("Certificates");
        group.MapGet("/", async (CertificatesService service, [AsParameters] PageQuery page, CertificateStatus? status, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, new CertificateListQuery(status), ct)))
            .RequireAuthorization(Permissions.Services.Read);
        group.MapGet("/{id:guid}", async (CertificatesService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Read);
        group.MapGet("/{id:guid}/chain", async (CertificatesService service, Guid id, CancellationToken ct) =>
            {
                var (name, pem) = await service.DownloadChainAsync(id, ct);
                return TypedResults.File(Encoding.ASCII.GetBytes(pem), "application/pem-certificate-chain", name);
            })
            .RequireAuthorization(Permissions.Services.Read);
        group.MapPost("/", async Task<Accepted<CertificateView>> (CertificatesService service, RequestCertificateRequest body, CancellationToken ct) =>
            {
                var created = await service.RequestAsync(body, ct);
                return TypedResults.Accepted($"/api/certificates/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/upload", async Task<Created<CertificateView>> (CertificatesService service, UploadCertificateRequest body, CancellationToken ct) =>
            {
                var created = await service.UploadAsync(body, ct);
                return TypedResults.Created($"/api/certificates/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapPost("/{id:guid}/renew", async Task<Accepted<CertificateView>> (CertificatesService service, Guid id, CancellationToken ct) =>
            TypedResults.Accepted($"/api/certificates/{id}", await service.RenewAsync(id, ct)))
            .RequireAuthorization(Permissions.Services.Manage);
        group.MapDelete("/{id:guid}", async Task<NoContent> (CertificatesService service, Guid id, CancellationToken ct) =>
            {
                await service.DeleteAsync(id, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.Services.Manage);
    }
}
