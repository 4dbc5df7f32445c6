using MPanel.Domain.Common;
using MPanel.Domain.DnsZones;

namespace MPanel.Tests.Domain.DnsZones;

public sealed class DnsZoneTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private static DnsZone NewZone() => DnsZone.Create(Guid.NewGuid(), null, "Example.COM", Now);
    private static DnsRecordData R(string name, DnsRecordType type, string content, int ttl = 3600, int? prio = null) =>
        DnsRecordData.Create("example.com", name, type, content, ttl, prio);

    private static string Field(Action act) =>
        Assert.IsType<ValidationError>(Assert.Throws<DomainException>(act).Error, exactMatch: false).Fields.Keys.Single();

    [Fact]
    public void Cname_CannotJoinOtherRecords_AndOthersCannotJoinACname()
    {
        var zone = NewZone();
        zone.AddRecord(R("www", DnsRecordType.A, "192.0.2.1"), Now);
        Assert.Equal("name", Field(() => zone.AddRecord(R("www", DnsRecordType.CNAME, "host.example.net"), Now)));
        zone.AddRecord(R("blog", DnsRecordType.CNAME, "host.example.net"), Now);
        Assert.Equal("name", Field(() => zone.AddRecord(R("blog", DnsRecordType.TXT, "hello"), Now)));
        Assert.Equal("name", Field(() => zone.AddRecord(R("blog", DnsRecordType.CNAME, "other.example.net"), Now)));
    }

    [Fact]
    public void DuplicateRecord_IsRefused()
    {
        var zone = NewZone();
        zone.AddRecord(R("@", DnsRecordType.MX, "mail.example.com", prio: 10), Now);
        Assert.Equal("content", Field(() => zone.AddRecord(R("@", DnsRecordType.MX, "mail.example.com", prio: 10), Now)));
        zone.AddRecord(R("@", DnsRecordType.MX, "mail.example.com", prio: 20), Now);
        Assert.Equal(2, zone.Records.Count);
    }

    [Fact]
    public void OneRrset_SharesTheLatestTtl()
    {
        var zone = NewZone();
        zone.AddRecord(R("www", DnsRecordType.A, "192.0.2.1", 3600), Now);
        var second = zone.AddRecord(R("www", DnsRecordType.A, "192.0.2.2", 300), Now);
        Assert.All(zone.Rrset(new RrsetKey("www", DnsRecordType.A)), r => Assert.Equal(300, r.Ttl));
        var (before, after) = zone.UpdateRecord(second.Id, R("api", DnsRecordType.A, "192.0.2.2", 600), Now);
        Assert.Equal(new RrsetKey("www", DnsRecordType.A), before);
        Assert.Equal(new RrsetKey("api", DnsRecordType.A), after);
    }

    [Fact]
    public void Zone_NameIsStoredInPunycode_AndShownInUnicode()
    {
        var zone = DnsZone.Create(Guid.NewGuid(), null, "Bücher.example", Now);
        Assert.Equal("xn--bcher-kva.example", zone.Name);
        Assert.Equal("bücher.example", zone.DisplayName);
    }

    [Fact]
    public void Template_RendersPlaceholders_AndLeavesOutIpv6LinesWithoutAnAddress()
    {
        var records = DnsZoneTemplate.Render(DnsZoneTemplate.BuiltIn, "shop.example", "203.0.113.7", null);
        Assert.Contains(records, r => r is { Name: "@", Type: DnsRecordType.A, Content: "203.0.113.7" });
        Assert.Contains(records, r => r is { Name: "@", Type: DnsRecordType.MX, Content: "mail.shop.example", Priority: 10 });
        Assert.Contains(records, r => r.Name == "_dmarc" && r.DisplayContent.Contains("postmaster@shop.example"));
        Assert.DoesNotContain(records, r => r.Type == DnsRecordType.AAAA);
        Assert.Contains(DnsZoneTemplate.Render(DnsZoneTemplate.BuiltIn, "shop.example", "203.0.113.7", "2001:db8::7"), r => r.Type == DnsRecordType.AAAA);
    }

    [Fact]
    public void Template_WithABadLine_NamesTheLine()
    {
        var ex = Assert.Throws<DomainException>(() => DnsZoneTemplate.Create("Broken", [new("@", DnsRecordType.A, "{ip}"), new("@", DnsRecordType.A, "not-an-ip")], false, Now));
        Assert.Contains("records[1]", Assert.IsType<ValidationError>(ex.Error).Fields.Keys);
    }
}
