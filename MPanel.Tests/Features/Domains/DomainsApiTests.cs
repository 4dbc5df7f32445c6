using System.Net;
using MPanel.Domain.Domains;
using MPanel.Tests.Features.DnsZones;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Domains;

namespace MPanel.Tests.Features.Domains;

public sealed class DomainsApiTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    [Fact]
    public async Task Register_WithTheManualRegistrar_CreatesAStaffTask_AndDoneActivatesTheDomain()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "registrant");
        var response = await client.PostJsonAsync("/api/domains/register",
            new SaveDomainRequest(customer.Id, "Bücher-Laden.example", null, null, true, ["ns1.mpanel.test", "NS2.mpanel.test."]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var domain = await response.ReadAsync<DomainView>();
        Assert.Equal("xn--bcher-laden-thb.example", domain.Name);
        Assert.Equal("bücher-laden.example", domain.DisplayName);
        Assert.Equal(DomainStatus.PendingRegistration, domain.Status);
        Assert.Equal(["ns1.mpanel.test", "ns2.mpanel.test"], domain.Nameservers);
        var task = Assert.Single(domain.Tasks);
        Assert.Equal(DomainTaskKind.Register, task.Kind);
        Assert.Contains(await (await client.GetAsync("/api/domains/tasks")).ReadAsync<List<DomainTaskView>>(), t => t.Id == task.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"/api/domains/tasks/{task.Id}/complete", new CompleteDomainTaskRequest())).StatusCode);
        var after = await (await client.GetAsync($"/api/domains/{domain.Id}")).ReadAsync<DomainView>();
        Assert.Equal(DomainStatus.Active, after.Status);
        Assert.Equal(DomainTaskStatus.Done, after.Tasks.Single().Status);

        // Changing nameservers asks the registrar again (another task); a bad one is a field error.
        var bad = await client.PutJsonAsync($"/api/domains/{domain.Id}", new UpdateDomainRequest(null, new DateOnly(2027, 11, 28), true, ["not a host"]));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"nameservers\"", await bad.Content.ReadAsStringAsync());
        var updated = await (await client.PutJsonAsync($"/api/domains/{domain.Id}", new UpdateDomainRequest(null, new DateOnly(2027, 11, 28), true, ["ns.other.example"]))).ReadAsync<DomainView>();
        Assert.Contains(updated.Tasks, t => t is { Kind: DomainTaskKind.UpdateNameservers, Status: DomainTaskStatus.Open });

        var list = await (await client.GetAsync("/api/domains?search=bücher-laden.example")).ReadAsync<Paged<DomainRow>>();
        Assert.Contains(list.Items, d => d.Id == domain.Id);
    }

    [Fact]
    public async Task AnotherTenantsDomain_IsNotFound()
    {
        var reseller = await factory.CreateResellerAsync($"domres{Guid.NewGuid().ToString("N")[..6]}");
        var email = $"res-{Guid.NewGuid().ToString("N")[..6]}@reseller.test";
        await factory.CreateUserAsync(reseller.Id, email, MPanel.Domain.Security.Roles.Reseller);
        var theirCustomer = await factory.CreateCustomerAsync(reseller.Id, "Res", "Customer", $"rc-{Guid.NewGuid().ToString("N")[..6]}@dom.example");
        var resellerClient = await factory.SignedInAsync(email);
        var theirs = await (await resellerClient.PostJsonAsync("/api/domains", new SaveDomainRequest(theirCustomer.Id, $"r{Guid.NewGuid().ToString("N")[..8]}.example", "manual", null, false, []))).ReadAsync<DomainView>();

        var (client, _, _) = await PowerDns.AdminWithCustomerAsync(factory, "domiso");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/domains/{theirs.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync($"/api/domains/{theirs.Id}/renew", new RenewDomainRequest(1))).StatusCode);
    }
}
