using System.Text.RegularExpressions;
using MimeKit;

namespace MPanel.Tests.Support;

/// <summary>Reads the .eml files the pickup-directory mailer wrote for one test host.</summary>
public static partial class Mailbox
{
    public static async Task<MimeMessage> WaitForAsync(this MPanelFactory factory, string to, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(factory.MailDirectory))
            {
                foreach (var file in Directory.GetFiles(factory.MailDirectory, "*.eml").Order())
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => string.Equals(m.Address, to, StringComparison.OrdinalIgnoreCase)))
                    {
                        File.Delete(file);
                        return message;
                    }
                }
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"No mail to {to} arrived.");
    }

    public static string Link(this MimeMessage message) => LinkPattern().Match(message.TextBody ?? "").Value;

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
