using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Catalog;

namespace MPanel.Tests.Features.Catalog;

public sealed class CatalogApiTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private async Task<HttpClient> PlatformUserAsync(string name, string role = Roles.Admin)
    {
        var platform = await factory.PlatformAsync();
        var email = $"{name}@platform.test";
        await factory.CreateUserAsync(platform.Id, email, role);
        return await factory.SignedInAsync(email);
    }

    private static ProductDetails Hosting(string name, params ProductPrice[] prices) => new(
        name, ProductType.SharedHosting, "Hosting for small sites.", ["Free SSL", "Daily backups"],
        new ProductResources { Sites = 3, DiskMb = 20_480, BandwidthGb = 200, Mailboxes = 10, Databases = 2, DnsZones = 3, Certificates = 3, BackupSchedule = "daily" },
        ProductVisibility.Public, null, ProvisioningPolicy.OnPayment,
        prices.Length > 0 ? prices : [new ProductPrice(BillingCycle.Monthly, "EUR", 9.99m, 0m), new ProductPrice(BillingCycle.Annual, "EUR", 99m, 0m)],
        [new ProductOption("extra-disk", "Extra disk", "10 GB", 10, [new ProductPrice(BillingCycle.Monthly, "EUR", 2m, 0m)])]);

    private static async Task<Dictionary<string, string[]>> FieldErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());
    }

    [Fact]
    public async Task CreateProduct_WithPrices_IsListedAndCanBeUpdatedWithItsVersion()
    {
        var client = await PlatformUserAsync("catalog-creator");
        var response = await client.PostJsonAsync("/api/products", Hosting("Starter Hosting"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync<ProductView>();
        Assert.Equal($"/api/products/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(2, created.Details.Prices.Count);
        Assert.Equal("extra-disk", Assert.Single(created.Details.Options).Code);

        var list = await (await client.GetAsync("/api/products?search=starter")).ReadAsync<Paged<ProductRow>>();
        var row = Assert.Single(list.Items, p => p.Id == created.Id);
        Assert.Equal(ProductType.SharedHosting, row.Type);
        Assert.Contains(row.Prices, p => p is { Cycle: BillingCycle.Annual, Currency: "EUR", Amount: 99m });

        // Enums travel as strings.
        Assert.Contains("\"SharedHosting\"", await (await client.GetAsync($"/api/products/{created.Id}")).Content.ReadAsStringAsync());

        var d = created.Details;
        var update = new UpdateProductRequest("Starter Hosting 2026", d.Type, d.Description, d.Features, d.Resources, ProductVisibility.Hidden, 50, d.ProvisioningPolicy,
            d.Prices, d.Options, new DunningOverrides { SuspendAfterDays = 10 }, created.Version);
        var updated = await client.PutJsonAsync($"/api/products/{created.Id}", update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var view = await (await client.GetAsync($"/api/products/{created.Id}")).ReadAsync<ProductView>();
        Assert.Equal("Starter Hosting 2026", view.Details.Name);
        Assert.Equal(50, view.Details.StockLimit);
        Assert.Equal(10, view.Details.Dunning?.SuspendAfterDays);

        var stale = await client.PutJsonAsync($"/api/products/{created.Id}", update with { Name = "Lost update" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
    }

    [Fact]
    public async Task CreateProduct_InvalidFields_AnswersProblemDetailsWithFieldErrorsAndWritesNothing()
    {
        var client = await PlatformUserAsync("catalog-invalid");
        var before = (await (await client.GetAsync("/api/products")).ReadAsync<Paged<ProductRow>>()).Total;

        var noPrices = await FieldErrorsAsync(await client.PostJsonAsync("/api/products", Hosting("X") with { Prices = [] }));
        Assert.Contains("name", noPrices.Keys);
        Assert.Contains("prices", noPrices.Keys);

        var negative = await FieldErrorsAsync(await client.PostJsonAsync("/api/products",
            Hosting("Negative", new ProductPrice(BillingCycle.Monthly, "EUR", -5m, 0m)) with
            {
                Options = [new ProductOption("Bad Code!", "", "unit", 0, [])],
                Dunning = new DunningOverrides { InvoiceLeadDays = 400 },
            }));
        Assert.Contains("prices", negative.Keys);
        Assert.Contains("options", negative.Keys);
        Assert.Contains("dunning.invoiceLeadDays", negative.Keys);

        var after = (await (await client.GetAsync("/api/products")).ReadAsync<Paged<ProductRow>>()).Total;
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task CreateProduct_PricedInACurrencyWithoutRate_IsAFieldErrorOnPrices()
    {
        var client = await PlatformUserAsync("catalog-currency");
        var errors = await FieldErrorsAsync(await client.PostJsonAsync("/api/products",
            Hosting("Krona Hosting", new ProductPrice(BillingCycle.Monthly, "EUR", 5m, 0m), new ProductPrice(BillingCycle.Monthly, "SEK", 55m, 0m))));
        Assert.Contains("SEK", Assert.Single(errors["prices"]));
        var list = await (await client.GetAsync("/api/products?search=krona")).ReadAsync<Paged<ProductRow>>();
        Assert.Empty(list.Items);
    }

    [Fact]
    public async Task CheckPromo_EligibleCart_GivesTheDiscount_ExpiredOrUsedUpCodes_AreFieldErrors()
    {
        var client = await PlatformUserAsync("catalog-promo");
        var product = await (await client.PostJsonAsync("/api/products",
            Hosting("Promo Hosting", new ProductPrice(BillingCycle.Monthly, "EUR", 10m, 0m)))).ReadAsync<ProductView>();
        var cart = new[] { new CartLine(product.Id, BillingCycle.Monthly, [new OptionChoice("extra-disk", 2)]) };

        var created = await client.PostJsonAsync("/api/promo-codes",
            new PromoCodeDetails("spring20", "Spring: 20% off", PromoKind.Percent, 20m, null, false, [product.Id], null, null, 100, 1));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var promo = await created.ReadAsync<PromoCodeView>();
        Assert.Equal("SPRING20", promo.Details.Code);

        var check = await client.PostJsonAsync("/api/promo-codes/check", new PromoCheckRequest("Spring20", cart, "EUR", null));
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        var result = await check.ReadAsync<PromoCheck>();
        Assert.Equal(2.80m, result.Discount); // 20% of 10.00 + 2 × 2.00
        Assert.Equal("EUR", result.Currency);
        Assert.False(result.Recurring);

        var now = DateTimeOffset.UtcNow;
        await client.PostJsonAsync("/api/promo-codes",
            new PromoCodeDetails("EXPIRED10", null, PromoKind.Percent, 10m, null, false, [], now.AddDays(-30), now.AddDays(-1), null, null));
        var expired = await FieldErrorsAsync(await client.PostJsonAsync("/api/promo-codes/check", new PromoCheckRequest("EXPIRED10", cart, "EUR", null)));
        Assert.Contains("expired", Assert.Single(expired["promoCode"]));

        var once = await (await client.PostJsonAsync("/api/promo-codes",
            new PromoCodeDetails("ONCE5", null, PromoKind.Fixed, 5m, "EUR", false, [], null, null, 1, null))).ReadAsync<PromoCodeView>();
        await factory.InSystemScopeAsync(async (_, db) =>
        {
            var entity = await db.PromoCodes.IgnoreQueryFilters().SingleAsync(p => p.Id == once.Id);
            entity.Redeem();
            return await db.SaveChangesAsync();
        });
        var usedUp = await FieldErrorsAsync(await client.PostJsonAsync("/api/promo-codes/check", new PromoCheckRequest("ONCE5", cart, "EUR", null)));
        Assert.Contains("used up", Assert.Single(usedUp["promoCode"]));

        var unknown = await FieldErrorsAsync(await client.PostJsonAsync("/api/promo-codes/check", new PromoCheckRequest("NOPE", cart, "EUR", null)));
        Assert.Contains("promoCode", unknown.Keys);

        var listed = await (await client.GetAsync("/api/promo-codes")).ReadAsync<List<PromoCodeView>>();
        Assert.Equal(1, Assert.Single(listed, p => p.Id == once.Id).Uses);

        var edited = await client.PutJsonAsync($"/api/promo-codes/{promo.Id}", promo.Details with { Active = false });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var inactive = await FieldErrorsAsync(await client.PostJsonAsync("/api/promo-codes/check", new PromoCheckRequest("SPRING20", cart, "EUR", null)));
        Assert.Contains("promoCode", inactive.Keys);
    }

    [Fact]
    public async Task Settings_UpdateRoundTripsWithVersion_AndAStaleVersionConflicts()
    {
        var client = await PlatformUserAsync("catalog-settings");
        var original = await (await client.GetAsync("/api/billing/settings")).ReadAsync<BillingSettingsDocument>();

        var change = original with
        {
            SellerName = "MPanel Hosting B.V.", SellerCountry = "NL", SellerVatId = "nl 123456789B01", SellerAddress = ["Keizersgracht 1", "1015 CJ Amsterdam"],
            InvoiceNumberFormat = "{prefix}{yy}{mm}-{n:5}", ReminderDays = [-5, 0, 3], LateFeePercent = 2m,
            CurrencyRates = [new CurrencyRate("usd", 1.08m)],
        };
        var response = await client.PutJsonAsync("/api/billing/settings", change);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var saved = await response.ReadAsync<BillingSettingsDocument>();
        Assert.NotEqual(original.Version, saved.Version);
        Assert.Equal("NL123456789B01", saved.SellerVatId);
        Assert.Equal(new CurrencyRate("USD", 1.08m), Assert.Single(saved.CurrencyRates!));

        var reread = await (await client.GetAsync("/api/billing/settings")).ReadAsync<BillingSettingsDocument>();
        Assert.Equal("MPanel Hosting B.V.", reread.SellerName);
        Assert.Equal("{prefix}{yy}{mm}-{n:5}", reread.InvoiceNumberFormat);
        Assert.Equal([-5, 0, 3], reread.ReminderDays!);
        Assert.Equal(saved.Version, reread.Version);

        // USD now has a rate: products may be priced in it.
        var usd = await client.PostJsonAsync("/api/products", Hosting("Dollar Hosting", new ProductPrice(BillingCycle.Monthly, "USD", 11m, 0m)));
        Assert.Equal(HttpStatusCode.Created, usd.StatusCode);

        var stale = await client.PutJsonAsync("/api/billing/settings", change with { SellerName = "Someone Else Ltd" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var invalid = await FieldErrorsAsync(await client.PutJsonAsync("/api/billing/settings", reread with { InvoiceNumberFormat = "no counter", TerminateAfterDays = 1 }));
        Assert.Contains("invoiceNumberFormat", invalid.Keys);
        Assert.Contains("terminateAfterDays", invalid.Keys);
        Assert.Equal("MPanel Hosting B.V.", (await (await client.GetAsync("/api/billing/settings")).ReadAsync<BillingSettingsDocument>()).SellerName);
    }

    [Fact]
    public async Task TaxRules_CanBeAddedEditedAndDeleted()
    {
        var client = await PlatformUserAsync("catalog-tax");
        var created = await client.PostJsonAsync("/api/tax-rules", new TaxRuleDetails("VAT", "nl", null, 21m, false, 0));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.ReadAsync<TaxRuleView>();
        Assert.Equal("VAT 21%", rule.Label);

        var invalid = await FieldErrorsAsync(await client.PostJsonAsync("/api/tax-rules", new TaxRuleDetails("", "XX", null, 0m, false, 0)));
        Assert.Contains("name", invalid.Keys);
        Assert.Contains("country", invalid.Keys);
        Assert.Contains("rate", invalid.Keys);

        Assert.Equal(HttpStatusCode.OK, (await client.PutJsonAsync($"/api/tax-rules/{rule.Id}", new TaxRuleDetails("BTW", "NL", null, 9m, false, 1))).StatusCode);
        var rules = await (await client.GetAsync("/api/tax-rules")).ReadAsync<List<TaxRuleView>>();
        Assert.Equal("BTW 9%", Assert.Single(rules, r => r.Id == rule.Id).Label);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/tax-rules/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/tax-rules/{rule.Id}")).StatusCode);
    }

    [Fact]
    public async Task Support_CanReadProducts_ButCannotCreateThemOrManageSettings()
    {
        var support = await PlatformUserAsync("catalog-support", Roles.Support);
        Assert.Equal(HttpStatusCode.OK, (await support.GetAsync("/api/products")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await support.PostJsonAsync("/api/products", Hosting("Sneaky Hosting"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await support.PostJsonAsync("/api/promo-codes",
            new PromoCodeDetails("SNEAKY", null, PromoKind.Percent, 50m, null, true, [], null, null, null, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await support.GetAsync("/api/billing/settings")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await support.GetAsync("/api/tax-rules")).StatusCode);
    }

    [Fact]
    public async Task Product_OfAnotherTenant_IsNotFound()
    {
        var admin = await PlatformUserAsync("catalog-owner");
        var product = await (await admin.PostJsonAsync("/api/products", Hosting("Platform Only Hosting"))).ReadAsync<ProductView>();

        var reseller = await factory.CreateResellerAsync("catalog-reseller");
        await factory.CreateUserAsync(reseller.Id, "owner@catalog-reseller.test", Roles.Reseller);
        var other = await factory.SignedInAsync("owner@catalog-reseller.test");

        var response = await other.GetAsync($"/api/products/{product.Id}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var list = await (await other.GetAsync("/api/products?search=platform only")).ReadAsync<Paged<ProductRow>>();
        Assert.Empty(list.Items);
        var update = await other.PutJsonAsync($"/api/products/{product.Id}", new UpdateProductRequest("Hijacked", ProductType.SharedHosting, null, [], null,
            ProductVisibility.Public, null, ProvisioningPolicy.OnOrder, [new ProductPrice(BillingCycle.Monthly, "EUR", 1m, 0m)], [], null, product.Version));
        Assert.Equal(HttpStatusCode.NotFound, update.StatusCode);
    }
}
