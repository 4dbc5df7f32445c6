using MPanel.Domain.Common;

namespace MPanel.Domain.DnsZones;

public enum DnsZoneStatus { Active, Suspended }

/// <summary>A DNS zone hosted on MPanel's PowerDNS. MPanel's database is the source of truth: every change is saved here
/// and then pushed to PowerDNS as whole rrsets (name + type). The SOA belongs to PowerDNS (serial YYYYMMDDnn, raised on
/// every API change by the zone's soa_edit_api=DEFAULT); <see cref="Serial"/> is the last one PowerDNS reported.</summary>
public sealed class DnsZone : Entity, ITenantOwned, IVersioned
{
    public const int MaxRecords = 2000;
    private readonly List<DnsRecord> _records = [];

    private DnsZone() { }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public Guid? SubscriptionId { get; private set; }
    /// <summary>ASCII (punycode), lower case, no trailing dot.</summary>
    public string Name { get; private set; } = "";
    public long Serial { get; private set; }
    public DnsZoneStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }
    public IReadOnlyList<DnsRecord> Records => _records;

    /// <summary>The name as people write it (Unicode for IDNs).</summary>
    public string DisplayName => DnsName.ToUnicode(Name);

    public static DnsZone Create(Guid customerId, Guid? subscriptionId, string name, DateTimeOffset now)
    {
        var ascii = DnsName.TryParseDomain(name, out var error);
        new Validator().Require(ascii is not null, "name", error ?? "").Require(customerId != Guid.Empty, "customerId", "Choose a customer.").ThrowIfInvalid();
        return new DnsZone { CustomerId = customerId, SubscriptionId = subscriptionId, Name = ascii!, Status = DnsZoneStatus.Active, CreatedAt = now, UpdatedAt = now };
    }

    public IEnumerable<DnsRecordData> Data => _records.Select(r => r.Data);

    /// <summary>Adds a record; returns the rrset key it touched.</summary>
    public DnsRecord AddRecord(DnsRecordData data, DateTimeOffset now)
    {
        EnsureFits(data, exceptId: null);
        new Validator().Require(_records.Count < MaxRecords, "name", $"A zone holds at most {MaxRecords} records.").ThrowIfInvalid();
        var record = new DnsRecord(Id, TenantId, data);
        _records.Add(record);
        AlignTtl(record);
        UpdatedAt = now;
        return record;
    }

    /// <summary>Changes a record; returns the rrset keys before and after (both must be pushed).</summary>
    public (RrsetKey Before, RrsetKey After) UpdateRecord(Guid recordId, DnsRecordData data, DateTimeOffset now)
    {
        var record = Find(recordId);
        var before = record.Key;
        EnsureFits(data, exceptId: recordId);
        record.Change(data);
        AlignTtl(record);
        UpdatedAt = now;
        return (before, record.Key);
    }

    /// <summary>Every record of one rrset shares one TTL (PowerDNS keeps one per rrset): the latest edit wins for the set.</summary>
    private void AlignTtl(DnsRecord record)
    {
        foreach (var sibling in _records.Where(r => r.Id != record.Id && r.Key == record.Key && r.Ttl != record.Ttl))
            sibling.Change(sibling.Data with { Ttl = record.Ttl });
    }

    public RrsetKey RemoveRecord(Guid recordId, DateTimeOffset now)
    {
        var record = Find(recordId);
        _records.Remove(record);
        UpdatedAt = now;
        return record.Key;
    }

    /// <summary>Replaces every record (zone-file import with "replace"); returns every rrset key before and after.</summary>
    public IReadOnlySet<RrsetKey> ReplaceAll(IReadOnlyList<DnsRecordData> records, DateTimeOffset now)
    {
        var keys = _records.Select(r => r.Key).ToHashSet();
        _records.Clear();
        foreach (var data in records) AddRecord(data, now);
        keys.UnionWith(_records.Select(r => r.Key));
        UpdatedAt = now;
        return keys;
    }

    public void RecordSerial(long serial) => Serial = serial;

    public void SetStatus(DnsZoneStatus status, DateTimeOffset now)
    {
        Status = status;
        UpdatedAt = now;
    }

    /// <summary>The records of one rrset with the rrset's single TTL.</summary>
    public IReadOnlyList<DnsRecordData> Rrset(RrsetKey key) => _records.Where(r => r.Key == key).Select(r => r.Data).ToList();

    public IReadOnlySet<RrsetKey> RrsetKeys => _records.Select(r => r.Key).ToHashSet();

    private DnsRecord Find(Guid recordId) =>
        _records.FirstOrDefault(r => r.Id == recordId) ?? throw new NotFoundError("DNS record", recordId).ToException();

    /// <summary>CNAME exclusivity (RFC 1034 §3.6.2: a CNAME is alone at its name), no CNAME at the apex, no duplicates.</summary>
    private void EnsureFits(DnsRecordData data, Guid? exceptId)
    {
        var others = _records.Where(r => r.Id != exceptId && r.Name == data.Name).ToList();
        var v = new Validator();
        if (data.Type == DnsRecordType.CNAME)
        {
            v.Require(data.Name != "@", "name", "A CNAME cannot be at the zone apex (@).");
            v.Require(others.Count == 0, "name", $"{Label(data.Name)} already has other records; a CNAME must be the only record at its name.");
        }
        else
        {
            v.Require(others.All(r => r.Type != DnsRecordType.CNAME), "name", $"{Label(data.Name)} has a CNAME; a CNAME must be the only record at its name.");
        }
        v.Require(!others.Any(r => r.Type == data.Type && r.Content == data.Content && r.Priority == data.Priority), "content", "This record already exists.");
        v.ThrowIfInvalid();
    }

    private static string Label(string name) => name == "@" ? "The apex (@)" : $"'{name}'";
}

/// <summary>An rrset's identity: relative name and type.</summary>
public readonly record struct RrsetKey(string Name, DnsRecordType Type);

public sealed class DnsRecord : Entity, ITenantOwned
{
    private DnsRecord() { }

    internal DnsRecord(Guid zoneId, Guid tenantId, DnsRecordData data)
    {
        ZoneId = zoneId;
        TenantId = tenantId;
        Change(data);
    }

    public Guid TenantId { get; private set; }
    public Guid ZoneId { get; private set; }
    public string Name { get; private set; } = "";
    public DnsRecordType Type { get; private set; }
    public string Content { get; private set; } = "";
    public int Ttl { get; private set; }
    public int? Priority { get; private set; }

    public DnsRecordData Data => new(Name, Type, Content, Ttl, Priority);
    public RrsetKey Key => new(Name, Type);

    internal void Change(DnsRecordData data)
    {
        Name = data.Name;
        Type = data.Type;
        Content = data.Content;
        Ttl = data.Ttl;
        Priority = data.Priority;
    }
}
