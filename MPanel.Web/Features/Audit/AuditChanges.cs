using System.Text.Encodings.Web;
using System.Text.Json;

namespace MPanel.Web.Features.Audit;

public enum AuditValueKind { Missing, Null, Redacted, Text, Json }

/// <summary>One value of an audit change, ready to show: a string, JSON for non-strings, or a marker.</summary>
public sealed record AuditValue(AuditValueKind Kind, string Text = "")
{
    public static readonly AuditValue Missing = new(AuditValueKind.Missing);
}

public sealed record AuditChangeRow(string Field, AuditValue Old, AuditValue New);

/// <summary>The Changes JSON of an audit entry, shaped for display. Entity changes are
/// <c>{"Prop": {"old": x, "new": y}}</c> (either key may be missing) and become <see cref="Rows"/>; any other object
/// of plain values (e.g. a cross-tenant access) becomes <see cref="Properties"/>; the rest is only pretty-printed.</summary>
public sealed class AuditChanges
{
    public const string RedactedMarker = "***";

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public IReadOnlyList<AuditChangeRow> Rows { get; private init; } = [];
    public IReadOnlyList<(string Name, AuditValue Value)> Properties { get; private init; } = [];
    public bool HasOld { get; private init; }
    public bool HasNew { get; private init; }
    /// <summary>The whole document, indented (empty when there is none).</summary>
    public string PrettyJson { get; private init; } = "";

    public bool IsEmpty => Rows.Count == 0 && Properties.Count == 0 && PrettyJson.Length == 0;

    public static AuditChanges Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return new AuditChanges();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return new AuditChanges { PrettyJson = json };
        }
        using (document)
        {
            var root = document.RootElement;
            var pretty = JsonSerializer.Serialize(root, Pretty);
            if (root.ValueKind != JsonValueKind.Object) return new AuditChanges { PrettyJson = pretty };

            var properties = root.EnumerateObject().ToList();
            if (properties.Count == 0) return new AuditChanges();

            if (properties.All(p => IsOldNew(p.Value)))
            {
                var rows = properties.Select(p => new AuditChangeRow(p.Name,
                        p.Value.TryGetProperty("old", out var o) ? ValueOf(o) : AuditValue.Missing,
                        p.Value.TryGetProperty("new", out var n) ? ValueOf(n) : AuditValue.Missing))
                    .ToList();
                return new AuditChanges
                {
                    Rows = rows,
                    HasOld = rows.Any(r => r.Old.Kind != AuditValueKind.Missing),
                    HasNew = rows.Any(r => r.New.Kind != AuditValueKind.Missing),
                    PrettyJson = pretty,
                };
            }
            if (properties.All(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)))
                return new AuditChanges { Properties = properties.Select(p => (p.Name, ValueOf(p.Value))).ToList(), PrettyJson = pretty };
            return new AuditChanges { PrettyJson = pretty };
        }
    }

    private static bool IsOldNew(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object
        && value.EnumerateObject().Any()
        && value.EnumerateObject().All(p => p.Name is "old" or "new");

    private static AuditValue ValueOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => new AuditValue(AuditValueKind.Null),
        JsonValueKind.String when value.GetString() == RedactedMarker => new AuditValue(AuditValueKind.Redacted),
        JsonValueKind.String => new AuditValue(AuditValueKind.Text, value.GetString() ?? ""),
        JsonValueKind.Object or JsonValueKind.Array => new AuditValue(AuditValueKind.Json, JsonSerializer.Serialize(value, Pretty)),
        _ => new AuditValue(AuditValueKind.Text, value.GetRawText()),
    };
}
