using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Documents;
using MPanel.Web.Common;
using MPanel.Web.Features.Payments;

namespace MPanel.Web.Features.Invoices;

public sealed record CreateInvoiceRequest(Guid CustomerId, IReadOnlyList<ManualLine> Lines, string? Currency = null, int? DueInDays = null, string? Notes = null);
public sealed record ReasonRequest(string Reason);
public sealed record AmountReasonRequest(decimal Amount, string Reason);
public sealed record RecordPaymentRequest(decimal Amount, PaymentGatewayKind Gateway, string Reference);
public sealed record CheckoutRequest(string? SuccessUrl = null, string? CancelUrl = null);
public sealed record CheckoutLink(string Url);

public static class InvoicesApi
{
    public static void MapInvoicesApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/invoices").WithTags("Invoices");
        group.MapGet("/", async (InvoicesService service, [AsParameters] PageQuery page, InvoiceStatus? status, InvoiceKind? kind, bool? overdueOnly,
                Guid? customerId, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(page, new InvoiceListQuery(status, customerId, kind, overdueOnly ?? false), ct)))
            .RequireAuthorization(Permissions.Invoices.Read);
        group.MapGet("/{id:guid}", async (InvoicesService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, ct)))
            .RequireAuthorization(Permissions.Invoices.Read);
        group.MapGet("/{id:guid}/pdf", async (InvoicesService service, InvoicePdfRenderer renderer, Guid id, CancellationToken ct) =>
            {
                var document = await service.DocumentAsync(id, ct);
                return TypedResults.File(renderer.Render(document), "application/pdf", PdfFileName(document, id));
            })
            .RequireAuthorization(Permissions.Invoices.Read);
        group.MapPost("/", async Task<Created<InvoiceView>> (InvoicesService service, CreateInvoiceRequest body, CancellationToken ct) =>
            {
                var created = await service.CreateManualAsync(body.CustomerId, body.Lines ?? [], body.Currency, body.DueInDays, body.Notes, ct);
                return TypedResults.Created($"/api/invoices/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Invoices.Manage);
        group.MapPost("/{id:guid}/void", async (InvoicesService service, Guid id, ReasonRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.VoidAsync(id, body.Reason ?? "", ct)))
            .RequireAuthorization(Permissions.Invoices.Manage);
        group.MapPost("/{id:guid}/credit-notes", async Task<Created<InvoiceView>> (InvoicesService service, Guid id, AmountReasonRequest body, CancellationToken ct) =>
            {
                var note = await service.CreditAsync(id, body.Amount, body.Reason ?? "", ct);
                return TypedResults.Created($"/api/invoices/{note.Id}", note);
            })
            .RequireAuthorization(Permissions.Invoices.Manage);
        group.MapPost("/{id:guid}/resend", async (InvoicesService service, Guid id, CancellationToken ct) =>
            {
                await service.ResendAsync(id, ct);
                return TypedResults.Accepted($"/api/invoices/{id}");
            })
            .RequireAuthorization(Permissions.Invoices.Manage);

        group.MapPost("/{id:guid}/payments", async (PaymentsService payments, Guid id, RecordPaymentRequest body, CancellationToken ct) =>
            TypedResults.Ok(await payments.RecordManualAsync(id, body.Amount, body.Gateway, body.Reference ?? "", ct)))
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapPost("/{id:guid}/apply-credit", async (PaymentsService payments, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await payments.ApplyCreditAsync(id, ct)))
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapPost("/{id:guid}/charge", async (PaymentsService payments, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await payments.ChargeSavedCardAsync(id, ct)))
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapPost("/{id:guid}/checkout", async (PaymentsService payments, HttpRequest request, Guid id, CheckoutRequest? body, CancellationToken ct) =>
            {
                var back = $"{request.Scheme}://{request.Host}{request.PathBase}/invoices/{id}";
                var success = CheckUrl(body?.SuccessUrl, "successUrl") ?? back + "?payment=success";
                var cancel = CheckUrl(body?.CancelUrl, "cancelUrl") ?? back + "?payment=cancelled";
                return TypedResults.Ok(new CheckoutLink(await payments.StartCheckoutAsync(id, success, cancel, ct)));
            })
            .RequireAuthorization(Permissions.Payments.Manage);

        api.MapGroup("/payments").WithTags("Invoices")
            .MapPost("/{id:guid}/refund", async (PaymentsService payments, Guid id, AmountReasonRequest body, CancellationToken ct) =>
                TypedResults.Ok(await payments.RefundAsync(id, body.Amount, body.Reason ?? "", ct)))
            .RequireAuthorization(Permissions.Payments.Manage);
    }

    /// <summary>The download name: the document's number ("INV-2026-000001.pdf"), or "proforma-…" before it has one.</summary>
    public static string PdfFileName(InvoiceDocument document, Guid id)
    {
        var name = document.Number ?? $"{document.Title.ToLowerInvariant().Replace(' ', '-')}-{id.ToString("N")[..8]}";
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
        return safe + ".pdf";
    }

    private static string? CheckUrl(string? url, string field)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            throw ValidationError.For(field, "Enter an absolute http(s) address.").ToException();
        return uri.ToString();
    }
}
