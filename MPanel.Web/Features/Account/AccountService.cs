using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Account;

public enum SignInOutcome { Succeeded, Failed, LockedOut }

/// <summary>Sign-in, sign-out and password reset for the static (cookie-writing) account pages. Looking an account
/// up by its login name happens before any tenant is known, so it runs in an explicit system scope; everything the
/// signed-in user does afterwards is tenant-filtered as usual.</summary>
public sealed class AccountService(
    SignInManager<ApplicationUser> signIn, UserManager<ApplicationUser> users, MPanelDbContext db, CrossTenantAccess crossTenant,
    CurrentTenant current,
    IMailer mailer, TimeProvider clock, ILogger<AccountService> logger)
{
    public async Task<SignInOutcome> PasswordSignInAsync(string email, string password, bool remember)
    {
        using var _ = crossTenant.BeginSystem();
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            // Same work as a real check, so timing does not tell whether the account exists.
            users.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), DummyHash.Value, password);
            return SignInOutcome.Failed;
        }
        current.IdentifyActor(user.Id, user.Email!);
        var result = await signIn.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        if (result.IsLockedOut || user.IsDisabled) return SignInOutcome.LockedOut;
        if (!result.Succeeded) return SignInOutcome.Failed;
        user.LastSignInAt = clock.GetUtcNow();
        await users.UpdateAsync(user);
        logger.LogInformation("User {UserId} signed in", user.Id);
        return SignInOutcome.Succeeded;
    }

    public Task SignOutAsync() => signIn.SignOutAsync();

    /// <summary>Sends a reset link when the account exists; answers the same either way.</summary>
    public async Task RequestPasswordResetAsync(string email, string baseUri, CancellationToken ct = default)
    {
        using var _ = crossTenant.BeginSystem();
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null || user.IsDisabled) return;
        var code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(await users.GeneratePasswordResetTokenAsync(user)));
        var link = $"{baseUri.TrimEnd('/')}/account/reset-password?userId={user.Id}&code={code}";
        await mailer.SendAsync(new MailMessage(user.Email!, "Reset your MPanel password",
            $"Hello {user.DisplayName},\n\nSomeone (hopefully you) asked to reset your MPanel password.\n" +
            $"Choose a new one here (valid for 24 hours):\n{link}\n\nIf it was not you, ignore this message; your password stays as it is.\n"), ct);
    }

    public async Task ResetPasswordAsync(Guid userId, string code, string newPassword)
    {
        using var _ = crossTenant.BeginSystem();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId);
        var invalid = ValidationError.For("code", "This link is invalid or has expired. Ask for a new one.");
        if (user is null || user.IsDisabled) throw invalid.ToException();
        current.IdentifyActor(user.Id, user.Email!);
        string token;
        try
        {
            token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            throw invalid.ToException();
        }
        var result = await users.ResetPasswordAsync(user, token, newPassword);
        if (result.Succeeded)
        {
            if (!user.EmailConfirmed)
            {
                user.EmailConfirmed = true; // an invitation link proves the address
                await users.UpdateAsync(user);
            }
            if (await users.IsLockedOutAsync(user)) await users.SetLockoutEndDateAsync(user, null);
            return;
        }
        if (result.Errors.Any(e => e.Code == "InvalidToken")) throw invalid.ToException();
        throw new ValidationError(new Dictionary<string, string[]> { ["password"] = result.Errors.Select(e => e.Description).ToArray() }).ToException();
    }

    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<ApplicationUser>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = Infrastructure.PasswordHashing.IterationCount }))
            .HashPassword(new ApplicationUser(), Guid.NewGuid().ToString()));
}
