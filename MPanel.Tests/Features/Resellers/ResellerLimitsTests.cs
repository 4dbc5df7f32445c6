using System.Net;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Domain.Tenants;
using MPanel.Tests.Support;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Tenants;

namespace MPanel.Tests.Features.Resellers;

public sealed class ResellerLimitsTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private async Task<HttpClient> SuperAdminAsync(string name)
    {
        var platform = await factory.PlatformAsync();
        var email = $"{name}@platform.test";
        await factory.CreateUserAsync(platform.Id, email, Roles.SuperAdmin);
        return await factory.SignedInAsync(email);
    }

    [Fact]
    public async Task ResellerAtItsCustomerLimit_CannotCreateAnotherCustomer_AndGetsAClearProblem()
    {
        var admin = await SuperAdminAsync("limits-root");
        var created = await admin.PostJsonAsync("/api/tenants",
            new CreateResellerRequest("Limited Hosting", "limited", "EUR", Limits: new TenantLimits { MaxCustomers = 1, MaxSites = 2 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var reseller = await created.ReadAsync<TenantRow>();
        Assert.Equal(1, reseller.Limits?.MaxCustomers);

        await factory.CreateUserAsync(reseller.Id, "owner@limited.test", Roles.Reseller);
        var owner = await factory.SignedInAsync("owner@limited.test");
        var first = await owner.PostJsonAsync("/api/customers", new CustomerDetails("Ann", "One", "ann@one.example", null, null, "DE"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var second = await owner.PostJsonAsync("/api/customers", new CustomerDetails("Bob", "Two", "bob@two.example", null, null, "DE"));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        var body = await second.Content.ReadAsStringAsync();
        Assert.Contains("limit_customers", body);
        Assert.Contains("limit of 1 customer", body);

        // The platform's own customers are not counted against the reseller (and the platform is never limited).
        var platformCustomer = await admin.PostJsonAsync("/api/customers", new CustomerDetails("Pia", "Platform", "pia@platform.example", null, null, "DE"));
        Assert.Equal(HttpStatusCode.Created, platformCustomer.StatusCode);

        // Raising the limit lets the reseller go on.
        var raised = await admin.PutJsonAsync($"/api/tenants/{reseller.Id}", new UpdateTenantRequest(reseller.Name, reseller.Status,
            new TenantBranding { ProductName = reseller.ProductName, PrimaryColor = reseller.PrimaryColor }, reseller.Version,
            Limits: new TenantLimits { MaxCustomers = 2 }));
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        var again = await owner.PostJsonAsync("/api/customers", new CustomerDetails("Bob", "Two", "bob@two.example", null, null, "DE"));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task CreateReseller_WithNegativeLimits_IsAFieldErrorAndCreatesNothing()
    {
        var admin = await SuperAdminAsync("limits-bad");
        var response = await admin.PostJsonAsync("/api/tenants",
            new CreateResellerRequest("Broken Hosting", "broken-limits", "EUR", Limits: new TenantLimits { MaxSites = -1, MaxMailboxes = -2 }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"maxSites\"", body);
        Assert.Contains("\"maxMailboxes\"", body);
        var list = await (await admin.GetAsync("/api/tenants?search=broken-limits")).ReadAsync<MPanel.Web.Common.Paged<TenantRow>>();
        Assert.Empty(list.Items);
    }
}
