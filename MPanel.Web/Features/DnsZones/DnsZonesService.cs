using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Common;
using MPanel.Domain.DnsZones;
using MPanel.Infrastructure.Dns;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using Npgsql;

namespace MPanel.Web.Features.DnsZones;

public sealed record DnsZoneRow(Guid Id, string Name, string DisplayName, Guid CustomerId, string CustomerName, int RecordCount, long Serial,
    DnsZoneStatus Status, DateTimeOffset UpdatedAt);

public sealed record DnsRecordView(Guid Id, string Name, DnsRecordType Type, string Content, string DisplayContent, int Ttl, int? Priority, string Fqdn);

public sealed record DnsZoneView(Guid Id, string Name, string DisplayName, Guid CustomerId, string CustomerName, Guid? SubscriptionId, long Serial,
    DnsZoneStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<DnsRecordView> Records);

/// <summary>A record as a form or an API body sends it. SRV content is "weight port target"; TXT is plain text or quoted strings.</summary>
public sealed record DnsRecordInput(string? Name, DnsRecordType Type, string? Content, int? Ttl = null, int? Priority = null);

public sealed record CreateDnsZoneRequest(Guid CustomerId, string Name, Guid? SubscriptionId = null, Guid? TemplateId = null, bool ApplyTemplate = true);

public sealed record ZoneImportRequest(string Text, bool Replace = false);

public sealed record ZoneImportResult(int Imported, int Unchanged, int Skipped);

/// <summary>One rrset that differs between MPanel and PowerDNS ("(missing)" / "(none)" when one side lacks it).</summary>
public sealed record DnsDriftItem(string Name, string Type, string Expected, string Actual);

public sealed record DnsTemplateView(Guid Id, string Name, bool IsDefault, IReadOnlyList<DnsTemplateRecord> Records, uint Version);

public sealed record SaveDnsTemplateRequest(string Name, IReadOnlyList<DnsTemplateRecord> Records, bool IsDefault);

public sealed class DnsZonesOptions
{
    /// <summary>Provisioning:WebIp: the web server address template records point at ({ip}).</summary>
    public string WebIp { get; set; } = "127.0.0.1";
    /// <summary>Provisioning:WebIp6: optional IPv6 address ({ip6}); empty leaves AAAA lines of templates out.</summary>
    public string? WebIp6 { get; set; }
}

/// <summary>DNS zones of the current tenant (staff), or of one customer (<see cref="ForCustomer"/>, for the client area).
/// MPanel's database is the source of truth: a change is saved in a transaction, the touched rrsets are pushed to
/// PowerDNS (REPLACE/DELETE, one PATCH), and only then committed — a refused or failed push changes nothing. The zone row is
/// locked for the change, so concurrent edits of one zone queue up instead of overwriting each other's rrsets.</summary>
public sealed class DnsZonesService(TenantScopeFactory scopes, TimeProvider clock, IOptions<PowerDnsOptions> pdns, IOptions<DnsZonesOptions> options)
{
    private Guid? _customerId;

    /// <summary>The same service restricted to one customer's zones: others answer 404, templates are not offered.</summary>
    public DnsZonesService ForCustomer(Guid customerId) => new(scopes, clock, pdns, options) { _customerId = customerId };

    public bool IsCustomerScope => _customerId is not null;

    private IQueryable<DnsZone> Zones(TenantScope scope)
    {
        var q = scope.Db.DnsZones.AsQueryable();
        return _customerId is { } c ? q.Where(z => z.CustomerId == c) : q;
    }

    // ----------------------------------------------------------------- reads ---

    public async Task<Paged<DnsZoneRow>> ListAsync(PageQuery page, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var zones = Zones(scope).AsNoTracking();
        if (page.SearchTerm is { } term)
        {
            // Search by Unicode or punycode name, and by customer.
            var ascii = DnsName.TryParseHost(term, out _) ?? term.ToLowerInvariant();
            var like = PagingExtensions.LikePattern(ascii);
            var likeRaw = PagingExtensions.LikePattern(term);
            zones = zones.Where(z => EF.Functions.ILike(z.Name, like) || scope.Db.Customers.Any(c => c.Id == z.CustomerId
                && (EF.Functions.ILike(c.FirstName + " " + c.LastName, likeRaw) || EF.Functions.ILike(c.Email, likeRaw))));
        }
        var total = await zones.CountAsync(ct);
        var ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("updatedat", false) => zones.OrderBy(z => z.UpdatedAt),
            ("updatedat", true) => zones.OrderByDescending(z => z.UpdatedAt),
            ("name", true) or ("displayname", true) => zones.OrderByDescending(z => z.Name),
            _ => zones.OrderBy(z => z.Name),
        };
        var rows = await ordered.ThenBy(z => z.Id).Page(page)
            .Select(z => new
            {
                z.Id, z.Name, z.CustomerId, z.Serial, z.Status, z.UpdatedAt,
                Count = scope.Db.DnsRecords.Count(r => r.ZoneId == z.Id),
                Customer = scope.Db.Customers.Where(c => c.Id == z.CustomerId).Select(c => c.FirstName + " " + c.LastName).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return new Paged<DnsZoneRow>(rows.Select(r => new DnsZoneRow(r.Id, r.Name, DnsName.ToUnicode(r.Name), r.CustomerId, r.Customer ?? "",
            r.Count, r.Serial, r.Status, r.UpdatedAt)).ToList(), total);
    }

    public async Task<DnsZoneView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var zone = await Zones(scope).AsNoTracking().Include(z => z.Records).FirstOrDefaultAsync(z => z.Id == id, ct)
            ?? throw new NotFoundError("DNS zone", id).ToException();
        var customer = await scope.Db.Customers.AsNoTracking().Where(c => c.Id == zone.CustomerId)
            .Select(c => c.FirstName + " " + c.LastName).FirstOrDefaultAsync(ct);
        return ToView(zone, customer ?? "");
    }

    public async Task<IReadOnlyList<(Guid Id, string Name)>> CustomersAsync(string? search, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var q = scope.Db.Customers.AsNoTracking();
        if (_customerId is { } c) q = q.Where(x => x.Id == c);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var like = PagingExtensions.LikePattern(search.Trim());
            q = q.Where(x => EF.Functions.ILike(x.FirstName + " " + x.LastName, like) || EF.Functions.ILike(x.Email, like));
        }
        var rows = await q.OrderBy(x => x.LastName).ThenBy(x => x.FirstName).Take(20).Select(x => new { x.Id, Name = x.FirstName + " " + x.LastName + " <" + x.Email + ">" }).ToListAsync(ct);
        return rows.Select(r => (r.Id, r.Name)).ToList();
    }

    // ---------------------------------------------------------------- zones ---

    public async Task<DnsZoneView> CreateAsync(CreateDnsZoneRequest request, CancellationToken ct = default)
    {
        if (_customerId is { } own && request.CustomerId != own) throw new ForbiddenError("You can only create zones for your own account.").ToException();
        Guid id;
        await using (var scope = scopes.Create())
        {
            if (!await scope.Db.Customers.AnyAsync(c => c.Id == request.CustomerId, ct))
                throw ValidationError.For("customerId", "Choose a customer.").ToException();
            var zone = DnsZone.Create(request.CustomerId, request.SubscriptionId, request.Name, clock.GetUtcNow());
            var records = await InitialRecordsAsync(scope, zone.Name, request.ApplyTemplate ? request.TemplateId : null, request.ApplyTemplate, ct);
            id = await CreateInScopeAsync(scope, zone, records, ct);
        }
        return await GetAsync(id, ct);
    }

    /// <summary>Provisioning: the zone for a subscription's primary domain, from the tenant's default template. Idempotent:
    /// an existing zone of this tenant is re-pushed (repair) instead of created again.</summary>
    public async Task<Guid> EnsureZoneAsync(Guid customerId, Guid? subscriptionId, string domain, CancellationToken ct = default)
    {
        var name = DnsName.TryParseDomain(domain, out var error) ?? throw ValidationError.For("name", error ?? "Invalid domain.").ToException();
        await using (var scope = scopes.Create())
        {
            var existing = await Zones(scope).AsNoTracking().FirstOrDefaultAsync(z => z.Name == name, ct);
            if (existing is null)
            {
                var zone = DnsZone.Create(customerId, subscriptionId, name, clock.GetUtcNow());
                var records = await InitialRecordsAsync(scope, name, null, true, ct);
                try
                {
                    return await CreateInScopeAsync(scope, zone, records, ct);
                }
                catch (DomainException ex) when (ex.Error is ValidationError v && v.Fields.ContainsKey("name"))
                {
                    // Lost a race with another run of the same step, or the name belongs to another tenant.
                    await using var again = scopes.Create();
                    if (!await Zones(again).AnyAsync(z => z.Name == name, ct)) throw;
                }
            }
        }
        await using var repairScope = scopes.Create();
        var id = await Zones(repairScope).Where(z => z.Name == name).Select(z => z.Id).FirstAsync(ct);
        await RepairAsync(id, ct);
        return id;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var zone = await Zones(scope).Include(z => z.Records).FirstOrDefaultAsync(z => z.Id == id, ct)
            ?? throw new NotFoundError("DNS zone", id).ToException();
        await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
        scope.Db.DnsZones.Remove(zone);
        await scope.Db.SaveChangesAsync(ct);
        await scope.Get<IDnsProvider>().DeleteZoneAsync(zone.Name, ct); // 404: already gone, fine
        await tx.CommitAsync(ct);
    }

    /// <summary>Provisioning terminate: removes the zone by name (and from PowerDNS even when MPanel has no row).</summary>
    public async Task DeleteByNameAsync(string domain, CancellationToken ct = default)
    {
        var name = DnsName.TryParseDomain(domain, out _) ?? domain.Trim().TrimEnd('.').ToLowerInvariant();
        Guid? id;
        await using (var scope = scopes.Create())
            id = await Zones(scope).Where(z => z.Name == name).Select(z => (Guid?)z.Id).FirstOrDefaultAsync(ct);
        if (id is { } zoneId) await DeleteAsync(zoneId, ct);
        else
        {
            await using var scope = scopes.Create();
            // Only when no tenant owns the name on this platform: never delete another tenant's zone.
            using (scope.Get<CrossTenantAccess>().BeginSystem())
                if (await scope.Db.DnsZones.AnyAsync(z => z.Name == name, ct)) return;
            await scope.Get<IDnsProvider>().DeleteZoneAsync(name, ct);
        }
    }

    public async Task<Guid?> FindIdByNameAsync(string domain, CancellationToken ct = default)
    {
        var name = DnsName.TryParseDomain(domain, out _);
        if (name is null) return null;
        await using var scope = scopes.Create();
        return await Zones(scope).Where(z => z.Name == name).Select(z => (Guid?)z.Id).FirstOrDefaultAsync(ct);
    }

    // -------------------------------------------------------------- records ---

    public Task<DnsZoneView> AddRecordAsync(Guid zoneId, DnsRecordInput input, CancellationToken ct = default) =>
        ChangeAsync(zoneId, zone =>
        {
            var record = zone.AddRecord(DnsRecordData.Create(zone.Name, input.Name, input.Type, input.Content, input.Ttl, input.Priority), clock.GetUtcNow());
            return [record.Key];
        }, ct);

    public Task<DnsZoneView> UpdateRecordAsync(Guid zoneId, Guid recordId, DnsRecordInput input, CancellationToken ct = default) =>
        ChangeAsync(zoneId, zone =>
        {
            var (before, after) = zone.UpdateRecord(recordId, DnsRecordData.Create(zone.Name, input.Name, input.Type, input.Content, input.Ttl, input.Priority), clock.GetUtcNow());
            return [before, after];
        }, ct);

    public Task<DnsZoneView> DeleteRecordAsync(Guid zoneId, Guid recordId, CancellationToken ct = default) =>
        ChangeAsync(zoneId, zone => [zone.RemoveRecord(recordId, clock.GetUtcNow())], ct);

    /// <summary>Imports a zone file: every line is checked first (errors name their lines; nothing is imported then).
    /// Without <see cref="ZoneImportRequest.Replace"/> records are added to the zone (existing ones are left); with it the
    /// zone's records become the file's. SOA and apex NS lines are skipped: MPanel's nameservers stay authoritative.</summary>
    public async Task<ZoneImportResult> ImportAsync(Guid zoneId, ZoneImportRequest request, CancellationToken ct = default)
    {
        if (request.Text is null || request.Text.Length > 1_000_000) throw ValidationError.For("text", "Paste a zone file of at most 1 MB.").ToException();
        var result = (Imported: 0, Unchanged: 0, Skipped: 0);
        await ChangeAsync(zoneId, zone =>
        {
            var parsed = ZoneFile.Parse(zone.Name, request.Text);
            if (parsed.Errors.Count > 0)
                throw new ValidationError(new Dictionary<string, string[]> { ["text"] = parsed.Errors.Select(e => $"Line {e.Line}: {e.Message}").ToArray() }).ToException();
            var apexNs = parsed.Records.Where(r => r.Name == "@" && r.Type == DnsRecordType.NS).ToList();
            var wanted = parsed.Records.Except(apexNs).Distinct().ToList();
            result.Skipped = parsed.SkippedSoa + apexNs.Count;
            var now = clock.GetUtcNow();
            if (request.Replace)
            {
                var keep = zone.Data.Where(r => r.Name == "@" && r.Type == DnsRecordType.NS).ToList();
                var before = zone.Data.ToHashSet();
                var keys = zone.ReplaceAll([.. keep, .. wanted], now);
                result.Imported = wanted.Count(r => !before.Contains(r));
                result.Unchanged = wanted.Count - result.Imported;
                return keys;
            }
            var touched = new List<RrsetKey>();
            foreach (var data in wanted)
            {
                if (zone.Data.Any(r => r.Name == data.Name && r.Type == data.Type && r.Content == data.Content && r.Priority == data.Priority))
                {
                    result.Unchanged++;
                    continue;
                }
                touched.Add(zone.AddRecord(data, now).Key);
                result.Imported++;
            }
            return touched;
        }, ct);
        return new ZoneImportResult(result.Imported, result.Unchanged, result.Skipped);
    }

    public async Task<(string FileName, string Text)> ExportAsync(Guid zoneId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var zone = await Zones(scope).AsNoTracking().Include(z => z.Records).FirstOrDefaultAsync(z => z.Id == zoneId, ct)
            ?? throw new NotFoundError("DNS zone", zoneId).ToException();
        string? soa = null;
        try
        {
            var server = await scope.Get<IDnsProvider>().GetZoneAsync(zone.Name, ct);
            soa = server?.Rrsets.FirstOrDefault(r => r.Type == "SOA")?.Contents.FirstOrDefault();
        }
        catch (DomainException ex) when (ex.Error is DnsServerUnavailableError) { }
        return ($"{zone.Name}.zone", ZoneFile.Export(zone.Name, zone.Data, soa, clock.GetUtcNow()));
    }

    // ---------------------------------------------------------------- drift ---

    /// <summary>Compares the zone's rrsets in MPanel with PowerDNS's (SOA excluded). Empty: in sync.</summary>
    public async Task<IReadOnlyList<DnsDriftItem>> FindDriftAsync(Guid zoneId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var zone = await Zones(scope).AsNoTracking().Include(z => z.Records).FirstOrDefaultAsync(z => z.Id == zoneId, ct)
            ?? throw new NotFoundError("DNS zone", zoneId).ToException();
        var server = await scope.Get<IDnsProvider>().GetZoneAsync(zone.Name, ct);
        if (server is null) return [new DnsDriftItem(zone.Name, "zone", "present", "(missing)")];
        var expected = Desired(zone).ToDictionary(r => (r.Name.ToLowerInvariant(), r.Type));
        var actual = server.Rrsets.Where(r => r.Type != "SOA").ToDictionary(r => (r.Name.ToLowerInvariant(), r.Type));
        var drift = new List<DnsDriftItem>();
        foreach (var key in expected.Keys.Union(actual.Keys).OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Type, StringComparer.Ordinal))
        {
            expected.TryGetValue(key, out var e);
            actual.TryGetValue(key, out var a);
            var es = e is null ? "(none)" : Describe(e);
            var @as = a is null ? "(missing)" : Describe(a);
            if (!string.Equals(es, @as, StringComparison.OrdinalIgnoreCase)) drift.Add(new DnsDriftItem(key.Item1.TrimEnd('.'), key.Type, es, @as));
        }
        return drift;
    }

    /// <summary>Makes PowerDNS hold exactly MPanel's rrsets: creates the zone if missing, replaces every rrset, deletes extras.</summary>
    public async Task<IReadOnlyList<DnsDriftItem>> RepairAsync(Guid zoneId, CancellationToken ct = default)
    {
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            var zone = await LockAndLoadAsync(scope, zoneId, ct);
            await SyncAllAsync(scope, zone, ct);
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return await FindDriftAsync(zoneId, ct);
    }

    // ------------------------------------------------------------- templates ---

    public async Task<IReadOnlyList<DnsTemplateView>> TemplatesAsync(CancellationToken ct = default)
    {
        EnsureStaff();
        await using var scope = scopes.Create();
        var list = await scope.Db.DnsZoneTemplates.AsNoTracking().OrderByDescending(t => t.IsDefault).ThenBy(t => t.Name).ToListAsync(ct);
        return list.Select(t => new DnsTemplateView(t.Id, t.Name, t.IsDefault, t.Records, t.Version)).ToList();
    }

    public static IReadOnlyList<DnsTemplateRecord> BuiltInTemplate => DnsZoneTemplate.BuiltIn;

    public async Task<DnsTemplateView> SaveTemplateAsync(Guid? id, SaveDnsTemplateRequest request, CancellationToken ct = default)
    {
        EnsureStaff();
        await using var scope = scopes.Create();
        var now = clock.GetUtcNow();
        DnsZoneTemplate template;
        if (id is { } existing)
        {
            template = await scope.Db.DnsZoneTemplates.FirstOrDefaultAsync(t => t.Id == existing, ct) ?? throw new NotFoundError("Zone template", existing).ToException();
            template.Update(request.Name, request.Records ?? [], request.IsDefault, now);
        }
        else
        {
            template = DnsZoneTemplate.Create(request.Name, request.Records ?? [], request.IsDefault, now);
            scope.Db.DnsZoneTemplates.Add(template);
        }
        if (template.IsDefault)
            foreach (var other in await scope.Db.DnsZoneTemplates.Where(t => t.IsDefault && t.Id != template.Id).ToListAsync(ct)) other.ClearDefault();
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw ValidationError.For("name", "Another template has this name.").ToException();
        }
        return new DnsTemplateView(template.Id, template.Name, template.IsDefault, template.Records, template.Version);
    }

    public async Task DeleteTemplateAsync(Guid id, CancellationToken ct = default)
    {
        EnsureStaff();
        await using var scope = scopes.Create();
        var template = await scope.Db.DnsZoneTemplates.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundError("Zone template", id).ToException();
        scope.Db.DnsZoneTemplates.Remove(template);
        await scope.Db.SaveChangesAsync(ct);
    }

    // ------------------------------------------------------------- plumbing ---

    private void EnsureStaff()
    {
        if (_customerId is not null) throw new ForbiddenError("Zone templates are managed by staff.").ToException();
    }

    private async Task<IReadOnlyList<DnsRecordData>> InitialRecordsAsync(TenantScope scope, string zone, Guid? templateId, bool applyTemplate, CancellationToken ct)
    {
        var records = new List<DnsRecordData>();
        foreach (var ns in pdns.Value.Nameservers) records.Add(DnsRecordData.Create(zone, "@", DnsRecordType.NS, ns, DnsRecordData.DefaultTtl, null));
        if (!applyTemplate) return records;
        IReadOnlyList<DnsTemplateRecord> lines;
        if (templateId is { } tid)
            lines = (await scope.Db.DnsZoneTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == tid, ct) ?? throw ValidationError.For("templateId", "Choose a template.").ToException()).Records;
        else
            lines = (await scope.Db.DnsZoneTemplates.AsNoTracking().Where(t => t.IsDefault).Select(t => t.Records).FirstOrDefaultAsync(ct)) ?? DnsZoneTemplate.BuiltIn;
        foreach (var r in DnsZoneTemplate.Render(lines, zone, options.Value.WebIp, options.Value.WebIp6))
            if (!records.Contains(r)) records.Add(r);
        return records;
    }

    private async Task<Guid> CreateInScopeAsync(TenantScope scope, DnsZone zone, IReadOnlyList<DnsRecordData> records, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var r in records) zone.AddRecord(r, now);
        await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
        scope.Db.DnsZones.Add(zone);
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw ValidationError.For("name", $"The zone {zone.DisplayName} is already hosted here.").ToException();
        }
        await SyncAllAsync(scope, zone, ct);
        await scope.Db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return zone.Id;
    }

    /// <summary>Loads the zone under a row lock (inside the caller's transaction), applies the change, saves, pushes the
    /// touched rrsets, records PowerDNS's new serial and commits.</summary>
    private async Task<DnsZoneView> ChangeAsync(Guid zoneId, Func<DnsZone, IEnumerable<RrsetKey>> change, CancellationToken ct)
    {
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            var zone = await LockAndLoadAsync(scope, zoneId, ct);
            var keys = change(zone).Distinct().ToList();
            await scope.Db.SaveChangesAsync(ct);
            var dns = scope.Get<IDnsProvider>();
            await PushAsync(dns, zone, keys, ct);
            if (await dns.GetZoneAsync(zone.Name, ct) is { } server) zone.RecordSerial(server.Serial);
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return await GetAsync(zoneId, ct);
    }

    private async Task<DnsZone> LockAndLoadAsync(TenantScope scope, Guid zoneId, CancellationToken ct)
    {
        // The filter (tenant, customer) runs first; FOR UPDATE then queues concurrent changes of this zone.
        if (!await Zones(scope).AnyAsync(z => z.Id == zoneId, ct)) throw new NotFoundError("DNS zone", zoneId).ToException();
        await scope.Db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM dns_zones WHERE id = {zoneId} FOR UPDATE", ct);
        return await Zones(scope).Include(z => z.Records).FirstAsync(z => z.Id == zoneId, ct);
    }

    private static async Task PushAsync(IDnsProvider dns, DnsZone zone, IReadOnlyList<RrsetKey> keys, CancellationToken ct)
    {
        var replace = new List<DnsRrset>();
        var delete = new List<(string, string)>();
        foreach (var key in keys)
        {
            var set = zone.Rrset(key);
            var fqdn = PowerDnsClient.Canonical(key.Name == "@" ? zone.Name : $"{key.Name}.{zone.Name}");
            if (set.Count == 0) delete.Add((fqdn, key.Type.ToString()));
            else replace.Add(new DnsRrset(fqdn, key.Type.ToString(), set[0].Ttl, set.Select(r => r.WireContent).ToList()));
        }
        await dns.ApplyAsync(zone.Name, replace, delete, ct);
    }

    /// <summary>Creates the zone on PowerDNS if needed, replaces every rrset MPanel has and deletes the ones it has not.</summary>
    private async Task SyncAllAsync(TenantScope scope, DnsZone zone, CancellationToken ct)
    {
        var dns = scope.Get<IDnsProvider>();
        await dns.EnsureZoneAsync(zone.Name, pdns.Value.Nameservers, ct);
        var server = await dns.GetZoneAsync(zone.Name, ct);
        var desired = Desired(zone).ToList();
        var wanted = desired.Select(d => (d.Name.ToLowerInvariant(), d.Type)).ToHashSet();
        var extra = (server?.Rrsets ?? []).Where(r => r.Type != "SOA" && !wanted.Contains((r.Name.ToLowerInvariant(), r.Type)))
            .Select(r => (r.Name, r.Type)).ToList();
        await dns.ApplyAsync(zone.Name, desired, extra, ct);
        if (await dns.GetZoneAsync(zone.Name, ct) is { } after) zone.RecordSerial(after.Serial);
    }

    private static IEnumerable<DnsRrset> Desired(DnsZone zone) =>
        zone.Data.GroupBy(r => r.Key()).Select(g => new DnsRrset(
            PowerDnsClient.Canonical(g.Key.Name == "@" ? zone.Name : $"{g.Key.Name}.{zone.Name}"),
            g.Key.Type.ToString(), g.First().Ttl, g.Select(r => r.WireContent).ToList()));

    private static string Describe(DnsRrset r) =>
        $"{r.Ttl} " + string.Join(" | ", r.Contents.Select(c => c.Trim()).Order(StringComparer.OrdinalIgnoreCase));

    private static DnsZoneView ToView(DnsZone z, string customer) => new(z.Id, z.Name, z.DisplayName, z.CustomerId, customer, z.SubscriptionId, z.Serial,
        z.Status, z.CreatedAt, z.UpdatedAt,
        z.Records.OrderBy(r => r.Name == "@" ? "" : r.Name, StringComparer.Ordinal).ThenBy(r => r.Type).ThenBy(r => r.Priority).ThenBy(r => r.Content, StringComparer.Ordinal)
            .Select(r => new DnsRecordView(r.Id, r.Name, r.Type, r.Content, r.Data.DisplayContent, r.Ttl, r.Priority, r.Data.FqdnIn(z.Name))).ToList());
}

internal static class DnsRecordDataKeys
{
    public static RrsetKey Key(this DnsRecordData r) => new(r.Name, r.Type);
}
