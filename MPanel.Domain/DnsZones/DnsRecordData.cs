using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MPanel.Domain.Common;

namespace MPanel.Domain.DnsZones;

public enum DnsRecordType { A, AAAA, CNAME, MX, TXT, NS, SRV, CAA }

/// <summary>One validated record of a zone, in MPanel's normal form: <see cref="Name"/> relative to the zone ("@" for the
/// apex, "www", "_dmarc", "*.dev"), <see cref="Content"/> without the priority (MX: the host; SRV: "weight port target";
/// TXT: quoted 255-byte strings; CAA: <c>flags tag "value"</c>), host names in punycode without the trailing dot.
/// Build it with <see cref="Create"/>, which reports every field error at once; afterwards it is trusted.</summary>
public sealed record DnsRecordData(string Name, DnsRecordType Type, string Content, int Ttl, int? Priority)
{
    public const int MinTtl = 60;
    public const int MaxTtl = 604_800;
    public const int DefaultTtl = 3600;
    public const int MaxTxtLength = 4000;

    public static readonly IReadOnlySet<string> CaaTags = new HashSet<string>(StringComparer.Ordinal) { "issue", "issuewild", "iodef" };

    /// <summary>Validates and normalises one record of <paramref name="zone"/> (ASCII zone name). Field errors use the
    /// keys name, content, ttl and priority.</summary>
    public static DnsRecordData Create(string zone, string? name, DnsRecordType type, string? content, int? ttl, int? priority)
    {
        var v = new Validator();
        var relative = ParseName(zone, name, out var nameError);
        v.Require(nameError is null, "name", nameError ?? "");
        var time = ttl ?? DefaultTtl;
        v.Require(time is >= MinTtl and <= MaxTtl, "ttl", $"TTL must be between {MinTtl} and {MaxTtl} seconds.");
        string? normal = null;
        string? contentError = null;
        int? prio = null;
        switch (type)
        {
            case DnsRecordType.A:
                normal = ParseIp(content, AddressFamily.InterNetwork, out contentError);
                break;
            case DnsRecordType.AAAA:
                normal = ParseIp(content, AddressFamily.InterNetworkV6, out contentError);
                break;
            case DnsRecordType.CNAME:
                normal = ParseTarget(zone, content, out contentError);
                v.Require(relative != "@", "name", "A CNAME cannot be at the zone apex (@); use A/AAAA records there.");
                break;
            case DnsRecordType.NS:
                normal = ParseTarget(zone, content, out contentError);
                break;
            case DnsRecordType.MX:
                normal = ParseTarget(zone, content, out contentError);
                v.Require(priority is >= 0 and <= 65535, "priority", "MX priority must be between 0 and 65535.");
                prio = priority;
                break;
            case DnsRecordType.SRV:
                normal = ParseSrv(zone, content, out contentError);
                v.Require(priority is >= 0 and <= 65535, "priority", "SRV priority must be between 0 and 65535.");
                v.Require(relative is null || IsSrvOwner(relative), "name", "An SRV name looks like _service._proto (e.g. _sip._tcp).");
                prio = priority;
                break;
            case DnsRecordType.TXT:
                normal = ParseTxt(content, out contentError);
                break;
            case DnsRecordType.CAA:
                normal = ParseCaa(content, out contentError);
                break;
            default:
                contentError = "Unsupported record type.";
                break;
        }
        v.Require(contentError is null, "content", contentError ?? "");
        v.ThrowIfInvalid();
        return new DnsRecordData(relative!, type, normal!, time, prio);
    }

    /// <summary>The owner name as a fully qualified ASCII name without trailing dot.</summary>
    public string FqdnIn(string zone) => Name == "@" ? zone : $"{Name}.{zone}";

    /// <summary>The content as PowerDNS and zone files want it (priority first, absolute names with a trailing dot).</summary>
    public string WireContent => Type switch
    {
        DnsRecordType.CNAME or DnsRecordType.NS => Content + ".",
        DnsRecordType.MX => $"{Priority} {Dot(Content)}",
        DnsRecordType.SRV => $"{Priority} {SrvWire(Content)}",
        _ => Content,
    };

    /// <summary>What a person reads in the grid: TXT unquoted and joined, the rest as stored.</summary>
    public string DisplayContent => Type == DnsRecordType.TXT ? TxtText(Content) : Content;

    /// <summary>Reads a record back from PowerDNS's presentation form (for zone-file import and drift).</summary>
    public static DnsRecordData FromWire(string zone, string fqdn, DnsRecordType type, string wireContent, int ttl)
    {
        var relative = RelativeOf(zone, fqdn.TrimEnd('.'));
        var parts = wireContent.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        return type switch
        {
            DnsRecordType.MX or DnsRecordType.SRV when parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var p)
                => Create(zone, relative, type, parts[1], ttl, p),
            _ => Create(zone, relative, type, wireContent, ttl, null),
        };
    }

    // ------------------------------------------------------------------ names ---

    /// <summary>"@", "", the zone itself, "www", "www.example.com." → the relative form ("@", "www").</summary>
    public static string? ParseName(string zone, string? name, out string? error)
    {
        error = null;
        var text = name?.Trim() ?? "";
        if (text is "" or "@") return "@";
        var absolute = text.EndsWith('.');
        var ascii = DnsName.TryParse(text, allowUnderscore: true, allowWildcard: true, minLabels: 1, out error);
        if (ascii is null) return null;
        if (ascii == zone) return "@";
        if (ascii.EndsWith("." + zone, StringComparison.Ordinal)) ascii = ascii[..^(zone.Length + 1)];
        else if (absolute)
        {
            error = $"The name must be inside the zone {zone}.";
            return null;
        }
        if (ascii.Length + 1 + zone.Length > 253)
        {
            error = "The full name is longer than 253 characters.";
            return null;
        }
        return ascii;
    }

    public static string RelativeOf(string zone, string fqdn)
    {
        var name = fqdn.TrimEnd('.').ToLowerInvariant();
        if (name == zone) return "@";
        return name.EndsWith("." + zone, StringComparison.Ordinal) ? name[..^(zone.Length + 1)] : name + ".";
    }

    private static bool IsSrvOwner(string relative)
    {
        var labels = relative.Split('.');
        return labels.Length >= 2 && labels[0].StartsWith('_') && labels[1] is "_tcp" or "_udp" or "_tls" or "_sctp";
    }

    /// <summary>A target host: absolute ("mail.example.net" or "mail.example.net."), or "@" for the zone apex.</summary>
    private static string? ParseTarget(string zone, string? content, out string? error)
    {
        var text = content?.Trim();
        if (text == "@") { error = null; return zone; }
        return DnsName.TryParseHost(text, out error) is { } host && host.Contains('.')
            ? host
            : Fail(ref error, error ?? "Enter a fully qualified host name, e.g. mail.example.com.");
    }

    private static string? Fail(ref string? error, string message)
    {
        error = message;
        return null;
    }

    private static string Dot(string host) => host == "." ? "." : host + ".";

    // --------------------------------------------------------------- content ---

    private static string? ParseIp(string? content, AddressFamily family, out string? error)
    {
        error = null;
        var text = content?.Trim() ?? "";
        var label = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
        // IPAddress.TryParse accepts "1", "1.2" and "0x7f.1" for IPv4: insist on a dotted quad of decimal numbers.
        if (family == AddressFamily.InterNetwork)
        {
            var parts = text.Split('.');
            if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, CultureInfo.InvariantCulture) > 255))
            {
                error = $"Enter an {label} address like 192.0.2.10.";
                return null;
            }
        }
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != family || (family == AddressFamily.InterNetworkV6 && text.Contains('%')))
        {
            error = family == AddressFamily.InterNetwork ? "Enter an IPv4 address like 192.0.2.10." : "Enter an IPv6 address like 2001:db8::10.";
            return null;
        }
        return ip.ToString();
    }

    /// <summary>"weight port target" (the priority is its own field).</summary>
    private static string? ParseSrv(string zone, string? content, out string? error)
    {
        error = null;
        var parts = (content ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3)
        {
            error = "SRV content is \"weight port target\", e.g. 5 5060 sip.example.com.";
            return null;
        }
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > 65535)
            return Fail(ref error, "SRV weight must be between 0 and 65535.");
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            return Fail(ref error, "SRV port must be between 0 and 65535.");
        var target = parts[2] == "." ? "." : ParseTarget(zone, parts[2], out error);
        return target is null ? null : $"{weight} {port} {target}";
    }

    private static string SrvWire(string content)
    {
        var parts = content.Split(' ');
        return $"{parts[0]} {parts[1]} {Dot(parts[2])}";
    }

    /// <summary>Free text, or one or more quoted strings ("a" "b"); stored as quoted strings of at most 255 bytes each,
    /// with " and \ escaped and bytes outside printable ASCII as \DDD (the form PowerDNS answers with).</summary>
    private static string? ParseTxt(string? content, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(content)) return Fail(ref error, "TXT content is required.");
        var text = content.Trim();
        List<byte[]> strings;
        if (text.StartsWith('"'))
        {
            // Quoted strings keep their boundaries (DKIM keys and SPF are often published split on purpose).
            strings = ZoneFile.SplitQuoted(text, out var quoteError);
            if (quoteError is not null) return Fail(ref error, quoteError);
        }
        else
        {
            var all = Encoding.UTF8.GetBytes(content);
            strings = [];
            for (var offset = 0; offset < all.Length; offset += 255) strings.Add(all.AsSpan(offset, Math.Min(255, all.Length - offset)).ToArray());
        }
        var total = strings.Sum(s => s.Length);
        if (total == 0) return Fail(ref error, "TXT content is required.");
        if (total > MaxTxtLength) return Fail(ref error, $"TXT content is at most {MaxTxtLength} bytes.");
        var sb = new StringBuilder();
        foreach (var chunk in strings)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append('"');
            foreach (var b in chunk)
            {
                if (b is (byte)'"' or (byte)'\\') sb.Append('\\').Append((char)b);
                else if (b is >= 0x20 and < 0x7f) sb.Append((char)b);
                else sb.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
            sb.Append('"');
        }
        return sb.ToString();
    }

    /// <summary>The text of a stored TXT value: strings joined, escapes decoded.</summary>
    public static string TxtText(string stored)
    {
        var strings = ZoneFile.SplitQuoted(stored, out _);
        return Encoding.UTF8.GetString(strings.SelectMany(s => s).ToArray());
    }

    /// <summary><c>flags tag value</c>: flags 0–255, tag issue/issuewild/iodef, value quoted or bare.</summary>
    private static string? ParseCaa(string? content, out string? error)
    {
        error = null;
        var parts = (content ?? "").Trim().Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3) return Fail(ref error, "CAA content is \"flags tag value\", e.g. 0 issue \"letsencrypt.org\".");
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var flags) || flags > 255)
            return Fail(ref error, "CAA flags must be between 0 and 255 (usually 0, or 128 for critical).");
        var tag = parts[1].ToLowerInvariant();
        if (!CaaTags.Contains(tag)) return Fail(ref error, "CAA tag must be issue, issuewild or iodef.");
        var value = parts[2].Trim();
        if (value.StartsWith('"'))
        {
            if (value.Length < 2 || !value.EndsWith('"')) return Fail(ref error, "The CAA value's quotes are not closed.");
            value = value[1..^1];
        }
        if (value.Any(c => c is '"' or '\\' || c < 0x20 || c > 0x7e)) return Fail(ref error, "The CAA value may contain printable ASCII without quotes or backslashes.");
        if (tag == "iodef" && !(value.StartsWith("mailto:", StringComparison.Ordinal) || value.StartsWith("https://", StringComparison.Ordinal) || value.StartsWith("http://", StringComparison.Ordinal)))
            return Fail(ref error, "An iodef value is a mailto: or http(s):// URL.");
        if (tag is "issue" or "issuewild" && value.Length > 0)
        {
            var domain = value.Split(';', 2)[0].Trim();
            if (domain.Length > 0 && DnsName.TryParseHost(domain, out _) is null)
                return Fail(ref error, "The CAA issuer must be a domain name, e.g. letsencrypt.org (or empty to forbid issuance).");
        }
        return $"{flags} {tag} \"{value}\"";
    }
}
