using MudBlazor;

namespace MPanel.Web.Components.Shared;

public static class GridExtensions
{
    /// <summary>After a new search or filter: back to the first page (page 3 of the old result may not exist in the new
    /// one), which reloads the server data.</summary>
    public static Task ReloadFromFirstPageAsync<T>(this MudDataGrid<T> grid)
    {
        if (grid.CurrentPage == 0) return grid.ReloadServerData();
        grid.NavigateTo(Page.First);
        return Task.CompletedTask;
    }
}
