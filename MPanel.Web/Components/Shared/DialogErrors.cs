using Microsoft.Extensions.Logging;
using MudBlazor;

namespace MPanel.Web.Components.Shared;

/// <summary>Dialogs render in the dialog provider, outside the layout's error boundary: an unexpected exception thrown
/// from a dialog's button ends the whole circuit. Dialog actions go through here so that it becomes a snackbar instead
/// and the dialog stays open for another try.</summary>
public static class DialogErrors
{
    /// <summary>Like <see cref="UiErrors.TryAsync"/>; an unexpected failure is logged, shown, and returned as an empty
    /// error set (so the caller treats the action as not done).</summary>
    public static async Task<IReadOnlyDictionary<string, string[]>?> TryInDialogAsync(this ISnackbar snackbar, ILogger logger,
        Func<Task> action, string? success = null)
    {
        try
        {
            return await snackbar.TryAsync(action, success);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Unexpected error in a dialog action");
            snackbar.Add("That did not work because of an unexpected error. Try again in a moment.", Severity.Error);
            return new Dictionary<string, string[]>();
        }
    }
}
