namespace MPanel.Domain.Customers;

/// <summary>ISO 3166-1 alpha-2 codes with English names, for forms and validation.</summary>
public static class Countries
{
    public static readonly IReadOnlyDictionary<string, string> All = new SortedDictionary<string, string>
    {
        ["AR"] = "Argentina", ["AT"] = "Austria", ["AU"] = "Australia", ["BE"] = "Belgium", ["BG"] = "Bulgaria",
        ["BR"] = "Brazil", ["CA"] = "Canada", ["CH"] = "Switzerland", ["CL"] = "Chile", ["CN"] = "China",
        ["CY"] = "Cyprus", ["CZ"] = "Czechia", ["DE"] = "Germany", ["DK"] = "Denmark", ["EE"] = "Estonia",
        ["EG"] = "Egypt", ["ES"] = "Spain", ["FI"] = "Finland", ["FR"] = "France", ["GB"] = "United Kingdom",
        ["GR"] = "Greece", ["HR"] = "Croatia", ["HU"] = "Hungary", ["IE"] = "Ireland", ["IL"] = "Israel",
        ["IN"] = "India", ["IS"] = "Iceland", ["IT"] = "Italy", ["JP"] = "Japan", ["KE"] = "Kenya",
        ["KR"] = "South Korea", ["LT"] = "Lithuania", ["LU"] = "Luxembourg", ["LV"] = "Latvia", ["MT"] = "Malta",
        ["MX"] = "Mexico", ["NG"] = "Nigeria", ["NL"] = "Netherlands", ["NO"] = "Norway", ["NZ"] = "New Zealand",
        ["PH"] = "Philippines", ["PL"] = "Poland", ["PT"] = "Portugal", ["RO"] = "Romania", ["RS"] = "Serbia",
        ["SE"] = "Sweden", ["SG"] = "Singapore", ["SI"] = "Slovenia", ["SK"] = "Slovakia", ["TR"] = "Türkiye",
        ["UA"] = "Ukraine", ["US"] = "United States", ["ZA"] = "South Africa",
    };

    public static bool IsKnown(string code) => All.ContainsKey(code);

    public static string NameOf(string code) => All.TryGetValue(code, out var name) ? name : code;
}
