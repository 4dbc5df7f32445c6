using System.Globalization;
using MPanel.Domain.Common;
using MPanel.Domain.DnsZones;

namespace MPanel.Web.Features.DnsZones;

/// <summary>The template editor's text form, one record per line, zone-file style: <c>name [ttl] TYPE [priority] content</c>,
/// e.g. <c>@ MX 10 mail.{domain}</c> or <c>www 300 A {ip}</c>. Lines starting with ';' are comments.</summary>
public static class TemplateLines
{
    public static string Format(IEnumerable<DnsTemplateRecord> records) => string.Join('\n', records.Select(r =>
        $"{r.Name}{(r.Ttl == DnsRecordData.DefaultTtl ? "" : " " + r.Ttl.ToString(CultureInfo.InvariantCulture))} {r.Type}{(r.Priority is { } p ? " " + p.ToString(CultureInfo.InvariantCulture) : "")} {r.Content}"));

    public static IReadOnlyList<DnsTemplateRecord> Parse(string text)
    {
        var records = new List<DnsTemplateRecord>();
        var v = new Validator();
        var lineNo = 0;
        foreach (var raw in (text ?? "").Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(';')) continue;
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            var name = parts[0];
            var rest = parts.Length > 1 ? parts[1] : "";
            var ttl = DnsRecordData.DefaultTtl;
            var next = rest.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (next.Length > 0 && next[0].All(char.IsAsciiDigit) && int.TryParse(next[0], CultureInfo.InvariantCulture, out var t))
            {
                ttl = t;
                rest = next.Length > 1 ? next[1] : "";
                next = rest.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            }
            if (next.Length < 2 || !Enum.TryParse<DnsRecordType>(next[0], true, out var type) || next[0].All(char.IsAsciiDigit))
            {
                v.Require(false, "records", $"Line {lineNo}: expected \"name [ttl] TYPE [priority] content\".");
                continue;
            }
            int? priority = null;
            var content = next[1].Trim();
            if (type is DnsRecordType.MX or DnsRecordType.SRV)
            {
                var pc = content.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
                if (pc.Length == 2 && int.TryParse(pc[0], CultureInfo.InvariantCulture, out var p)) { priority = p; content = pc[1]; }
                else { v.Require(false, "records", $"Line {lineNo}: {type} needs a priority before its content."); continue; }
            }
            records.Add(new DnsTemplateRecord(name, type, content, ttl, priority));
        }
        v.ThrowIfInvalid();
        return records;
    }
}
