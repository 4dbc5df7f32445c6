using MPanel.Domain.Common;

namespace MPanel.Domain.DnsZones;

/// <summary>One line of a zone template; name and content may use {domain}, {ip} and {ip6}.</summary>
public sealed record DnsTemplateRecord(string Name, DnsRecordType Type, string Content, int Ttl = DnsRecordData.DefaultTtl, int? Priority = null);

/// <summary>A tenant's starting records for new zones. The tenant's default template is used by provisioning; with none,
/// <see cref="BuiltIn"/> applies.</summary>
public sealed class DnsZoneTemplate : Entity, ITenantOwned, IVersioned
{
    private DnsZoneTemplate() { }

    public Guid TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public bool IsDefault { get; private set; }
    public List<DnsTemplateRecord> Records { get; private set; } = [];
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }

    public static readonly IReadOnlyList<DnsTemplateRecord> BuiltIn =
    [
        new("@", DnsRecordType.A, "{ip}"),
        new("@", DnsRecordType.AAAA, "{ip6}"),
        new("www", DnsRecordType.A, "{ip}"),
        new("www", DnsRecordType.AAAA, "{ip6}"),
        new("mail", DnsRecordType.A, "{ip}"),
        new("@", DnsRecordType.MX, "mail.{domain}", Priority: 10),
        new("@", DnsRecordType.TXT, "v=spf1 a mx ~all"),
        new("_dmarc", DnsRecordType.TXT, "v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}"),
    ];

    public static DnsZoneTemplate Create(string name, IReadOnlyList<DnsTemplateRecord> records, bool isDefault, DateTimeOffset now)
    {
        var t = new DnsZoneTemplate();
        t.Update(name, records, isDefault, now);
        return t;
    }

    public void Update(string name, IReadOnlyList<DnsTemplateRecord> records, bool isDefault, DateTimeOffset now)
    {
        var clean = Text.Clean(name);
        var v = new Validator().Require(clean is { Length: >= 1 and <= 100 }, "name", "A template name is 1 to 100 characters.")
            .Require(records.Count is >= 1 and <= 100, "records", "A template has 1 to 100 records.");
        // Render against a sample domain so that every line is checked with the record rules.
        for (var i = 0; i < records.Count; i++)
        {
            try { Render([records[i]], "example.com", "192.0.2.1", "2001:db8::1"); }
            catch (DomainException ex) when (ex.Error is ValidationError e)
            {
                v.Require(false, $"records[{i}]", $"Line {i + 1}: " + string.Join(" ", e.Fields.SelectMany(f => f.Value)));
            }
        }
        v.ThrowIfInvalid();
        Name = clean!;
        Records = [.. records];
        IsDefault = isDefault;
        UpdatedAt = now;
    }

    public void ClearDefault() => IsDefault = false;

    /// <summary>The records for <paramref name="zone"/>; lines whose placeholder has no value (no IPv6) are left out.</summary>
    public static IReadOnlyList<DnsRecordData> Render(IEnumerable<DnsTemplateRecord> records, string zone, string ip, string? ip6)
    {
        var result = new List<DnsRecordData>();
        foreach (var r in records)
        {
            if ((r.Content.Contains("{ip6}", StringComparison.Ordinal) || r.Name.Contains("{ip6}", StringComparison.Ordinal)) && string.IsNullOrWhiteSpace(ip6)) continue;
            string Fill(string s) => s.Replace("{domain}", zone, StringComparison.Ordinal).Replace("{ip6}", ip6 ?? "", StringComparison.Ordinal).Replace("{ip}", ip, StringComparison.Ordinal);
            var data = DnsRecordData.Create(zone, Fill(r.Name), r.Type, Fill(r.Content), r.Ttl, r.Priority);
            if (!result.Contains(data)) result.Add(data);
        }
        return result;
    }
}
