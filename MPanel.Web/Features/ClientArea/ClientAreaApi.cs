using MPanel.Domain.Security;
using MPanel.Infrastructure.Documents;
using MPanel.Web.Common;
using MPanel.Web.Features.Invoices;

namespace MPanel.Web.Features.ClientArea;

/// <summary>The client area's API (role Client, cookie). Every route is scoped to the signed-in user's customer by
/// <see cref="ClientAreaService"/>; any other id answers 404.</summary>
public static class ClientAreaApi
{
    public static void MapClientAreaApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/client").WithTags("Client area").RequireAuthorization(Permissions.ClientArea.Use);
        group.MapGet("/summary", async (ClientAreaService service, CancellationToken ct) => TypedResults.Ok(await service.SummaryAsync(ct)));
        group.MapGet("/invoices", async (ClientAreaService service, [AsParameters] PageQuery page, CancellationToken ct) =>
            TypedResults.Ok(await service.ListMyInvoicesAsync(page, ct)));
        group.MapGet("/invoices/{id:guid}", async (ClientAreaService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetMyInvoiceAsync(id, ct)));
        group.MapGet("/invoices/{id:guid}/pdf", async (ClientAreaService service, InvoicePdfRenderer renderer, Guid id, CancellationToken ct) =>
        {
            var document = (await service.GetMyInvoiceAsync(id, ct)).Document;
            return TypedResults.File(renderer.Render(document), "application/pdf", InvoicesApi.PdfFileName(document, id));
        });
    }
}
