using Microsoft.AspNetCore.Components;

namespace MPanel.Web.Components.Shared;

/// <summary>Base of pages whose menus open dialogs.</summary>
public abstract class MPanelPage : ComponentBase
{
    /// <summary>A menu item's click handler runs to completion before its menu closes; actions that wait for a dialog
    /// run after the click instead, so the menu does not hang open behind the dialog. Failures still reach the error
    /// boundary.</summary>
    protected void Defer(Func<Task> action) => _ = InvokeAsync(async () =>
    {
        await Task.Yield();
        try
        {
            await action();
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    });
}
