using MPanel.Domain.Common;

namespace MPanel.Domain.DnsZones;

/// <summary>One rrset as the DNS server holds it: absolute name with trailing dot, type, TTL, contents in presentation form.</summary>
public sealed record DnsRrset(string Name, string Type, int Ttl, IReadOnlyList<string> Contents);

/// <summary>A zone as the DNS server holds it.</summary>
public sealed record DnsServerZone(string Name, long Serial, IReadOnlyList<DnsRrset> Rrsets);

/// <summary>The authoritative DNS server (PowerDNS through its HTTP API). Zone names are ASCII without trailing dot.</summary>
public interface IDnsProvider
{
    /// <summary>Creates the zone if it does not exist; true when it was created now.</summary>
    Task<bool> EnsureZoneAsync(string zone, IReadOnlyList<string> nameservers, CancellationToken ct);
    /// <summary>Null when the server does not have the zone.</summary>
    Task<DnsServerZone?> GetZoneAsync(string zone, CancellationToken ct);
    /// <summary>Replaces and deletes rrsets in one transaction. A rejected record is a <see cref="DnsServerRejectedError"/>.</summary>
    Task ApplyAsync(string zone, IReadOnlyList<DnsRrset> replace, IReadOnlyList<(string Name, string Type)> delete, CancellationToken ct);
    /// <summary>False when there was no such zone.</summary>
    Task<bool> DeleteZoneAsync(string zone, CancellationToken ct);
}

/// <summary>The DNS server refused a change (PowerDNS 422): shown on the content field.</summary>
public sealed record DnsServerRejectedError(string Detail) : ValidationError(new Dictionary<string, string[]> { ["content"] = [$"The DNS server rejected the change: {Detail}"] });

/// <summary>The DNS server could not be reached or failed; nothing was changed in MPanel.</summary>
public sealed record DnsServerUnavailableError(string Detail) : DomainError("dns_unavailable", $"The DNS server is not available ({Detail}). Nothing was changed; try again in a moment.");
