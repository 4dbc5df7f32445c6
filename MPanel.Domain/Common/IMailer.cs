namespace MPanel.Domain.Common;

public sealed record MailMessage(string To, string Subject, string TextBody, string? HtmlBody = null);

/// <summary>Sends mail (SMTP in production, a pickup folder of .eml files on a developer machine).</summary>
public interface IMailer
{
    Task SendAsync(MailMessage message, CancellationToken cancellationToken = default);
}
