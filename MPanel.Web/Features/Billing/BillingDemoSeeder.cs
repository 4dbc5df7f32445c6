using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Payments;

namespace MPanel.Web.Features.Billing;

/// <summary>Demo data for billing, made through the real feature services: tax rules, settings, a catalogue, a promo
/// code and a few orders per tenant (most paid by bank transfer, some left open). Runs once per tenant.</summary>
public sealed class BillingDemoSeeder(IServiceScopeFactory services)
{
    public async Task SeedAsync(IEnumerable<Guid> tenantIds, CancellationToken ct)
    {
        foreach (var tenantId in tenantIds) await SeedTenantAsync(tenantId, ct);
    }

    private async Task SeedTenantAsync(Guid tenantId, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        sp.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "demo-seed");
        var db = sp.GetRequiredService<MPanelDbContext>();
        if (await db.Products.AnyAsync(ct)) return;
        var catalog = sp.GetRequiredService<CatalogService>();
        var (settings, version) = await catalog.GetSettingsAsync(ct);
        await catalog.UpdateSettingsAsync(settings with
        {
            SellerAddress = ["Keizersgracht 100", "1015 AA Amsterdam"],
            SellerCountry = "NL",
            SellerVatId = "NL123456789B01",
            BankTransferInstructions = "IBAN NL91 ABNA 0417 1643 00, BIC ABNANL2A",
            CurrencyRates = [new CurrencyRate("USD", 1.08m), new CurrencyRate("GBP", 0.85m)],
        }, version, ct);
        foreach (var (country, rate) in new[] { ("NL", 21m), ("DE", 19m), ("FR", 20m), ("GB", 20m), ("ES", 21m), ("IT", 22m) })
            await catalog.SaveTaxRuleAsync(null, new TaxRuleDetails("VAT", country, null, rate, false, 0), ct);

        static ProductPrice P(BillingCycle c, string cur, decimal a, decimal setup = 0) => new(c, cur, a, setup);
        var extraDisk = new ProductOption("extra-disk", "Extra 10 GB disk", "10 GB", 10, [P(BillingCycle.Monthly, "EUR", 2m), P(BillingCycle.Annual, "EUR", 20m)]);
        var starter = await catalog.CreateProductAsync(new ProductDetails("Web Starter", ProductType.SharedHosting, "One site with free SSL and daily backups.",
            ["1 website", "10 GB SSD", "5 mailboxes", "Free SSL"], new ProductResources { Sites = 1, DiskMb = 10_240, BandwidthGb = 100, Mailboxes = 5, Databases = 2, DnsZones = 1, Certificates = 1, BackupSchedule = "daily" },
            ProductVisibility.Public, null, ProvisioningPolicy.OnPayment,
            [P(BillingCycle.Monthly, "EUR", 4.99m), P(BillingCycle.Annual, "EUR", 49.90m), P(BillingCycle.Monthly, "USD", 5.49m)], [extraDisk]), ct);
        var business = await catalog.CreateProductAsync(new ProductDetails("Web Business", ProductType.SharedHosting, "Ten sites for growing businesses.",
            ["10 websites", "50 GB SSD", "50 mailboxes", "Free SSL", "Staging"], new ProductResources { Sites = 10, DiskMb = 51_200, BandwidthGb = 1000, Mailboxes = 50, Databases = 20, DnsZones = 10, Certificates = 10, BackupSchedule = "daily" },
            ProductVisibility.Public, null, ProvisioningPolicy.OnPayment,
            [P(BillingCycle.Monthly, "EUR", 12.99m, 10m), P(BillingCycle.Quarterly, "EUR", 36.99m), P(BillingCycle.Annual, "EUR", 129.90m)], [extraDisk]), ct);
        await catalog.CreateProductAsync(new ProductDetails("Dedicated Mail", ProductType.Email, "Business mail on your own domain.",
            ["25 mailboxes", "Spam filter"], new ProductResources { Mailboxes = 25, DnsZones = 1 },
            ProductVisibility.Public, 200, ProvisioningPolicy.ManualApproval, [P(BillingCycle.Monthly, "EUR", 6m)], []), ct);
        await catalog.CreateProductAsync(new ProductDetails(".com domain", ProductType.Domain, "Registration and renewal.",
            ["DNS hosting included"], new ProductResources { DnsZones = 1 }, ProductVisibility.Public, null, ProvisioningPolicy.OnPayment,
            [P(BillingCycle.Annual, "EUR", 11.99m)], []), ct);
        await catalog.SavePromoCodeAsync(null, new PromoCodeDetails("WELCOME10", "10% off your first term", PromoKind.Percent, 10m, null, false, [], null, null, 500, 1), ct);

        var orders = sp.GetRequiredService<OrdersService>();
        var payments = sp.GetRequiredService<PaymentsService>();
        var customers = await db.Customers.AsNoTracking().Where(c => c.Status == CustomerStatus.Active).OrderBy(c => c.CreatedAt).Take(10).Select(c => c.Id).ToListAsync(ct);
        for (var i = 0; i < customers.Count; i++)
        {
            var product = i % 3 == 0 ? business : starter;
            var order = await orders.PlaceAsync(new PlaceOrder(customers[i], [new CartLine(product.Id, i % 4 == 0 ? BillingCycle.Annual : BillingCycle.Monthly)],
                i % 2 == 0 ? "WELCOME10" : null, null, i % 2 == 0 ? "google" : "newsletter", "cpc", "spring-sale"), OrderChannel.Admin, ct);
            if (i % 5 != 4 && order.InvoiceId is { } invoiceId)
                await payments.RecordManualAsync(invoiceId, order.Total, PaymentGatewayKind.BankTransfer, $"DEMO-{i + 1:D3}", ct);
        }
    }
}
