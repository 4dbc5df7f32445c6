namespace MPanel.Web.Common;

/// <summary>Colours that end up in a style attribute. Branding colours are validated as #rrggbb on save;
/// anything else (old data, audit values) is never written into CSS.</summary>
public static class CssColor
{
    public static bool IsHex(string? value) =>
        value is { Length: 7 } && value[0] == '#' && value.Skip(1).All(char.IsAsciiHexDigit);

    /// <summary>The colour when it is #rrggbb, otherwise "transparent".</summary>
    public static string OrTransparent(string? value) => IsHex(value) ? value! : "transparent";

    /// <summary>Black or white, whichever reads better on the given #rrggbb background ("inherit" when it is not a colour).</summary>
    public static string TextOn(string? background)
    {
        if (!IsHex(background)) return "inherit";
        var r = Convert.ToInt32(background![1..3], 16);
        var g = Convert.ToInt32(background[3..5], 16);
        var b = Convert.ToInt32(background[5..7], 16);
        return 0.299 * r + 0.587 * g + 0.114 * b > 160 ? "#111827" : "#ffffff";
    }
}
