using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Web.Features.Emails.Templates;

namespace MPanel.Web.Features.Emails;

/// <summary>What every email template can show: the tenant's brand, the customer, and the invoice or service concerned.</summary>
public sealed record EmailModel(
    TenantBranding Brand,
    string CustomerName,
    string? InvoiceNumber,
    string? InvoiceTotal,
    string? AmountDue,
    DateOnly? DueDate,
    string? ServiceName,
    int? DaysFromDue,
    string? Detail,
    string? Link,
    string? BankTransfer);

/// <summary>Renders an <see cref="EmailMessage"/> from its Razor template (HTML) and a plain-text alternative.</summary>
public sealed class EmailComposer(HtmlRenderer renderer, IConfiguration configuration)
{
    public async Task<(string Subject, string Html, string Text)> ComposeAsync(MPanelDbContext db, EmailMessage message, CancellationToken ct)
    {
        var tenant = await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == message.TenantId, ct);
        var settings = await db.BillingSettings.AsNoTracking().FirstOrDefaultAsync(ct);
        var invoice = message.RelatedId is { } rid ? await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == rid, ct) : null;
        Subscription? subscription = null;
        if (invoice?.SubscriptionId is { } sid) subscription = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sid, ct);
        else if (invoice is null && message.RelatedId is { } sid2) subscription = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sid2, ct);
        var endpoint = message.Template == EmailTemplates.WebhookDisabled && message.RelatedId is { } eid
            ? await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == eid, ct) : null;
        var baseUrl = (configuration["App:PublicUrl"] ?? "").TrimEnd('/');
        string M(decimal x) => invoice is null ? "" : $"{x.ToString("N" + Domain.Common.Money.MinorUnits(invoice.Currency), CultureInfo.InvariantCulture)} {invoice.Currency}";
        var model = new EmailModel(
            tenant.Branding,
            invoice?.Buyer.Name ?? (endpoint is null ? "customer" : "administrator"),
            invoice?.Number ?? (invoice is null ? null : "proforma " + invoice.Id.ToString("N")[..8].ToUpperInvariant()),
            invoice is null ? null : M(invoice.Total),
            invoice is null ? null : M(invoice.AmountDue),
            invoice?.DueDate,
            subscription?.ProductName ?? endpoint?.Url,
            int.TryParse(message.Argument, CultureInfo.InvariantCulture, out var days) ? days : null,
            invoice?.VoidReason ?? endpoint?.DisabledReason,
            invoice is null ? null : $"{baseUrl}/client/invoices/{invoice.Id}",
            settings?.BankTransferInstructions);
        var name = tenant.Branding.ProductName;
        if (message.Template == EmailTemplates.ContactRequest)
        {
            var contact = await db.ContactRequests.AsNoTracking().FirstAsync(c => c.Id == message.RelatedId, ct);
            model = model with
            {
                CustomerName = $"{name} support",
                Detail = $"From: {contact.Name} <{contact.Email}>\nSubject: {contact.Subject}\n\n{contact.Message}",
            };
        }
        var (subject, component) = message.Template switch
        {
            EmailTemplates.Invoice => ($"{name}: invoice {model.InvoiceNumber} ({model.InvoiceTotal})", typeof(InvoiceEmail)),
            EmailTemplates.Receipt => ($"{name}: payment received for invoice {model.InvoiceNumber}", typeof(ReceiptEmail)),
            EmailTemplates.CreditNote => ($"{name}: credit note {model.InvoiceNumber}", typeof(CreditNoteEmail)),
            EmailTemplates.Reminder => (model.DaysFromDue == 0 ? $"{name}: invoice {model.InvoiceNumber} is due today" : $"{name}: invoice {model.InvoiceNumber} is due on {model.DueDate:yyyy-MM-dd}", typeof(ReminderEmail)),
            EmailTemplates.Overdue => ($"{name}: invoice {model.InvoiceNumber} is overdue", typeof(OverdueEmail)),
            EmailTemplates.SuspensionWarning => ($"{name}: {model.ServiceName} will be suspended unless invoice {model.InvoiceNumber} is paid", typeof(SuspensionWarningEmail)),
            EmailTemplates.Suspended => ($"{name}: {model.ServiceName} has been suspended", typeof(SuspendedEmail)),
            EmailTemplates.Terminated => ($"{name}: {model.ServiceName} has been terminated", typeof(TerminatedEmail)),
            EmailTemplates.ContactRequest => ($"{name}: contact form: {model.Detail!.Split('\n')[1]["Subject: ".Length..]}", typeof(ContactRequestEmail)),
            EmailTemplates.WebhookDisabled => ($"{name}: webhook endpoint {model.ServiceName} was disabled", typeof(WebhookDisabledEmail)),
            EmailTemplates.PaymentFailed => ($"{name}: we could not charge your card for invoice {model.InvoiceNumber}", typeof(PaymentFailedEmail)),
            _ => throw new InvalidOperationException($"Unknown email template '{message.Template}'."),
        };
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync(component, ParameterView.FromDictionary(new Dictionary<string, object?> { ["Model"] = model }));
            return output.ToHtmlString();
        });
        return (subject, html, HtmlToText(html));
    }

    /// <summary>A readable plain-text alternative: tags dropped, block ends as new lines, entities decoded.</summary>
    public static string HtmlToText(string html)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(html, @"<(br|/p|/h\d|/tr|/div|/li)[^>]*>", "\n", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        s = System.Text.RegularExpressions.Regex.Replace(s, "<style[^>]*>.*?</style>", "", System.Text.RegularExpressions.RegexOptions.Singleline | System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        s = System.Text.RegularExpressions.Regex.Replace(s, "<[^>]+>", "");
        s = System.Net.WebUtility.HtmlDecode(s);
        var lines = s.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\s+", " ").Trim());
        return System.Text.RegularExpressions.Regex.Replace(string.Join("\n", lines), @"\n{3,}", "\n\n").Trim();
    }
}
