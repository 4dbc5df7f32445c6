using MPanel.Domain.Common;
using MPanel.Web.Errors;
using MudBlazor;

namespace MPanel.Web.Components.Shared;

/// <summary>The one place expected failures become UI feedback: field errors go back to the form, the rest to a snackbar.</summary>
public static class UiErrors
{
    /// <summary>Runs an action; on a domain error shows it and returns the field errors (empty when none), or null on
    /// success. An unexpected exception goes up to the page's error boundary, except in dialogs: they render outside
    /// the layout's boundary, where it would end the circuit, so they pass a logger and get a snackbar instead.</summary>
    public static async Task<IReadOnlyDictionary<string, string[]>?> TryAsync(this ISnackbar snackbar, Func<Task> action,
        string? success = null, ILogger? dialogLogger = null)
    {
        try
        {
            await action();
            if (success is not null) snackbar.Add(success, Severity.Success);
            return null;
        }
        catch (Exception ex) when (ErrorMapping.AsDomainError(ex) is { } error)
        {
            if (error is ValidationError validation)
            {
                snackbar.Add("Please correct the highlighted fields.", Severity.Warning);
                return validation.Fields;
            }
            snackbar.Add(error.Message, error is NotFoundError or ForbiddenError ? Severity.Error : Severity.Warning);
            return new Dictionary<string, string[]>();
        }
        catch (Exception ex) when (dialogLogger is not null && ex is not OperationCanceledException)
        {
            var reference = Guid.NewGuid().ToString("N")[..10];
            dialogLogger.LogError(ex, "Unexpected error in a dialog action, reference {Reference}", reference);
            snackbar.Add($"That did not work because of an unexpected error (reference {reference}). Try again in a moment.", Severity.Error);
            return new Dictionary<string, string[]>();
        }
    }

    public static string? FieldError(this IReadOnlyDictionary<string, string[]>? errors, string field) =>
        errors is not null && errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
