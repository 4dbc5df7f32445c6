using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Account;

/// <summary>Changing the sign-in email (OWASP ASVS 5.0 7.5.1): the current password is asked again, the new address
/// proves itself through an emailed link (Identity's change-email token: Data Protection, 24 hours, spent by the
/// security-stamp change it causes), and the old address hears of both the request and the change. The email is
/// also the login name, so both change together; every session ends afterwards.</summary>
public sealed class EmailChangeService(
    UserManager<ApplicationUser> users, MPanelDbContext db, CrossTenantAccess crossTenant, CurrentTenant current,
    SessionRegistry sessions, IMailer mailer, TimeProvider clock, ILogger<EmailChangeService> logger)
{
    private static ValidationError InvalidLink => ValidationError.For("code", "This link is invalid or has expired. Ask for a new one.");

    public async Task<string> CurrentEmailAsync(ClaimsPrincipal principal) => (await RequireUserAsync(principal)).Email!;

    /// <summary>Checks the password and the new address, then mails a confirmation link to the new address and a
    /// notice to the old one. Nothing changes until the link is used.</summary>
    public async Task RequestAsync(ClaimsPrincipal principal, string password, string newEmail, string baseUri, CancellationToken ct = default)
    {
        var user = await RequireUserAsync(principal);
        if (!await users.CheckPasswordAsync(user, password ?? ""))
        {
            await users.AccessFailedAsync(user);
            throw ValidationError.For("password", "That is not your current password.").ToException();
        }

        newEmail = (newEmail ?? "").Trim();
        if (!Text.IsEmail(newEmail) || newEmail.Any(c => !users.Options.User.AllowedUserNameCharacters.Contains(c)))
            throw ValidationError.For("newEmail", "Enter a valid email address.").ToException();
        if (string.Equals(users.NormalizeEmail(newEmail), user.NormalizedEmail, StringComparison.Ordinal))
            throw ValidationError.For("newEmail", "That is already your sign-in email.").ToException();
        bool taken;
        using (crossTenant.BeginSystem()) // login names are unique across every tenant
            taken = await users.FindByEmailAsync(newEmail) is not null;
        if (taken) throw ValidationError.For("newEmail", "That address belongs to another account. Choose another one.").ToException();

        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await users.GenerateChangeEmailTokenAsync(user, newEmail)));
        var link = $"{baseUri.TrimEnd('/')}/account/confirm-email?userId={user.Id}&email={Uri.EscapeDataString(newEmail)}&code={code}";
        await mailer.SendAsync(new MailMessage(newEmail, "Confirm your new MPanel sign-in email",
            $"Hello {user.DisplayName},\n\nYou asked to sign in to MPanel with this address from now on.\n" +
            $"Confirm it here (valid for 24 hours):\n{link}\n\nUntil you do, nothing changes. If it was not you, ignore this message.\n"), ct);
        await mailer.SendAsync(new MailMessage(user.Email!, "Someone asked to change your MPanel sign-in email",
            $"Hello {user.DisplayName},\n\nOn {clock.GetUtcNow():d MMMM yyyy 'at' HH:mm} UTC someone signed in to your MPanel account asked to change " +
            $"its sign-in email to {Mask(newEmail)}. It changes only when the link sent to that address is opened.\n" +
            "If this was not you, change your password now and contact your administrator.\n"), ct);
        logger.LogInformation("User {UserId} asked to change their email", user.Id);
    }

    /// <summary>Uses the emailed link: changes email and login name together, ends every session and tells the old
    /// address. Works signed in or not, so the account is found in an explicit system scope.</summary>
    public async Task ConfirmAsync(Guid userId, string email, string code, CancellationToken ct = default)
    {
        using var _ = crossTenant.BeginSystem();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null || user.IsDisabled || string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(code)) throw InvalidLink.ToException();
        current.IdentifyActor(user.Id, user.Email!);
        string token;
        try
        {
            token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            throw InvalidLink.ToException();
        }

        var oldEmail = user.Email!;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var changed = await users.ChangeEmailAsync(user, email, token);
            if (!changed.Succeeded)
            {
                if (changed.Errors.Any(e => e.Code == "DuplicateEmail"))
                    throw ValidationError.For("code", "That address belongs to another account now. Ask for a new link with another address.").ToException();
                throw InvalidLink.ToException();
            }
            var renamed = await users.SetUserNameAsync(user, email);
            if (!renamed.Succeeded) throw InvalidLink.ToException(); // rolled back with the transaction
            await tx.CommitAsync(ct);
        }

        await sessions.RevokeAllAsync(user.Id, keep: null, "Email changed", ct);
        logger.LogInformation("User {UserId} changed their email", user.Id);
        await mailer.SendAsync(new MailMessage(oldEmail, "Your MPanel sign-in email was changed",
            $"Hello {user.DisplayName},\n\nThe sign-in email of your MPanel account was changed to {Mask(email)} on " +
            $"{clock.GetUtcNow():d MMMM yyyy 'at' HH:mm} UTC, and every session was signed out.\n" +
            "If this was not you, contact your administrator at once: you can no longer sign in with this address, and " +
            "password reset links now go to the new one.\n"), ct);
    }

    private async Task<ApplicationUser> RequireUserAsync(ClaimsPrincipal principal) =>
        await users.GetUserAsync(principal) ?? throw new ForbiddenError("Sign in again.").ToException();

    /// <summary>"j***@example.org": enough for the owner to recognise, little for someone reading a forwarded mail.</summary>
    private static string Mask(string email)
    {
        var at = email.IndexOf('@');
        return at <= 1 ? email : $"{email[0]}***{email[at..]}";
    }
}
