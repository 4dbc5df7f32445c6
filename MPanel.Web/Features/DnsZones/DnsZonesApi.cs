using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.DnsZones;

/// <summary>/api/dns: zones, records, import/export, drift and templates for staff (cookie auth). Field errors are
/// RFC 7807 validation problems (name, type, content, ttl, priority; text for zone-file lines).</summary>
public static class DnsZonesApi
{
    public static void MapDnsZonesApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/dns").WithTags("DNS");
        const string read = Permissions.Services.Read, manage = Permissions.Services.Manage;

        group.MapGet("/zones", async (DnsZonesService dns, [AsParameters] PageQuery page, CancellationToken ct) =>
            TypedResults.Ok(await dns.ListAsync(page, ct))).RequireAuthorization(read);
        group.MapGet("/zones/{id:guid}", async (DnsZonesService dns, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await dns.GetAsync(id, ct))).RequireAuthorization(read);
        group.MapPost("/zones", async Task<Created<DnsZoneView>> (DnsZonesService dns, CreateDnsZoneRequest body, CancellationToken ct) =>
        {
            var zone = await dns.CreateAsync(body, ct);
            return TypedResults.Created($"/api/dns/zones/{zone.Id}", zone);
        }).RequireAuthorization(manage);
        group.MapDelete("/zones/{id:guid}", async (DnsZonesService dns, Guid id, CancellationToken ct) =>
        {
            await dns.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).RequireAuthorization(manage);

        group.MapPost("/zones/{id:guid}/records", async (DnsZonesService dns, Guid id, DnsRecordInput body, CancellationToken ct) =>
            TypedResults.Ok(await dns.AddRecordAsync(id, body, ct))).RequireAuthorization(manage);
        group.MapPut("/zones/{id:guid}/records/{recordId:guid}", async (DnsZonesService dns, Guid id, Guid recordId, DnsRecordInput body, CancellationToken ct) =>
            TypedResults.Ok(await dns.UpdateRecordAsync(id, recordId, body, ct))).RequireAuthorization(manage);
        group.MapDelete("/zones/{id:guid}/records/{recordId:guid}", async (DnsZonesService dns, Guid id, Guid recordId, CancellationToken ct) =>
            TypedResults.Ok(await dns.DeleteRecordAsync(id, recordId, ct))).RequireAuthorization(manage);

        group.MapPost("/zones/{id:guid}/import", async (DnsZonesService dns, Guid id, ZoneImportRequest body, CancellationToken ct) =>
            TypedResults.Ok(await dns.ImportAsync(id, body, ct))).RequireAuthorization(manage);
        group.MapGet("/zones/{id:guid}/export", async (DnsZonesService dns, Guid id, CancellationToken ct) =>
        {
            var (fileName, text) = await dns.ExportAsync(id, ct);
            return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(text), "text/dns", fileName);
        }).RequireAuthorization(read);

        group.MapGet("/zones/{id:guid}/drift", async (DnsZonesService dns, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await dns.FindDriftAsync(id, ct))).RequireAuthorization(read);
        group.MapPost("/zones/{id:guid}/repair", async (DnsZonesService dns, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await dns.RepairAsync(id, ct))).RequireAuthorization(manage);

        group.MapGet("/templates", async (DnsZonesService dns, CancellationToken ct) =>
            TypedResults.Ok(await dns.TemplatesAsync(ct))).RequireAuthorization(read);
        group.MapPost("/templates", async (DnsZonesService dns, SaveDnsTemplateRequest body, CancellationToken ct) =>
            TypedResults.Ok(await dns.SaveTemplateAsync(null, body, ct))).RequireAuthorization(manage);
        group.MapPut("/templates/{id:guid}", async (DnsZonesService dns, Guid id, SaveDnsTemplateRequest body, CancellationToken ct) =>
            TypedResults.Ok(await dns.SaveTemplateAsync(id, body, ct))).RequireAuthorization(manage);
        group.MapDelete("/templates/{id:guid}", async (DnsZonesService dns, Guid id, CancellationToken ct) =>
        {
            await dns.DeleteTemplateAsync(id, ct);
            return TypedResults.NoContent();
        }).RequireAuthorization(manage);
    }
}
