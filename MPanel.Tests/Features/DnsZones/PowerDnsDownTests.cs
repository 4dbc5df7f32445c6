using System.Net;
using Microsoft.EntityFrameworkCore;
using MPanel.Tests.Support;
using MPanel.Web.Features.DnsZones;

namespace MPanel.Tests.Features.DnsZones;

/// <summary>MPanel pointed at a PowerDNS that does not answer (a closed loopback port).</summary>
public sealed class PowerDnsDownFactory : MPanelFactory
{
    public PowerDnsDownFactory() => With("PowerDns:ApiUrl", "http://127.0.0.1:9").With("PowerDns:TimeoutSeconds", "3");
}

public sealed class PowerDnsDownTests(PowerDnsDownFactory factory) : IClassFixture<PowerDnsDownFactory>
{
    [Fact]
    public async Task CreateZone_WhilePowerDnsIsDown_Answers503_AndSavesNothing()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "down");
        var name = PowerDns.UniqueZone("down");
        var response = await client.PostJsonAsync("/api/dns/zones", new CreateDnsZoneRequest(customer.Id, name));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("dns_unavailable", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await factory.InSystemScopeAsync((_, db) => db.DnsZones.CountAsync(z => z.Name == name)));
        Assert.Equal(0, await factory.InSystemScopeAsync((_, db) => db.DnsRecords.CountAsync()));
    }
}
