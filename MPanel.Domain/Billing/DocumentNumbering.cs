using System.Globalization;
using System.Text.RegularExpressions;

namespace MPanel.Domain.Billing;

public enum DocumentSeries { Invoice, CreditNote }

/// <summary>Formats final document numbers. The counter itself is a locked row per tenant, series and year, read and
/// advanced in the same transaction that finalises the document, so numbers are gap-free under concurrency.</summary>
public static partial class DocumentNumbering
{
    public const string DefaultFormat = "{prefix}{yyyy}-{n:6}";

    [GeneratedRegex(@"\{(prefix|yyyy|yy|mm|n(:\d{1,2})?)\}")]
    private static partial Regex Token();

    public static bool IsValidFormat(string? format) =>
        format is { Length: >= 3 and <= 64 }
        && Token().Matches(format).Count(m => m.Groups[1].Value.StartsWith('n')) == 1
        && !Token().Replace(format, "").Contains('{') && !Token().Replace(format, "").Contains('}');

    /// <summary>The counter year: the document's year when numbering resets yearly, else 0 (one sequence forever).</summary>
    public static int CounterYear(bool resetsYearly, DateOnly issueDate) => resetsYearly ? issueDate.Year : 0;

    public static string Format(string format, string prefix, DateOnly issueDate, long n) =>
        Token().Replace(format, m => m.Groups[1].Value switch
        {
            "prefix" => prefix,
            "yyyy" => issueDate.Year.ToString("D4", CultureInfo.InvariantCulture),
            "yy" => (issueDate.Year % 100).ToString("D2", CultureInfo.InvariantCulture),
            "mm" => issueDate.Month.ToString("D2", CultureInfo.InvariantCulture),
            var t when t.Length > 1 => n.ToString("D" + t[2..], CultureInfo.InvariantCulture),
            _ => n.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>The fixed text around the counter for one issue date, so a set-based run can number many documents in SQL:
    /// head + counter padded to width + tail equals <see cref="Format"/>.</summary>
    public static (string Head, int Width, string Tail) Split(string format, string prefix, DateOnly issueDate)
    {
        const string marker = "\u0001";
        var width = 0;
        var text = Token().Replace(format, m => m.Groups[1].Value switch
        {
            "prefix" => prefix,
            "yyyy" => issueDate.Year.ToString("D4", CultureInfo.InvariantCulture),
            "yy" => (issueDate.Year % 100).ToString("D2", CultureInfo.InvariantCulture),
            "mm" => issueDate.Month.ToString("D2", CultureInfo.InvariantCulture),
            var t => SetWidth(t),
        });
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        return (text[..at], width, text[(at + marker.Length)..]);

        string SetWidth(string token)
        {
            width = token.Length > 1 ? int.Parse(token[2..], CultureInfo.InvariantCulture) : 0;
            return marker;
        }
    }
}
