using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MPanel.Domain.Common;
using System.ComponentModel.DataAnnotations;

namespace MPanel.Infrastructure.Mail;

public sealed class MailOptions
{
    public const string Section = "Mail";

    [Required, EmailAddress]
    public string From { get; set; } = "no-reply@mpanel.localhost";
    public string FromName { get; set; } = "MPanel";
    /// <summary>SMTP host; when empty, mail is written as .eml files into <see cref="PickupDirectory"/>.</summary>
    public string? SmtpHost { get; set; }
    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;
    public string? SmtpUser { get; set; }
    public string? SmtpPassword { get; set; }
    public bool UseStartTls { get; set; } = true;
    public string PickupDirectory { get; set; } = "mail-outbox";
}

internal static class MimeFactory
{
    public static MimeMessage Build(MailOptions options, MailMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(options.FromName, options.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        mime.Body = body.ToMessageBody();
        return mime;
    }
}

/// <summary>Sends through an SMTP relay with MailKit.</summary>
public sealed class SmtpMailer(IOptions<MailOptions> options) : IMailer
{
    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        using var client = new SmtpClient();
        await client.ConnectAsync(o.SmtpHost!, o.SmtpPort, o.UseStartTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None, cancellationToken);
        if (!string.IsNullOrEmpty(o.SmtpUser))
            await client.AuthenticateAsync(o.SmtpUser, o.SmtpPassword ?? "", cancellationToken);
        await client.SendAsync(MimeFactory.Build(o, message), cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
    }
}

/// <summary>Writes each message as an .eml file (RFC 5322) into a folder: a developer machine's outbox.</summary>
public sealed class PickupDirectoryMailer(IOptions<MailOptions> options, ILogger<PickupDirectoryMailer> logger) : IMailer
{
    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        Directory.CreateDirectory(o.PickupDirectory);
        var path = Path.Combine(o.PickupDirectory, $"{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}.eml");
        await MimeFactory.Build(o, message).WriteToAsync(path, cancellationToken);
        logger.LogInformation("Mail to {To} ({Subject}) written to {Path}", message.To, message.Subject, path);
    }
}
