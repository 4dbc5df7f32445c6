using MPanel.Domain.Common;
using MPanel.Web.Errors;
using MudBlazor;

namespace MPanel.Web.Components.Shared;

/// <summary>The one place expected failures become UI feedback: field errors go back to the form, the rest to a snackbar.</summary>
public static class UiErrors
{
    /// <summary>Runs an action; on a domain error shows it and returns the field errors (empty when none).</summary>
    public static async Task<IReadOnlyDictionary<string, string[]>?> TryAsync(this ISnackbar snackbar, Func<Task> action, string? success = null)
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
    }

    public static string? FieldError(this IReadOnlyDictionary<string, string[]>? errors, string field) =>
        errors is not null && errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
