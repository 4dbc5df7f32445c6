using System.Net;
using System.Text.RegularExpressions;
using MimeKit;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Account;

/// <summary>Mail over real SMTP: MPanel's MailKit mailer talks to the aiosmtpd server scripts/test starts, which files
/// every message into a Maildir that the test reads.</summary>
public sealed partial class SmtpMailTests : IClassFixture<SmtpMailTests.Factory>
{
    internal static readonly string Port = Environment.GetEnvironmentVariable("MPANEL_TEST_SMTP_PORT") ?? "56025";
    private static readonly string Maildir = Environment.GetEnvironmentVariable("MPANEL_TEST_MAILDIR")
        ?? Path.Combine(AppContext.BaseDirectory, "../../../../.data/smtp-maildir");

    public sealed class Factory : MPanelFactory
    {
        public Factory()
        {
            With("Mail:SmtpHost", "127.0.0.1");
            With("Mail:SmtpPort", Port);
            With("Mail:UseStartTls", "false");
            With("Mail:From", "no-reply@mpanel.test");
        }
    }

    private readonly Factory _factory;

    public SmtpMailTests(Factory factory) => _factory = factory;

    [Fact]
    public async Task PasswordReset_OverSmtp_EndToEnd()
    {
        var email = $"smtp-{Guid.NewGuid():N}@mail.test";
        await _factory.CreateUserAsync((await _factory.PlatformAsync()).Id, email, Roles.Support);
        var client = _factory.NewClient();
        var page = await client.GetStringAsync("/account/forgot-password");
        await client.PostAsync("/account/forgot-password", Form(page, "forgot", ("Input.Email", email)));

        var message = await ReceiveAsync(email);
        Assert.Equal("no-reply@mpanel.test", message.From.Mailboxes.Single().Address);
        Assert.Equal("Reset your MPanel password", message.Subject);
        var link = new Uri(LinkPattern().Match(message.TextBody ?? "").Value);

        var resetPage = await client.GetStringAsync(link.PathAndQuery);
        var done = await client.PostAsync(link.PathAndQuery, Form(resetPage, "reset", ("Input.Password", "smtp delivered passphrase"), ("Input.ConfirmPassword", "smtp delivered passphrase")));
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        await _factory.SignedInAsync(email, "smtp delivered passphrase");
    }

    /// <summary>Waits for the message to arrive in the Maildir (a condition, not a fixed sleep).</summary>
    internal static async Task<MimeMessage> ReceiveAsync(string to)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var folder = Path.Combine(Maildir, "new");
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder))
            {
                foreach (var file in Directory.GetFiles(folder))
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => m.Address == to)) return message;
                }
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"No mail to {to} reached the SMTP server's Maildir {Maildir}.");
    }

    private static FormUrlEncodedContent Form(string page, string handler, params (string, string)[] fields) => Forms.Content(page, handler, fields);

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();

}
