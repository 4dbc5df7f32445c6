namespace MPanel.Web.Features.Sites;

public static class SiteFormat
{
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        < 1024L * 1024 * 1024 => $"{bytes / 1024.0 / 1024:0.#} MB",
        _ => $"{bytes / 1024.0 / 1024 / 1024:0.##} GB",
    };

    public static string Disk(long? used, int quotaMb) =>
        (used is { } u ? Bytes(u) : "not measured") + (quotaMb > 0 ? $" of {quotaMb:N0} MB" : " (no quota)");
}
