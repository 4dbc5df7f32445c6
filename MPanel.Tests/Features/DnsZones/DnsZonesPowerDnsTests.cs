using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.DnsZones;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Dns;
using MPanel.Tests.Support;
using MPanel.Web.Features.DnsZones;

namespace MPanel.Tests.Features.DnsZones;

/// <summary>Zones and records through MPanel's API, checked from outside with dig against the real PowerDNS.</summary>
public sealed class DnsZonesPowerDnsTests(MPanelFactory factory) : IClassFixture<MPanelFactory>, IAsyncLifetime
{
    private readonly List<string> _zones = [];

    public Task InitializeAsync() => PowerDns.EnsureReachableAsync();

    public async Task DisposeAsync()
    {
        foreach (var zone in _zones) await PowerDns.Client(factory).DeleteZoneAsync(zone, CancellationToken.None);
    }

    private string NewZoneName(string prefix = "t")
    {
        var name = PowerDns.UniqueZone(prefix);
        _zones.Add(name);
        return name;
    }

    private static async Task<DnsZoneView> CreateZoneAsync(HttpClient client, Guid customerId, string name)
    {
        var response = await client.PostJsonAsync("/api/dns/zones", new CreateDnsZoneRequest(customerId, name));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<DnsZoneView>();
    }

    [Fact]
    public async Task NewZone_FromTheDefaultTemplate_IsServedByPowerDns()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "template");
        var name = NewZoneName();
        var zone = await CreateZoneAsync(client, customer.Id, name);

        Assert.Equal(["127.0.0.1"], await PowerDns.DigAsync(name, "A"));
        Assert.Equal(["127.0.0.1"], await PowerDns.DigAsync($"www.{name}", "A"));
        Assert.Equal([$"10 mail.{name}."], await PowerDns.DigAsync(name, "MX"));
        Assert.Equal(["\"v=spf1 a mx ~all\""], await PowerDns.DigAsync(name, "TXT"));
        Assert.Single(await PowerDns.DigAsync($"_dmarc.{name}", "TXT"));
        Assert.Equal(["ns1.mpanel.test.", "ns2.mpanel.test."], await PowerDns.DigAsync(name, "NS"));
        var soa = Assert.Single(await PowerDns.DigAsync(name, "SOA"));
        Assert.StartsWith("ns1.mpanel.test. hostmaster.", soa);
        Assert.True(zone.Serial >= long.Parse(DateTime.UtcNow.ToString("yyyyMMdd") + "01"), $"serial {zone.Serial} is not YYYYMMDDnn");
    }

    [Fact]
    public async Task AddEditDelete_AreReflectedByDig_AndRaiseTheSerial()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "editor");
        var name = NewZoneName();
        var zone = await CreateZoneAsync(client, customer.Id, name);

        var added = await (await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("api", DnsRecordType.A, "192.0.2.55", 300))).ReadAsync<DnsZoneView>();
        Assert.Equal(["192.0.2.55"], await PowerDns.DigAsync($"api.{name}", "A"));
        Assert.True(added.Serial > zone.Serial);
        var record = added.Records.Single(r => r.Name == "api");

        await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("api", DnsRecordType.A, "192.0.2.57", 300));
        Assert.Equal(["192.0.2.55", "192.0.2.57"], await PowerDns.DigAsync($"api.{name}", "A"));

        var edited = await client.PutJsonAsync($"/api/dns/zones/{zone.Id}/records/{record.Id}", new DnsRecordInput("api", DnsRecordType.A, "192.0.2.56", 300));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal(["192.0.2.56", "192.0.2.57"], await PowerDns.DigAsync($"api.{name}", "A"));

        await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("_sip._tcp", DnsRecordType.SRV, "5 5060 sip.example.net", 300, 10));
        await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("@", DnsRecordType.CAA, "0 issue \"letsencrypt.org\""));
        await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("ipv6", DnsRecordType.AAAA, "2001:db8::5"));
        await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("blog", DnsRecordType.CNAME, "hosting.example.net"));
        await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("long", DnsRecordType.TXT, new string('k', 300)));
        Assert.Equal(["10 5 5060 sip.example.net."], await PowerDns.DigAsync($"_sip._tcp.{name}", "SRV"));
        Assert.Equal(["0 issue \"letsencrypt.org\""], await PowerDns.DigAsync(name, "CAA"));
        Assert.Equal(["2001:db8::5"], await PowerDns.DigAsync($"ipv6.{name}", "AAAA"));
        Assert.Equal(["hosting.example.net."], await PowerDns.DigAsync($"blog.{name}", "CNAME"));
        Assert.Equal([$"\"{new string('k', 255)}\" \"{new string('k', 45)}\""], await PowerDns.DigAsync($"long.{name}", "TXT"));

        var current = await (await client.GetAsync($"/api/dns/zones/{zone.Id}")).ReadAsync<DnsZoneView>();
        foreach (var r in current.Records.Where(r => r.Name == "api"))
            Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/dns/zones/{zone.Id}/records/{r.Id}")).StatusCode);
        Assert.Empty(await PowerDns.DigAsync($"api.{name}", "A"));
        Assert.Empty(await (await client.GetAsync($"/api/dns/zones/{zone.Id}/drift")).ReadAsync<List<DnsDriftItem>>());
    }

    [Fact]
    public async Task RecordDeletedBehindMPanelsBack_ShowsAsDrift_AndRepairRestoresIt()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "drift");
        var name = NewZoneName();
        var zone = await CreateZoneAsync(client, customer.Id, name);
        Assert.Empty(await (await client.GetAsync($"/api/dns/zones/{zone.Id}/drift")).ReadAsync<List<DnsDriftItem>>());

        // Someone edits PowerDNS directly: www disappears, a stray record appears.
        await PowerDns.Client(factory).PatchRrsetsAsync(name,
        [
            new PdnsRrset($"www.{name}.", "A", null, "DELETE", null),
            new PdnsRrset($"stray.{name}.", "A", 60, "REPLACE", [new PdnsRecord("198.51.100.1")]),
        ], CancellationToken.None);
        Assert.Empty(await PowerDns.DigAsync($"www.{name}", "A"));

        var drift = await (await client.GetAsync($"/api/dns/zones/{zone.Id}/drift")).ReadAsync<List<DnsDriftItem>>();
        Assert.Contains(drift, d => d.Name == $"www.{name}" && d.Type == "A" && d.Actual == "(missing)");
        Assert.Contains(drift, d => d.Name == $"stray.{name}" && d.Expected == "(none)");

        var repair = await client.PostAsync($"/api/dns/zones/{zone.Id}/repair", null);
        Assert.Equal(HttpStatusCode.OK, repair.StatusCode);
        Assert.Empty(await repair.ReadAsync<List<DnsDriftItem>>());
        Assert.Equal(["127.0.0.1"], await PowerDns.DigAsync($"www.{name}", "A"));
        Assert.Empty(await PowerDns.DigAsync($"stray.{name}", "A"));
    }

    [Fact]
    public async Task ProvisioningStep_RunTwice_MakesOneZone_ReportsDrift_AndTerminateRemovesIt()
    {
        var platform = await factory.PlatformAsync();
        var customer = await factory.CreateCustomerAsync(platform.Id, "Step", "Runner", $"step-{Guid.NewGuid().ToString("N")[..6]}@dns.example");
        var name = NewZoneName("p");
        await using var scope = factory.Services.CreateAsyncScope();
        var step = scope.ServiceProvider.GetServices<IProvisioningStep>().Single(s => s.Kind == "dns.zone");
        Assert.Equal(10, step.Order);
        ProvisioningStepContext Context(ServiceAction action) => new(platform.Id, Guid.NewGuid(), customer.Id, action, "u1234", name,
            new ProductResources { DnsZones = 1 }, new Dictionary<string, string>());
        Assert.True(step.AppliesTo(Context(ServiceAction.Provision)));
        Assert.False(step.AppliesTo(Context(ServiceAction.Provision) with { Resources = new ProductResources() }));

        await step.RunAsync(Context(ServiceAction.Provision), CancellationToken.None);
        await step.RunAsync(Context(ServiceAction.Provision), CancellationToken.None);
        var count = await factory.InSystemScopeAsync((_, db) => db.DnsZones.CountAsync(z => z.Name == name));
        Assert.Equal(1, count);
        Assert.Single(await PowerDns.Client(factory).ListZonesAsync(CancellationToken.None), z => z.Name == name + ".");
        Assert.Equal(["127.0.0.1"], await PowerDns.DigAsync(name, "A"));
        Assert.Empty(await step.FindDriftAsync(Context(ServiceAction.Provision), CancellationToken.None));

        await PowerDns.Client(factory).PatchRrsetsAsync(name, [new PdnsRrset($"mail.{name}.", "A", null, "DELETE", null)], CancellationToken.None);
        var drift = await step.FindDriftAsync(Context(ServiceAction.Provision), CancellationToken.None);
        Assert.Equal("dns.zone", Assert.Single(drift).Kind);
        Assert.Empty(await ((DnsZoneStep)step).RepairAsync(Context(ServiceAction.Provision), CancellationToken.None));

        await step.RunAsync(Context(ServiceAction.Suspend), CancellationToken.None);
        Assert.Equal(["127.0.0.1"], await PowerDns.DigAsync(name, "A"));

        await step.RunAsync(Context(ServiceAction.Terminate), CancellationToken.None);
        await step.RunAsync(Context(ServiceAction.Terminate), CancellationToken.None); // already gone: fine
        Assert.Null(await PowerDns.Client(factory).GetPdnsZoneAsync(name, CancellationToken.None));
        Assert.Equal(0, await factory.InSystemScopeAsync((_, db) => db.DnsZones.CountAsync(z => z.Name == name)));
    }

    [Fact]
    public async Task CreateTwice_KeepsOneZone_AndAnswersAFieldError()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "twice");
        var name = NewZoneName();
        await CreateZoneAsync(client, customer.Id, name);
        var again = await client.PostJsonAsync("/api/dns/zones", new CreateDnsZoneRequest(customer.Id, name.ToUpperInvariant()));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("\"name\"", await again.Content.ReadAsStringAsync());
        Assert.Equal(1, await factory.InSystemScopeAsync((_, db) => db.DnsZones.CountAsync(z => z.Name == name)));
    }

    [Fact]
    public async Task InvalidRecords_AnswerProblemDetailsWithFieldErrors_AndChangeNothing()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "invalid");
        var name = NewZoneName();
        var zone = await CreateZoneAsync(client, customer.Id, name);

        var bad = await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("-x", DnsRecordType.MX, "not a host", 5));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var body = await bad.Content.ReadAsStringAsync();
        foreach (var field in new[] { "name", "content", "ttl", "priority" }) Assert.Contains($"\"{field}\"", body);

        var cname = await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/records", new DnsRecordInput("www", DnsRecordType.CNAME, "elsewhere.example.net"));
        Assert.Equal(HttpStatusCode.BadRequest, cname.StatusCode);
        Assert.Contains("only record", await cname.Content.ReadAsStringAsync());
        Assert.Equal(["127.0.0.1"], await PowerDns.DigAsync($"www.{name}", "A"));
    }

    [Fact]
    public async Task ImportAndExport_RoundTripThroughPowerDns()
    {
        var (client, customer, _) = await PowerDns.AdminWithCustomerAsync(factory, "import");
        var name = NewZoneName();
        var zone = await CreateZoneAsync(client, customer.Id, name);

        var broken = await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/import", new ZoneImportRequest("shop A 192.0.2.1\nbad A 999.1.1.1\n"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("Line 2", await broken.Content.ReadAsStringAsync());
        Assert.Empty(await PowerDns.DigAsync($"shop.{name}", "A"));

        var file = $"""
            $ORIGIN {name}.
            $TTL 600
            @     IN SOA ns.elsewhere. host.elsewhere. ( 1 2 3 4 5 )
            @     IN NS  ns.elsewhere.
            shop  IN A   192.0.2.1
            shop  IN A   192.0.2.2
            _dkim IN TXT ( "v=DKIM1; k=rsa; "
                           "p=MIGf" )
            """;
        var imported = await (await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/import", new ZoneImportRequest(file))).ReadAsync<ZoneImportResult>();
        Assert.Equal(new ZoneImportResult(3, 0, 2), imported);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], await PowerDns.DigAsync($"shop.{name}", "A"));
        Assert.Equal(["\"v=DKIM1; k=rsa; \" \"p=MIGf\""], await PowerDns.DigAsync($"_dkim.{name}", "TXT"));
        Assert.Equal(["ns1.mpanel.test.", "ns2.mpanel.test."], await PowerDns.DigAsync(name, "NS"));

        var export = await client.GetAsync($"/api/dns/zones/{zone.Id}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var text = await export.Content.ReadAsStringAsync();
        Assert.Contains("IN\tSOA\tns1.mpanel.test.", text);
        var parsed = ZoneFile.Parse(name, text);
        Assert.Empty(parsed.Errors);
        var view = await (await client.GetAsync($"/api/dns/zones/{zone.Id}")).ReadAsync<DnsZoneView>();
        Assert.Equal(view.Records.Count, parsed.Records.Count);

        // Replace: the zone becomes exactly the file (apex NS stays MPanel's).
        var replaced = await (await client.PostJsonAsync($"/api/dns/zones/{zone.Id}/import", new ZoneImportRequest($"$ORIGIN {name}.\n@ A 192.0.2.99\n", Replace: true))).ReadAsync<ZoneImportResult>();
        Assert.Equal(1, replaced.Imported);
        Assert.Equal(["192.0.2.99"], await PowerDns.DigAsync(name, "A"));
        Assert.Empty(await PowerDns.DigAsync($"shop.{name}", "A"));
        Assert.Equal(["ns1.mpanel.test.", "ns2.mpanel.test."], await PowerDns.DigAsync(name, "NS"));
    }

    [Fact]
    public async Task AnotherTenantsZone_IsNotFound_ThroughApiAndService()
    {
        var reseller = await factory.CreateResellerAsync($"dnsres{Guid.NewGuid().ToString("N")[..6]}");
        var resellerEmail = $"res-{Guid.NewGuid().ToString("N")[..6]}@reseller.test";
        await factory.CreateUserAsync(reseller.Id, resellerEmail, Roles.Reseller);
        var resellerCustomer = await factory.CreateCustomerAsync(reseller.Id, "Other", "Tenant", $"ot-{Guid.NewGuid().ToString("N")[..6]}@dns.example");
        var resellerClient = await factory.SignedInAsync(resellerEmail);
        var name = NewZoneName();
        var theirs = await CreateZoneAsync(resellerClient, resellerCustomer.Id, name);

        var (platformClient, platformCustomer, platformId) = await PowerDns.AdminWithCustomerAsync(factory, "isolation");
        Assert.Equal(HttpStatusCode.NotFound, (await platformClient.GetAsync($"/api/dns/zones/{theirs.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await platformClient.PostJsonAsync($"/api/dns/zones/{theirs.Id}/records", new DnsRecordInput("x", DnsRecordType.A, "192.0.2.1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await platformClient.DeleteAsync($"/api/dns/zones/{theirs.Id}")).StatusCode);
        var list = await (await platformClient.GetAsync($"/api/dns/zones?search={name}")).ReadAsync<MPanel.Web.Common.Paged<DnsZoneRow>>();
        Assert.Empty(list.Items);
        // The same name cannot be taken by another tenant either (one PowerDNS serves all).
        Assert.Equal(HttpStatusCode.BadRequest, (await platformClient.PostJsonAsync("/api/dns/zones", new CreateDnsZoneRequest(platformCustomer.Id, name))).StatusCode);

        var ex = await Assert.ThrowsAsync<MPanel.Domain.Common.DomainException>(() =>
            PowerDns.AsTenantAsync(factory, platformId, s => s.GetAsync(theirs.Id)));
        Assert.IsType<MPanel.Domain.Common.NotFoundError>(ex.Error);
        // Within the owning tenant, a customer scope sees only that customer's zones.
        var otherCustomer = await factory.CreateCustomerAsync(reseller.Id, "Second", "Customer", $"sc-{Guid.NewGuid().ToString("N")[..6]}@dns.example");
        await Assert.ThrowsAsync<MPanel.Domain.Common.DomainException>(() =>
            PowerDns.AsTenantAsync(factory, reseller.Id, s => s.ForCustomer(otherCustomer.Id).GetAsync(theirs.Id)));
        var own = await PowerDns.AsTenantAsync(factory, reseller.Id, s => s.ForCustomer(resellerCustomer.Id).GetAsync(theirs.Id));
        Assert.Equal(name, own.Name);
        Assert.Equal(["127.0.0.1"], await PowerDns.DigAsync(name, "A"));
    }
}
