using MPanel.Web.Features.Account;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.Audit;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.ContactRequests;
using MPanel.Web.Features.Certificates;
using MPanel.Web.Features.ClientArea;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Incidents;
using MPanel.Web.Features.Dashboard;
using MPanel.Web.Features.DnsZones;
using MPanel.Web.Features.Invoices;
using MPanel.Web.Features.MarketingApi;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Payments;
using MPanel.Web.Features.Platform;
using MPanel.Web.Features.Provisioning;
using MPanel.Web.Features.Sites;
using MPanel.Web.Features.Subscriptions;
using MPanel.Web.Features.Tenants;
using MPanel.Web.Features.Users;
using MPanel.Web.Features.Webhooks;

namespace MPanel.Web.Features;

public static class FeatureRegistration
{
    public static IServiceCollection AddFeatureServices(this IServiceCollection services) => services
        .AddScoped<AccountService>()
        .AddScoped<MPanel.Web.Features.Account.EmailChangeService>()
        .AddScoped<DashboardService>()
        .AddScoped<CustomersService>()
        .AddScoped<TenantsService>()
        .AddScoped<UsersService>()
        .AddScoped<AuditService>()
        .AddScoped<MPanel.Web.Features.Sessions.SessionsService>()
        .AddScoped<ClientAreaService>()
        .AddScoped<Billing.BillingLedger>()
        .AddScoped<Emails.EmailQueue>()
        .AddScoped<Emails.EmailComposer>()
        .AddScoped<Emails.EmailDispatchJob>()
        .AddScoped<Microsoft.AspNetCore.Components.Web.HtmlRenderer>()
        .AddSingleton<MPanel.Infrastructure.Documents.InvoicePdfRenderer>()
        .AddScoped<Catalog.CatalogService>()
        .AddScoped<Orders.OrdersService>()
        .AddScoped<Invoices.InvoicesService>()
        .AddScoped<Payments.PaymentsService>()
        .AddScoped<Subscriptions.SubscriptionsService>()
        .AddScoped<Billing.RenewalInvoicer>()
        .AddScoped<Billing.BillingDayJob>()
        .AddScoped<Billing.BillingOperationsService>()
        .AddScoped<Payments.StripeEventJob>()
        .AddScoped<Billing.BillingDemoSeeder>()
        .AddMarketingApi()
        .AddContactRequests()
        .AddWebhooks()
        .AddIncidents()
        .AddDnsZones()
        .AddProvisioningEngine()
        .AddSites()
        .AddCertificates();

    public static void MapFeatureApis(this IEndpointRouteBuilder app)
    {
        app.MapAccountEndpoints();
        Payments.StripeWebhook.MapStripeWebhook(app);
        // The JSON API authenticates with the cookie today (tokens arrive with the account-security issue); JSON bodies
        // cannot be posted cross-site without CORS preflight, and SameSite=Lax keeps the cookie off cross-site POSTs.
        var api = app.MapGroup("/api").DisableAntiforgery();
        api.MapDashboardApi();
        Billing.BillingApi.MapBillingApi(api);
        api.MapCustomersApi();
        api.MapTenantsApi();
        api.MapUsersApi();
        api.MapAuditApi();
        Tokens.TokensApi.MapTokensApi(api);
        Sessions.SessionsApi.MapSessionsApi(api);
        api.MapOrdersApi(); api.MapInvoicesApi(); api.MapSubscriptionsApi(); api.MapPaymentsApi();
        api.MapCatalogApi();
        api.MapApiKeysApi();
        DnsZones.DnsZonesApi.MapDnsZonesApi(api); Domains.DomainsApi.MapDomainsApi(api);
        Provisioning.ProvisioningRegistration.MapProvisioningApi(api);
        api.MapSitesApi();
        api.MapCertificatesApi();
        ClientArea.ClientAreaApi.MapClientAreaApi(api);
        // The marketing website's API: API keys only (never the cookie), described at /openapi/v1.json and /api/docs.
        app.MapMarketingApi();
        app.MapMarketingOpenApi();
        ContactRequests.PublicContactApi.MapPublicContactApi(app);
        Webhooks.WebhooksApi.MapWebhooksApi(app);
        Incidents.IncidentsApi.MapIncidentsApi(app);
    }
}
