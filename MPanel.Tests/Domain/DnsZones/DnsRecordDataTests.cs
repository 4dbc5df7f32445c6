using MPanel.Domain.Common;
using MPanel.Domain.DnsZones;

namespace MPanel.Tests.Domain.DnsZones;

public sealed class DnsRecordDataTests
{
    private const string Zone = "example.com";

    private static DnsRecordData Ok(string? name, DnsRecordType type, string content, int? ttl = null, int? priority = null) =>
        DnsRecordData.Create(Zone, name, type, content, ttl, priority);

    private static IReadOnlyDictionary<string, string[]> Errors(string? name, DnsRecordType type, string? content, int? ttl = null, int? priority = null)
    {
        var ex = Assert.Throws<DomainException>(() => DnsRecordData.Create(Zone, name, type, content, ttl, priority));
        return Assert.IsType<ValidationError>(ex.Error, exactMatch: false).Fields;
    }

    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData(" 10.0.0.1 ", "10.0.0.1")]
    public void A_AcceptsDottedQuads(string input, string stored) => Assert.Equal(stored, Ok("www", DnsRecordType.A, input).Content);

    [Theory]
    [InlineData("1")]
    [InlineData("1.2.3")]
    [InlineData("256.1.1.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("2001:db8::1")]
    [InlineData("")]
    public void A_RefusesWhatIsNotADottedQuad(string input) => Assert.Contains("content", Errors("www", DnsRecordType.A, input).Keys);

    [Theory]
    [InlineData("2001:DB8:0:0::1", "2001:db8::1")]
    [InlineData("::1", "::1")]
    public void Aaaa_IsStoredCanonical(string input, string stored) => Assert.Equal(stored, Ok("@", DnsRecordType.AAAA, input).Content);

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("2001:db8:::1")]
    public void Aaaa_RefusesNonIpv6(string input) => Assert.Contains("content", Errors("@", DnsRecordType.AAAA, input).Keys);

    [Theory]
    [InlineData("", "@")]
    [InlineData("@", "@")]
    [InlineData("example.com.", "@")]
    [InlineData("WWW", "www")]
    [InlineData("www.example.com.", "www")]
    [InlineData("www.example.com", "www")]
    [InlineData("*.dev", "*.dev")]
    [InlineData("_dmarc", "_dmarc")]
    [InlineData("bücher", "xn--bcher-kva")]
    public void Names_AreMadeRelativeAndPunycode(string input, string relative) => Assert.Equal(relative, Ok(input, DnsRecordType.A, "192.0.2.1").Name);

    [Theory]
    [InlineData("www.other.org.")]
    [InlineData("-bad")]
    [InlineData("a..b")]
    [InlineData("sp ace")]
    [InlineData("dev.*")]
    public void Names_RefuseInvalidOrForeign(string input) => Assert.Contains("name", Errors(input, DnsRecordType.A, "192.0.2.1").Keys);

    [Fact]
    public void Name_LabelLongerThan63_IsRefused() => Assert.Contains("name", Errors(new string('a', 64), DnsRecordType.A, "192.0.2.1").Keys);

    [Fact]
    public void Cname_AtApex_IsRefused() => Assert.Contains("name", Errors("@", DnsRecordType.CNAME, "other.example.net").Keys);

    [Fact]
    public void Cname_TargetGetsTrailingDotOnTheWire()
    {
        var r = Ok("www", DnsRecordType.CNAME, "Host.Example.NET.");
        Assert.Equal("host.example.net", r.Content);
        Assert.Equal("host.example.net.", r.WireContent);
    }

    [Fact]
    public void Mx_NeedsPriorityAndHost()
    {
        var r = Ok("@", DnsRecordType.MX, "mail.example.com", priority: 10);
        Assert.Equal("10 mail.example.com.", r.WireContent);
        Assert.Contains("priority", Errors("@", DnsRecordType.MX, "mail.example.com").Keys);
        Assert.Contains("priority", Errors("@", DnsRecordType.MX, "mail.example.com", priority: 70000).Keys);
        Assert.Contains("content", Errors("@", DnsRecordType.MX, "192.0.2.1 x", priority: 10).Keys);
        Assert.Contains("content", Errors("@", DnsRecordType.MX, "localhost", priority: 10).Keys);
    }

    [Fact]
    public void Srv_ValidatesWeightPortTargetAndName()
    {
        var r = Ok("_sip._tcp", DnsRecordType.SRV, "5 5060 sip.example.com", priority: 10);
        Assert.Equal("5 5060 sip.example.com", r.Content);
        Assert.Equal("10 5 5060 sip.example.com.", r.WireContent);
        Assert.Equal("0 0 .", Ok("_xmpp._tcp", DnsRecordType.SRV, "0 0 .", priority: 0).Content);
        Assert.Contains("content", Errors("_sip._tcp", DnsRecordType.SRV, "5 70000 sip.example.com", priority: 1).Keys);
        Assert.Contains("content", Errors("_sip._tcp", DnsRecordType.SRV, "5 5060", priority: 1).Keys);
        Assert.Contains("name", Errors("sip", DnsRecordType.SRV, "5 5060 sip.example.com", priority: 1).Keys);
        Assert.Contains("priority", Errors("_sip._tcp", DnsRecordType.SRV, "5 5060 sip.example.com").Keys);
    }

    [Fact]
    public void Txt_PlainTextIsQuotedAndEscaped()
    {
        var r = Ok("@", DnsRecordType.TXT, "v=spf1 a mx ~all");
        Assert.Equal("\"v=spf1 a mx ~all\"", r.Content);
        Assert.Equal("v=spf1 a mx ~all", r.DisplayContent);
        Assert.Equal("\"say \\\"hi\\\" \\\\o/\"", Ok("x", DnsRecordType.TXT, "say \"hi\" \\o/").Content);
    }

    [Fact]
    public void Txt_LongerThan255Bytes_IsSplitIntoStrings()
    {
        var text = new string('k', 600);
        var r = Ok("dkim._domainkey", DnsRecordType.TXT, text);
        var strings = ZoneFile.SplitQuoted(r.Content, out var error);
        Assert.Null(error);
        Assert.Equal(new[] { 255, 255, 90 }, strings.Select(s => s.Length).ToArray());
        Assert.Equal(text, r.DisplayContent);
    }

    [Fact]
    public void Txt_QuotedInputIsKeptAsItsStrings_AndNonAsciiBecomesDecimalEscapes()
    {
        Assert.Equal("\"a\" \"b c\"", Ok("x", DnsRecordType.TXT, "\"a\" \"b c\"").Content);
        var r = Ok("x", DnsRecordType.TXT, "grüße");
        Assert.Equal("\"gr\\195\\188\\195\\159e\"", r.Content);
        Assert.Equal("grüße", r.DisplayContent);
        Assert.Contains("content", Errors("x", DnsRecordType.TXT, "\"unterminated").Keys);
        Assert.Contains("content", Errors("x", DnsRecordType.TXT, "\"" + new string('a', 256) + "\"").Keys);
        Assert.Contains("content", Errors("x", DnsRecordType.TXT, "").Keys);
    }

    [Theory]
    [InlineData("0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\"")]
    [InlineData("0 ISSUE letsencrypt.org", "0 issue \"letsencrypt.org\"")]
    [InlineData("128 issuewild \";\"", "128 issuewild \";\"")]
    [InlineData("0 iodef \"mailto:security@example.com\"", "0 iodef \"mailto:security@example.com\"")]
    public void Caa_IsNormalised(string input, string stored) => Assert.Equal(stored, Ok("@", DnsRecordType.CAA, input).Content);

    [Theory]
    [InlineData("256 issue \"ca.example\"")]
    [InlineData("0 policy \"x\"")]
    [InlineData("0 iodef \"ftp://x\"")]
    [InlineData("0 issue")]
    [InlineData("0 issue \"bad domain!\"")]
    public void Caa_RefusesBadFlagsTagsAndValues(string input) => Assert.Contains("content", Errors("@", DnsRecordType.CAA, input).Keys);

    [Theory]
    [InlineData(59)]
    [InlineData(604801)]
    public void Ttl_OutOfRange_IsRefused(int ttl) => Assert.Contains("ttl", Errors("www", DnsRecordType.A, "192.0.2.1", ttl).Keys);

    [Fact]
    public void EveryBadField_IsReportedAtOnce()
    {
        var fields = Errors("-x", DnsRecordType.MX, "", 5);
        Assert.Equal(new[] { "content", "name", "priority", "ttl" }, fields.Keys.Order().ToArray());
    }

    [Fact]
    public void DomainNames_AreIdnAware()
    {
        Assert.Equal("xn--mnchen-3ya.example", DnsName.TryParseDomain("München.example", out _));
        Assert.Equal("münchen.example", DnsName.ToUnicode("xn--mnchen-3ya.example"));
        Assert.Null(DnsName.TryParseDomain("localhost", out var e1));
        Assert.NotNull(e1);
        Assert.Null(DnsName.TryParseDomain("under_score.com", out _));
        Assert.Null(DnsName.TryParseDomain("example.123", out _));
    }
}
