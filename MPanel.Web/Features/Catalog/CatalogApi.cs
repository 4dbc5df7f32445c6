using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Billing;
using MPanel.Domain.Security;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Catalog;

/// <summary>A product update: the product's fields plus the version it was read at (a stale version answers 409).</summary>
public sealed record UpdateProductRequest(
    string Name, ProductType Type, string? Description, IReadOnlyList<string>? Features, ProductResources? Resources,
    ProductVisibility Visibility, int? StockLimit, ProvisioningPolicy ProvisioningPolicy, IReadOnlyList<ProductPrice>? Prices,
    IReadOnlyList<ProductOption>? Options, DunningOverrides? Dunning, uint Version)
{
    public ProductDetails ToDetails() =>
        new(Name, Type, Description, Features ?? [], Resources ?? new(), Visibility, StockLimit, ProvisioningPolicy, Prices ?? [], Options ?? [], Dunning);
}

/// <summary>A cart to check a promo code against; <c>customerId</c> null means a new visitor.</summary>
public sealed record PromoCheckRequest(string Code, IReadOnlyList<CartLine>? Items, string Currency, Guid? CustomerId);

/// <summary>A tenant's billing settings with their version, flat so that field errors name the body's properties;
/// what GET answers can be edited and PUT back as it is.</summary>
public sealed record BillingSettingsDocument(
    string BaseCurrency, string? SellerCountry, string? SellerVatId, string? SellerName, IReadOnlyList<string>? SellerAddress,
    bool PricesIncludeTax, string InvoiceNumberFormat, string InvoicePrefix, string CreditNotePrefix, bool NumberingResetsYearly,
    bool IssueProformas, int PaymentTermsDays, int InvoiceLeadDays, int ChargeOffsetDays, IReadOnlyList<int>? ChargeRetryDays,
    IReadOnlyList<int>? ReminderDays, int OverdueNoticeDays, decimal? LateFeePercent, decimal? LateFeeFixed, int LateFeeAfterDays,
    int SuspensionWarningDays, int SuspendAfterDays, int TerminateAfterDays, int CancelUnpaidOrdersAfterDays, int PlanChangeExpiryDays,
    DowngradePolicy DowngradePolicy, string? BankTransferInstructions, IReadOnlyList<CurrencyRate>? CurrencyRates, uint Version)
{
    public static BillingSettingsDocument From(BillingSettingsDetails d, uint version) => new(
        d.BaseCurrency, d.SellerCountry, d.SellerVatId, d.SellerName, d.SellerAddress, d.PricesIncludeTax, d.InvoiceNumberFormat,
        d.InvoicePrefix, d.CreditNotePrefix, d.NumberingResetsYearly, d.IssueProformas, d.PaymentTermsDays, d.InvoiceLeadDays,
        d.ChargeOffsetDays, d.ChargeRetryDays, d.ReminderDays, d.OverdueNoticeDays, d.LateFeePercent, d.LateFeeFixed, d.LateFeeAfterDays,
        d.SuspensionWarningDays, d.SuspendAfterDays, d.TerminateAfterDays, d.CancelUnpaidOrdersAfterDays, d.PlanChangeExpiryDays,
        d.DowngradePolicy, d.BankTransferInstructions, d.CurrencyRates, version);

    public BillingSettingsDetails ToDetails() => new(
        BaseCurrency?.Trim().ToUpperInvariant() ?? "", SellerCountry, SellerVatId, SellerName, SellerAddress ?? [], PricesIncludeTax,
        InvoiceNumberFormat ?? "", InvoicePrefix ?? "", CreditNotePrefix ?? "", NumberingResetsYearly, IssueProformas, PaymentTermsDays,
        InvoiceLeadDays, ChargeOffsetDays, ChargeRetryDays ?? [], ReminderDays ?? [], OverdueNoticeDays, LateFeePercent, LateFeeFixed,
        LateFeeAfterDays, SuspensionWarningDays, SuspendAfterDays, TerminateAfterDays, CancelUnpaidOrdersAfterDays, PlanChangeExpiryDays,
        DowngradePolicy, BankTransferInstructions,
        (CurrencyRates ?? []).Select(r => r with { Currency = r.Currency?.Trim().ToUpperInvariant() ?? "" }).ToList());
}

public static class CatalogApi
{
    public static void MapCatalogApi(this IEndpointRouteBuilder api)
    {
        var products = api.MapGroup("/products").WithTags("Catalog");
        products.MapGet("/", async (CatalogService service, [AsParameters] PageQuery page, bool? includeRetired, CancellationToken ct) =>
            TypedResults.Ok(await service.ListProductsAsync(page, includeRetired ?? true, ct)))
            .RequireAuthorization(Permissions.Products.Read);
        products.MapGet("/{id:guid}", async (CatalogService service, Guid id, CancellationToken ct) =>
            TypedResults.Ok(await service.GetProductAsync(id, ct)))
            .RequireAuthorization(Permissions.Products.Read);
        products.MapPost("/", async Task<Created<ProductView>> (CatalogService service, ProductDetails body, CancellationToken ct) =>
            {
                var created = await service.CreateProductAsync(body, ct);
                return TypedResults.Created($"/api/products/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Products.Manage);
        products.MapPut("/{id:guid}", async (CatalogService service, Guid id, UpdateProductRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateProductAsync(id, body.ToDetails(), body.Version, ct)))
            .RequireAuthorization(Permissions.Products.Manage);

        var promos = api.MapGroup("/promo-codes").WithTags("Catalog");
        promos.MapGet("/", async (CatalogService service, CancellationToken ct) =>
            TypedResults.Ok(await service.ListPromoCodesAsync(ct)))
            .RequireAuthorization(Permissions.Products.Read);
        promos.MapPost("/", async Task<Created<PromoCodeView>> (CatalogService service, PromoCodeDetails body, CancellationToken ct) =>
            {
                var created = await service.SavePromoCodeAsync(null, body, ct);
                return TypedResults.Created($"/api/promo-codes/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Products.Manage);
        promos.MapPut("/{id:guid}", async (CatalogService service, Guid id, PromoCodeDetails body, CancellationToken ct) =>
            TypedResults.Ok(await service.SavePromoCodeAsync(id, body, ct)))
            .RequireAuthorization(Permissions.Products.Manage);
        // A question about a cart, not a change: a read.
        promos.MapPost("/check", async (CatalogService service, PromoCheckRequest body, CancellationToken ct) =>
            TypedResults.Ok(await service.CheckPromoAsync(body.Code ?? "", body.Items ?? [], body.Currency?.Trim().ToUpperInvariant() ?? "", body.CustomerId, ct)))
            .RequireAuthorization(Permissions.Products.Read);

        var taxes = api.MapGroup("/tax-rules").WithTags("Catalog");
        taxes.MapGet("/", async (CatalogService service, CancellationToken ct) =>
            TypedResults.Ok(await service.ListTaxRulesAsync(ct)))
            .RequireAuthorization(Permissions.Settings.Manage);
        taxes.MapPost("/", async Task<Created<TaxRuleView>> (CatalogService service, TaxRuleDetails body, CancellationToken ct) =>
            {
                var created = await service.SaveTaxRuleAsync(null, body, ct);
                return TypedResults.Created($"/api/tax-rules/{created.Id}", created);
            })
            .RequireAuthorization(Permissions.Settings.Manage);
        taxes.MapPut("/{id:guid}", async (CatalogService service, Guid id, TaxRuleDetails body, CancellationToken ct) =>
            TypedResults.Ok(await service.SaveTaxRuleAsync(id, body, ct)))
            .RequireAuthorization(Permissions.Settings.Manage);
        taxes.MapDelete("/{id:guid}", async (CatalogService service, Guid id, CancellationToken ct) =>
            {
                await service.DeleteTaxRuleAsync(id, ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(Permissions.Settings.Manage);

        var settings = api.MapGroup("/billing/settings").WithTags("Catalog");
        settings.MapGet("/", async (CatalogService service, CancellationToken ct) =>
            {
                var (details, version) = await service.GetSettingsAsync(ct);
                return TypedResults.Ok(BillingSettingsDocument.From(details, version));
            })
            .RequireAuthorization(Permissions.Settings.Manage);
        settings.MapPut("/", async (CatalogService service, BillingSettingsDocument body, CancellationToken ct) =>
            {
                var (details, version) = await service.UpdateSettingsAsync(body.ToDetails(), body.Version, ct);
                return TypedResults.Ok(BillingSettingsDocument.From(details, version));
            })
            .RequireAuthorization(Permissions.Settings.Manage);
    }
}
