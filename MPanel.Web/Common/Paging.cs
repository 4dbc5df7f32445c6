namespace MPanel.Web.Common;

/// <summary>A page of a server-side grid or list endpoint: zero-based page, size 1–200, one sort column.</summary>
public sealed record PageQuery(int Page = 0, int PageSize = 25, string? Sort = null, bool Descending = false, string? Search = null)
{
    public int SafePage => Math.Max(0, Page);
    public int SafePageSize => Math.Clamp(PageSize, 1, 200);
    public string? SearchTerm => string.IsNullOrWhiteSpace(Search) ? null : Search.Trim();
}

public sealed record Paged<T>(IReadOnlyList<T> Items, int Total);

public static class PagingExtensions
{
    public static IQueryable<T> Page<T>(this IQueryable<T> query, PageQuery page) =>
        query.Skip(page.SafePage * page.SafePageSize).Take(page.SafePageSize);

    /// <summary>Escapes LIKE wildcards so a search for "50%" finds "50%" literally.</summary>
    public static string LikePattern(string term) =>
        "%" + term.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
}
