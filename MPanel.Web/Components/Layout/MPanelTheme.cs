using MudBlazor;

namespace MPanel.Web.Components.Layout;

public static class MPanelTheme
{
    public static readonly MudTheme Default = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#ffffff",
            AppbarText = "#1f2937",
            Background = "#f5f6fa",
            DrawerBackground = "#ffffff",
            DrawerText = "#374151",
            TextPrimary = "#1f2937",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#1e1e2d",
            Background = "#151521",
            Surface = "#1e1e2d",
            DrawerBackground = "#1e1e2d",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "248px" },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"] },
        },
    };
}
