using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Identity;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.ClientArea;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Invoices;

namespace MPanel.Tests.Features.ClientArea;

/// <summary>A client sees only their own customer's records: ids of another customer in the same tenant and of another
/// tenant answer 404 on every client route.</summary>
public sealed class ClientAreaIsolationTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    /// <summary>Every client route that takes an id; {0} is replaced by the id.</summary>
    private static readonly string[] IdRoutes = ["/api/client/invoices/{0}", "/api/client/invoices/{0}/pdf"];

    private async Task<HttpClient> OwnerAsync(string slug)
    {
        var tenant = await factory.CreateResellerAsync(slug);
        await factory.CreateUserAsync(tenant.Id, $"owner@{slug}.test", Roles.Reseller);
        return await factory.SignedInAsync($"owner@{slug}.test");
    }

    private static async Task<(CustomerView Customer, InvoiceView Invoice)> CustomerWithInvoiceAsync(HttpClient owner, string first)
    {
        var created = await owner.PostJsonAsync("/api/customers", new CustomerDetails(first, "Test", $"{first}.test@example.de".ToLowerInvariant(), null, null, "DE"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var customer = await created.ReadAsync<CustomerView>();
        var response = await owner.PostJsonAsync("/api/invoices", new CreateInvoiceRequest(customer.Id, [new ManualLine("Consulting", 1m, 20m)]));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (customer, await response.ReadAsync<InvoiceView>());
    }

    private async Task<HttpClient> ClientUserAsync(Guid tenantId, string email, Guid customerId)
    {
        var user = await factory.CreateUserAsync(tenantId, email, Roles.Client);
        await factory.InSystemScopeAsync(async (sp, _) =>
        {
            var users = sp.GetRequiredService<UserManager<ApplicationUser>>();
            var stored = await users.FindByIdAsync(user.Id.ToString());
            stored!.CustomerId = customerId;
            await users.UpdateAsync(stored);
            return 0;
        });
        return await factory.SignedInAsync(email);
    }

    [Fact]
    public async Task EveryClientRoute_AnswersNotFound_ForAnotherCustomersAndAnotherTenantsIds_AndServesTheirOwn()
    {
        var ownerA = await OwnerAsync("clienta");
        var ownerB = await OwnerAsync("clientb");
        var (alice, aliceInvoice) = await CustomerWithInvoiceAsync(ownerA, "Alice");
        var (_, bobInvoice) = await CustomerWithInvoiceAsync(ownerA, "Bob");          // same tenant, another customer
        var (_, carolInvoice) = await CustomerWithInvoiceAsync(ownerB, "Carol");      // another tenant
        var tenantA = await factory.InSystemScopeAsync((_, db) => Task.FromResult(db.Customers.Where(c => c.Id == alice.Id).Select(c => c.TenantId).Single()));
        var client = await ClientUserAsync(tenantA, "alice@clienta.test", alice.Id);

        foreach (var route in IdRoutes)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(string.Format(route, aliceInvoice.Id))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(string.Format(route, bobInvoice.Id))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(string.Format(route, carolInvoice.Id))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(string.Format(route, Guid.NewGuid()))).StatusCode);
        }

        var list = await (await client.GetAsync("/api/client/invoices")).ReadAsync<Paged<InvoiceRow>>();
        var only = Assert.Single(list.Items);
        Assert.Equal(aliceInvoice.Id, only.Id);
        var summary = await (await client.GetAsync("/api/client/summary")).ReadAsync<ClientSummary>();
        Assert.Equal(aliceInvoice.Summary.AmountDue, summary.OpenBalance);
        Assert.Equal(aliceInvoice.Id, summary.NextInvoice?.Id);

        // Staff routes stay closed to a client.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/invoices/{bobInvoice.Id}")).StatusCode);
    }
}
