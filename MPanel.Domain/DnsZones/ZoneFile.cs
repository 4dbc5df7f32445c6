using System.Globalization;
using System.Text;
using MPanel.Domain.Common;

namespace MPanel.Domain.DnsZones;

public sealed record ZoneFileError(int Line, string Message);

/// <summary>What an import found: the valid records, an error per bad line (nothing is imported when there are any),
/// and how many SOA records were skipped (PowerDNS owns the SOA).</summary>
public sealed record ZoneFileParseResult(IReadOnlyList<DnsRecordData> Records, IReadOnlyList<ZoneFileError> Errors, int SkippedSoa);

/// <summary>RFC 1035 master files ("BIND zone files"): $ORIGIN, $TTL, @, relative names, omitted owners, TTL units,
/// parentheses over several lines, comments and quoted strings with escapes. $INCLUDE is refused.</summary>
public static class ZoneFile
{
    private sealed record Token(string Text, bool Quoted);
    private sealed class LogicalLine(int line, bool indented)
    {
        public int Line { get; } = line;
        public bool Indented { get; } = indented;
        public List<Token> Tokens { get; } = [];
        /// <summary>The lexer already reported an error for this line.</summary>
        public bool Broken { get; set; }
    }

    public static ZoneFileParseResult Parse(string zone, string text)
    {
        var records = new List<DnsRecordData>();
        var errors = new List<ZoneFileError>();
        var skipped = 0;
        var origin = zone;
        int? defaultTtl = null;
        string? previousOwner = null;
        int? previousTtl = null;

        foreach (var line in Lines(text, errors))
        {
            var tokens = line.Tokens;
            if (tokens.Count == 0 || line.Broken) continue;
            var first = tokens[0];
            if (!line.Indented && !first.Quoted && first.Text.StartsWith('$'))
            {
                switch (first.Text.ToUpperInvariant())
                {
                    case "$ORIGIN" when tokens.Count == 2:
                        var o = Absolute(tokens[1].Text, origin);
                        if (DnsName.TryParseHost(o, out var originError) is { } parsedOrigin) origin = parsedOrigin;
                        else errors.Add(new(line.Line, $"$ORIGIN: {originError}"));
                        break;
                    case "$TTL" when tokens.Count == 2:
                        if (ParseTtl(tokens[1].Text) is { } t) defaultTtl = t;
                        else errors.Add(new(line.Line, $"$TTL: '{tokens[1].Text}' is not a TTL."));
                        break;
                    case "$INCLUDE":
                        errors.Add(new(line.Line, "$INCLUDE is not supported; paste the included records instead."));
                        break;
                    default:
                        errors.Add(new(line.Line, $"Unknown or malformed directive {first.Text}."));
                        break;
                }
                continue;
            }

            var i = 0;
            string owner;
            if (line.Indented)
            {
                if (previousOwner is null) { errors.Add(new(line.Line, "The first record must name its owner.")); continue; }
                owner = previousOwner;
            }
            else
            {
                owner = first.Text == "@" ? origin : Absolute(first.Text, origin);
                i = 1;
            }
            previousOwner = owner;

            int? ttl = null;
            for (var k = 0; k < 2 && i < tokens.Count; k++)
            {
                if (tokens[i].Text.Equals("IN", StringComparison.OrdinalIgnoreCase)) { i++; continue; }
                if (ttl is null && char.IsAsciiDigit(tokens[i].Text[0]) && ParseTtl(tokens[i].Text) is { } t) { ttl = t; i++; }
            }
            if (i >= tokens.Count) { errors.Add(new(line.Line, "The record type is missing.")); continue; }
            var typeText = tokens[i].Text.ToUpperInvariant();
            i++;
            if (typeText is "CH" or "HS") { errors.Add(new(line.Line, "Only class IN is supported.")); continue; }
            if (typeText == "SOA") { skipped++; continue; }
            if (!Enum.TryParse<DnsRecordType>(typeText, ignoreCase: false, out var type) || !Enum.IsDefined(type) || typeText.All(char.IsAsciiDigit))
            {
                errors.Add(new(line.Line, $"Record type {typeText} is not supported (A, AAAA, CNAME, MX, TXT, NS, SRV, CAA)."));
                continue;
            }
            var effectiveTtl = ttl ?? defaultTtl ?? previousTtl ?? DnsRecordData.DefaultTtl;
            previousTtl = effectiveTtl;
            var rdata = tokens.Skip(i).ToList();
            if (rdata.Count == 0) { errors.Add(new(line.Line, $"The {typeText} record has no data.")); continue; }

            try
            {
                var ownerName = owner.TrimEnd('.');
                if (ownerName != zone && !ownerName.EndsWith("." + zone, StringComparison.Ordinal))
                {
                    errors.Add(new(line.Line, $"{ownerName} is outside the zone {zone}."));
                    continue;
                }
                var relative = DnsRecordData.RelativeOf(zone, ownerName);
                DnsRecordData record = type switch
                {
                    DnsRecordType.CNAME or DnsRecordType.NS => DnsRecordData.Create(zone, relative, type, Absolute(Single(rdata), origin), effectiveTtl, null),
                    DnsRecordType.MX when rdata.Count == 2 =>
                        DnsRecordData.Create(zone, relative, type, Absolute(rdata[1].Text, origin), effectiveTtl, Int(rdata[0].Text)),
                    DnsRecordType.SRV when rdata.Count == 4 =>
                        DnsRecordData.Create(zone, relative, type, $"{rdata[1].Text} {rdata[2].Text} {(rdata[3].Text == "." ? "." : Absolute(rdata[3].Text, origin))}", effectiveTtl, Int(rdata[0].Text)),
                    DnsRecordType.MX or DnsRecordType.SRV => throw ValidationError.For("content", $"{typeText} needs {(type == DnsRecordType.MX ? "a priority and a host" : "priority, weight, port and target")}.").ToException(),
                    DnsRecordType.TXT => DnsRecordData.Create(zone, relative, type, string.Join(' ', rdata.Select(Quoted)), effectiveTtl, null),
                    DnsRecordType.CAA when rdata.Count == 3 => DnsRecordData.Create(zone, relative, type, $"{rdata[0].Text} {rdata[1].Text} {Quoted(rdata[2])}", effectiveTtl, null),
                    DnsRecordType.CAA => throw ValidationError.For("content", "CAA needs flags, tag and value.").ToException(),
                    _ => DnsRecordData.Create(zone, relative, type, Single(rdata), effectiveTtl, null),
                };
                records.Add(record);
            }
            catch (DomainException ex) when (ex.Error is ValidationError v)
            {
                errors.Add(new(line.Line, string.Join(" ", v.Fields.SelectMany(f => f.Value))));
            }
        }
        return new ZoneFileParseResult(records, errors, skipped);
    }

    /// <summary>A zone file for <paramref name="zone"/>; <paramref name="soa"/> is PowerDNS's SOA content when known.</summary>
    public static string Export(string zone, IEnumerable<DnsRecordData> records, string? soa = null, DateTimeOffset? at = null)
    {
        var sb = new StringBuilder();
        sb.Append("; Zone ").Append(zone).Append(" (").Append(DnsName.ToUnicode(zone)).Append(')');
        if (at is { } when) sb.Append(", exported by MPanel at ").Append(when.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        sb.Append('\n');
        sb.Append("$ORIGIN ").Append(zone).Append(".\n");
        sb.Append("$TTL ").Append(DnsRecordData.DefaultTtl.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (soa is not null) sb.Append("@\t3600\tIN\tSOA\t").Append(soa).Append('\n');
        foreach (var r in records.OrderBy(r => r.Name == "@" ? "" : r.Name, StringComparer.Ordinal).ThenBy(r => r.Type).ThenBy(r => r.Priority).ThenBy(r => r.Content, StringComparer.Ordinal))
            sb.Append(r.Name).Append('\t').Append(r.Ttl.ToString(CultureInfo.InvariantCulture)).Append("\tIN\t").Append(r.Type).Append('\t').Append(r.WireContent).Append('\n');
        return sb.ToString();
    }

    /// <summary>Splits <c>"a" "b\"c" "\195\164"</c> into the bytes of each string.</summary>
    public static List<byte[]> SplitQuoted(string text, out string? error)
    {
        error = null;
        var result = new List<byte[]>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            if (text[i] != '"') { error = "Put each TXT string in double quotes, or enter plain text without quotes."; return result; }
            i++;
            var bytes = new List<byte>();
            var closed = false;
            while (i < text.Length)
            {
                var c = text[i];
                if (c == '"') { closed = true; i++; break; }
                if (c == '\\' && i + 1 < text.Length)
                {
                    if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3])
                        && int.Parse(text.AsSpan(i + 1, 3), CultureInfo.InvariantCulture) is var code and <= 255)
                    {
                        bytes.Add((byte)code);
                        i += 4;
                        continue;
                    }
                    bytes.AddRange(Encoding.UTF8.GetBytes(text[i + 1].ToString()));
                    i += 2;
                    continue;
                }
                if (char.IsHighSurrogate(c) && i + 1 < text.Length)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, 2)));
                    i += 2;
                    continue;
                }
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                i++;
            }
            if (!closed) { error = "A quoted string is not closed."; return result; }
            if (bytes.Count > 255) { error = "Each quoted TXT string is at most 255 bytes; split longer text into several strings."; return result; }
            result.Add([.. bytes]);
        }
        return result;
    }

    // ------------------------------------------------------------------ lexer ---

    private static IEnumerable<LogicalLine> Lines(string text, List<ZoneFileError> errors)
    {
        var lineNo = 1;
        var depth = 0;
        LogicalLine? current = null;
        var atLineStart = true;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (atLineStart)
            {
                atLineStart = false;
                if (depth == 0)
                {
                    if (current is not null) yield return current;
                    current = new LogicalLine(lineNo, c is ' ' or '\t');
                }
            }
            current ??= new LogicalLine(lineNo, false);
            switch (c)
            {
                case '\n':
                    lineNo++;
                    atLineStart = true;
                    i++;
                    continue;
                case '\r' or ' ' or '\t':
                    i++;
                    continue;
                case ';':
                    while (i < text.Length && text[i] != '\n') i++;
                    continue;
                case '(':
                    depth++;
                    i++;
                    continue;
                case ')':
                    if (depth == 0) errors.Add(new(lineNo, "A closing parenthesis without an opening one."));
                    else depth--;
                    i++;
                    continue;
                case '"':
                {
                    var start = i;
                    i++;
                    while (i < text.Length && text[i] != '"' && text[i] != '\n')
                        i += text[i] == '\\' && i + 1 < text.Length ? 2 : 1;
                    if (i >= text.Length || text[i] != '"')
                    {
                        errors.Add(new(lineNo, "A quoted string is not closed on its line."));
                        current.Broken = true;
                        continue;
                    }
                    i++;
                    current.Tokens.Add(new Token(text[start..i], true));
                    continue;
                }
                default:
                {
                    var start = i;
                    while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (';' or '(' or ')' or '"'))
                        i += text[i] == '\\' && i + 1 < text.Length ? 2 : 1;
                    current.Tokens.Add(new Token(text[start..i], false));
                    continue;
                }
            }
        }
        if (depth != 0) errors.Add(new(lineNo, "A parenthesis is not closed."));
        if (current is not null) yield return current;
    }

    private static string Absolute(string name, string origin) =>
        name == "@" ? origin + "." : name.EndsWith('.') ? name : $"{name}.{origin}.";

    private static string Single(List<Token> rdata) =>
        rdata.Count == 1 ? rdata[0].Text : throw ValidationError.For("content", "Expected one value.").ToException();

    private static int? Int(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    private static string Quoted(Token token) => token.Quoted ? token.Text : "\"" + token.Text.Replace("\"", "\\\"") + "\"";

    /// <summary>"3600", "1h", "1h30m", "2d", "1w".</summary>
    public static int? ParseTtl(string text)
    {
        if (text.All(char.IsAsciiDigit))
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain) ? plain : null;
        long total = 0, number = 0;
        var hasDigits = false;
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiDigit(c)) { number = number * 10 + (c - '0'); hasDigits = true; if (number > int.MaxValue) return null; continue; }
            if (!hasDigits) return null;
            var unit = c switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, 'w' => 604800, _ => 0 };
            if (unit == 0) return null;
            total += number * unit;
            number = 0;
            hasDigits = false;
        }
        if (hasDigits) total += number;
        return total is > 0 and <= int.MaxValue ? (int)total : null;
    }
}
