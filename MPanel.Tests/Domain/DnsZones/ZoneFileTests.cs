using MPanel.Domain.DnsZones;

namespace MPanel.Tests.Domain.DnsZones;

public sealed class ZoneFileTests
{
    private const string Sample = """
        ; exported from somewhere else
        $ORIGIN example.com.
        $TTL 1h
        @   IN  SOA ns1.other.net. hostmaster.example.com. (
                    2024010101 ; serial
                    7200       ; refresh
                    3600 1209600 300 )
            IN  NS  ns1.other.net.
            IN  A   192.0.2.10
            300 IN  AAAA 2001:db8::10
            IN  MX  10 mail
            IN  MX  20 backup.example.net.
            IN  TXT "v=spf1 a mx ~all"
        www     CNAME @
        mail    IN 600 A 192.0.2.11
        _dmarc  TXT ( "v=DMARC1; p=none; "
                      "rua=mailto:dmarc@example.com" )
        _sip._tcp  SRV 10 5 5060 sip
        @       CAA 0 issue "letsencrypt.org"
        $ORIGIN dev.example.com.
        api     A 192.0.2.20
        *       A 192.0.2.21
        """;

    [Fact]
    public void Parse_HandlesOriginTtlRelativeNamesParenthesesAndQuotes()
    {
        var result = ZoneFile.Parse("example.com", Sample);
        Assert.Empty(result.Errors);
        Assert.Equal(1, result.SkippedSoa);
        var r = result.Records;
        Assert.Contains(r, x => x is { Name: "@", Type: DnsRecordType.A, Content: "192.0.2.10", Ttl: 3600 });
        Assert.Contains(r, x => x is { Name: "@", Type: DnsRecordType.AAAA, Content: "2001:db8::10", Ttl: 300 });
        Assert.Contains(r, x => x is { Name: "@", Type: DnsRecordType.MX, Content: "mail.example.com", Priority: 10 });
        Assert.Contains(r, x => x is { Name: "@", Type: DnsRecordType.MX, Content: "backup.example.net", Priority: 20 });
        Assert.Contains(r, x => x is { Name: "www", Type: DnsRecordType.CNAME, Content: "example.com" });
        Assert.Contains(r, x => x is { Name: "mail", Type: DnsRecordType.A, Ttl: 600 });
        Assert.Contains(r, x => x.Name == "_dmarc" && x.Content == "\"v=DMARC1; p=none; \" \"rua=mailto:dmarc@example.com\"");
        Assert.Contains(r, x => x is { Name: "_sip._tcp", Type: DnsRecordType.SRV, Content: "5 5060 sip.example.com", Priority: 10 });
        Assert.Contains(r, x => x is { Name: "@", Type: DnsRecordType.CAA, Content: "0 issue \"letsencrypt.org\"" });
        Assert.Contains(r, x => x is { Name: "api.dev", Type: DnsRecordType.A });
        Assert.Contains(r, x => x is { Name: "*.dev", Type: DnsRecordType.A });
        Assert.Contains(r, x => x is { Name: "@", Type: DnsRecordType.NS, Content: "ns1.other.net" });
        Assert.Equal(13, r.Count);
    }

    [Fact]
    public void Export_ThenParse_GivesTheSameRecords()
    {
        var original = ZoneFile.Parse("example.com", Sample).Records;
        var text = ZoneFile.Export("example.com", original, "ns1.mpanel.test. hostmaster.example.com. 2026112801 10800 3600 604800 3600");
        var again = ZoneFile.Parse("example.com", text);
        Assert.Empty(again.Errors);
        Assert.Equal(1, again.SkippedSoa);
        Assert.Equal(original.OrderBy(x => x.ToString()).ToList(), again.Records.OrderBy(x => x.ToString()).ToList());
        Assert.Contains("$ORIGIN example.com.", text);
    }

    [Fact]
    public void Parse_ReportsEachBadLineByNumber()
    {
        const string text = """
            $ORIGIN example.com.
            www A 300.1.1.1
            ok  A 192.0.2.1
            foo HINFO "x" "y"
            bar.other.org. A 192.0.2.2
            txt TXT "unterminated
            $INCLUDE other.zone
            """;
        var result = ZoneFile.Parse("example.com", text);
        Assert.Equal(new[] { 2, 4, 5, 6, 7 }, result.Errors.Select(e => e.Line).ToArray());
        Assert.Contains("HINFO", result.Errors[1].Message);
        Assert.Contains("outside the zone", result.Errors[2].Message);
        Assert.Single(result.Records);
    }

    [Theory]
    [InlineData("3600", 3600)]
    [InlineData("1h", 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1w", 604800)]
    [InlineData("x", null)]
    public void Ttl_UnitsAreUnderstood(string text, int? seconds) => Assert.Equal(seconds, ZoneFile.ParseTtl(text));
}
