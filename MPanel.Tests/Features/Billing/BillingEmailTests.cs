using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Features.Account;
using MPanel.Tests.Support;
using MPanel.Web.Features.Emails;
using MPanel.Web.Features.Invoices;
using Xunit;

namespace MPanel.Tests.Features.Billing;

/// <summary>Billing emails: queued in the email log with the change that causes them, rendered from Razor templates in
/// the tenant's brand, and delivered over real SMTP by the dispatcher (aiosmtpd from scripts/test) — or, with no SMTP
/// server configured, kept in the log as "not sent" with the rendered body.</summary>
public static class BillingEmails
{
    public sealed class SmtpFactory : MPanelFactory
    {
        public SmtpFactory()
        {
            With("Mail:SmtpHost", "127.0.0.1");
            With("Mail:SmtpPort", SmtpMailTests.Port);
            With("Mail:UseStartTls", "false");
            With("Mail:From", "billing@mpanel.test");
        }
    }

    public static async Task<EmailMessage> InvoiceAndDispatchAsync(MPanelFactory factory, string email)
    {
        var tenant = await factory.CreateResellerAsync("mail" + Guid.NewGuid().ToString("N")[..6]);
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Grace", "Hopper", email);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenant.Id, "test");
            await scope.ServiceProvider.GetRequiredService<InvoicesService>().CreateManualAsync(customer.Id, [new ManualLine("Migration of 3 sites", 1, 150m)], "EUR", 14, null);
        }
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<EmailDispatchJob>().RunAsync(CancellationToken.None);
        return await factory.InSystemScopeAsync((_, db) => db.EmailMessages.SingleAsync(e => e.To == email && e.Template == EmailTemplates.Invoice));
    }
}

public sealed class BillingEmailSmtpTests(BillingEmails.SmtpFactory factory) : IClassFixture<BillingEmails.SmtpFactory>
{
    [Fact]
    public async Task InvoiceEmail_IsDeliveredOverSmtp_AndLogged()
    {
        var email = $"billing-{Guid.NewGuid():N}@mail.test";
        var logged = await BillingEmails.InvoiceAndDispatchAsync(factory, email);

        var message = await SmtpMailTests.ReceiveAsync(email);
        Assert.Equal("billing@mpanel.test", message.From.Mailboxes.Single().Address);
        Assert.Matches(@"invoice INV-\d{4}-000001 \(150\.00 EUR\)$", message.Subject);
        Assert.Contains("INV-", message.TextBody);
        Assert.Equal(EmailStatus.Sent, logged.Status);
        Assert.Equal(message.Subject, logged.Subject);
    }
}

public sealed class BillingEmailLogTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    [Fact]
    public async Task WithoutSmtp_EmailStaysInTheLog_NotSent_WithItsRenderedBody()
    {
        var email = $"nosmtp-{Guid.NewGuid():N}@mail.test";
        var logged = await BillingEmails.InvoiceAndDispatchAsync(factory, email);

        Assert.Equal(EmailStatus.NotSent, logged.Status);
        Assert.Contains("No SMTP server", logged.LastError);
        Assert.Contains("150.00 EUR", logged.HtmlBody);
        Assert.Contains("Hello Grace Hopper", logged.TextBody);
    }
}
