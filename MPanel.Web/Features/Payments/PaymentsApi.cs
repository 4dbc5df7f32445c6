using MPanel.Domain.Billing;
using MPanel.Domain.Security;

namespace MPanel.Web.Features.Payments;

public sealed record AdjustCreditRequest(decimal Amount, string Currency, string Description);
public sealed record CompleteCardSetupRequest(string SetupIntentId);

/// <summary>A customer's billing side: profile (address, VAT ID, exemption), credit balance, saved cards.</summary>
public static class PaymentsApi
{
    public static void MapPaymentsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/customers/{id:guid}").WithTags("Payments");
        group.MapGet("/billing", async (PaymentsService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.CustomerBillingAsync(id, ct)))
            .RequireAuthorization(Permissions.Payments.Read);
        group.MapPut("/billing-profile", async (PaymentsService service, Guid id, BillingProfileDetails body, CancellationToken ct) =>
            {
                await service.UpdateBillingProfileAsync(id, body, ct);
                return TypedResults.Ok(await service.CustomerBillingAsync(id, ct));
            })
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapPost("/credit", async (PaymentsService service, Guid id, AdjustCreditRequest body, CancellationToken ct) =>
            {
                await service.AdjustCreditAsync(id, body.Amount, (body.Currency ?? "").Trim().ToUpperInvariant(), body.Description ?? "", ct);
                return TypedResults.Ok(await service.CustomerBillingAsync(id, ct));
            })
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapPost("/cards/setup", async (PaymentsService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.StartCardSetupAsync(id, ct)))
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapPost("/cards/complete", async (PaymentsService service, Guid id, CompleteCardSetupRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.CompleteCardSetupAsync(id, body.SetupIntentId ?? "", ct)))
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapPost("/cards/{cardId:guid}/default", async (PaymentsService service, Guid id, Guid cardId, CancellationToken ct) =>
            {
                await service.SetDefaultCardAsync(id, cardId, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.Payments.Manage);
        group.MapDelete("/cards/{cardId:guid}", async (PaymentsService service, Guid id, Guid cardId, CancellationToken ct) =>
            {
                await service.RemoveCardAsync(id, cardId, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.Payments.Manage);
    }
}
