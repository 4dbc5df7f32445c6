using System.Globalization;

namespace MPanel.Domain.DnsZones;

/// <summary>Host and domain names: IDN-aware (Unicode in, punycode stored), lower case, no trailing dot.</summary>
public static class DnsName
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>A registrable/zone name ("münchen.example" → "xn--mnchen-3ya.example"): at least two labels,
    /// letters, digits and hyphens only. Null with a reason when invalid.</summary>
    public static string? TryParseDomain(string? input, out string? error) => TryParse(input, allowUnderscore: false, allowWildcard: false, minLabels: 2, out error);

    /// <summary>A host name used as a record target (MX, CNAME, NS, SRV): letters, digits, hyphens, and underscores
    /// (DKIM/SRV-style targets). A trailing dot is accepted and removed.</summary>
    public static string? TryParseHost(string? input, out string? error) => TryParse(input, allowUnderscore: true, allowWildcard: false, minLabels: 1, out error);

    public static string ToUnicode(string ascii)
    {
        try { return Idn.GetUnicode(ascii); }
        catch (ArgumentException) { return ascii; }
    }

    internal static string? TryParse(string? input, bool allowUnderscore, bool allowWildcard, int minLabels, out string? error)
    {
        error = null;
        var text = input?.Trim();
        if (string.IsNullOrEmpty(text)) { error = "A name is required."; return null; }
        if (text.EndsWith('.')) text = text[..^1];
        if (text.Length == 0) { error = "A name is required."; return null; }
        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) { error = "A name cannot contain spaces."; return null; }
        string ascii;
        if (text.All(char.IsAscii))
        {
            ascii = text.ToLowerInvariant();
        }
        else
        {
            try
            {
                // Labels are converted one by one so that "_dmarc" or "*" next to an IDN label survive.
                ascii = string.Join('.', text.Split('.').Select(l => l.All(char.IsAscii) ? l.ToLowerInvariant() : Idn.GetAscii(l.ToLowerInvariant())));
            }
            catch (ArgumentException)
            {
                error = "This is not a valid internationalised name.";
                return null;
            }
        }
        if (ascii.Length > 253) { error = "A name is at most 253 characters (in punycode)."; return null; }
        var labels = ascii.Split('.');
        if (labels.Length < minLabels) { error = "Enter a full domain name, e.g. example.com."; return null; }
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label.Length == 0) { error = "A name cannot contain empty labels (two dots in a row)."; return null; }
            if (label.Length > 63) { error = $"The label '{label}' is longer than 63 characters."; return null; }
            if (label == "*" && allowWildcard && i == 0) continue;
            foreach (var c in label)
            {
                var ok = c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' || (c == '_' && allowUnderscore);
                if (!ok) { error = $"The label '{label}' may contain letters, digits and hyphens only."; return null; }
            }
            if (label.StartsWith('-') || label.EndsWith('-')) { error = $"The label '{label}' cannot start or end with a hyphen."; return null; }
        }
        if (minLabels >= 2 && labels[^1].All(char.IsAsciiDigit)) { error = "The top-level domain cannot be numeric."; return null; }
        return ascii;
    }
}
