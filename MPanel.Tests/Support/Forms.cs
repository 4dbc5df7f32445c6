using System.Net;
using System.Text.RegularExpressions;

namespace MPanel.Tests.Support;

/// <summary>Posting MPanel's static forms back as a browser does: the antiforgery token from the page, the form's
/// handler name, and the fields.</summary>
public static partial class Forms
{
    public static string AntiforgeryToken(string page) => WebUtility.HtmlDecode(TokenPattern().Match(page).Groups[1].Value);

    public static FormUrlEncodedContent Content(string page, string? handler, params (string Key, string Value)[] fields)
    {
        var values = new Dictionary<string, string> { ["__RequestVerificationToken"] = AntiforgeryToken(page) };
        if (handler is not null) values["_handler"] = handler;
        foreach (var (key, value) in fields) values[key] = value;
        return new FormUrlEncodedContent(values);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
