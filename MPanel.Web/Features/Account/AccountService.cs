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

public enum SignInOutcome { Succeeded, Failed, LockedOut, RequiresTwoFactor }

/// <summary>What the enrolment page shows: the secret for the authenticator app and its otpauth:// URI.</summary>
public sealed record AuthenticatorSetup(string Key, string Uri, bool Enabled, int RecoveryCodesLeft);

/// <summary>Sign-in, sign-out and password reset for the static (cookie-writing) account pages. Looking an account
/// up by its login name happens before any tenant is known, so it runs in an explicit system scope; everything the
/// signed-in user does afterwards is tenant-filtered as usual.</summary>
public sealed class AccountService(
    SignInManager<ApplicationUser> signIn, UserManager<ApplicationUser> users, MPanelDbContext db, CrossTenantAccess crossTenant,
    CurrentTenant current, SessionRegistry sessions,
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
        return await OutcomeAsync(user, result);
    }

    /// <summary>The second step: a code from the authenticator app (each time step accepted once).</summary>
    public async Task<SignInOutcome> TwoFactorSignInAsync(string code, bool remember)
    {
        using var _ = crossTenant.BeginSystem();
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null) return SignInOutcome.Failed;
        current.IdentifyActor(user.Id, user.Email!);
        var result = await signIn.TwoFactorAuthenticatorSignInAsync(code, remember, rememberClient: false);
        return await OutcomeAsync(user, result);
    }

    /// <summary>The second step with one of the ten recovery codes instead (each usable once).</summary>
    public async Task<SignInOutcome> RecoveryCodeSignInAsync(string code)
    {
        using var _ = crossTenant.BeginSystem();
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null) return SignInOutcome.Failed;
        current.IdentifyActor(user.Id, user.Email!);
        var result = await signIn.TwoFactorRecoveryCodeSignInAsync(code);
        return await OutcomeAsync(user, result);
    }

    /// <summary>Whether a password step is waiting for its second factor in this browser.</summary>
    public async Task<bool> HasPendingTwoFactorAsync()
    {
        using var _ = crossTenant.BeginSystem();
        return await signIn.GetTwoFactorAuthenticationUserAsync() is not null;
    }

    private async Task<SignInOutcome> OutcomeAsync(ApplicationUser user, SignInResult result)
    {
        if (result.IsLockedOut || user.IsDisabled) return SignInOutcome.LockedOut;
        if (result.RequiresTwoFactor) return SignInOutcome.RequiresTwoFactor;
        if (!result.Succeeded) return SignInOutcome.Failed;
        user.LastSignInAt = clock.GetUtcNow();
        await users.UpdateAsync(user);
        logger.LogInformation("User {UserId} signed in", user.Id);
        return SignInOutcome.Succeeded;
    }

    // ---- enrolment, for the signed-in user; every change asks for the password again (re-authentication) ----

    public async Task<AuthenticatorSetup> GetSetupAsync(ClaimsPrincipal principal, string issuer)
    {
        var user = await RequireUserAsync(principal);
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = (await users.GetAuthenticatorKeyAsync(user))!;
        }
        return new AuthenticatorSetup(FormatKey(key), TotpTokenProvider.AuthenticatorUri(issuer, user.Email!, key),
            user.TwoFactorEnabled, user.TwoFactorEnabled ? await users.CountRecoveryCodesAsync(user) : 0);
    }

    /// <summary>Turns two-factor on after checking the password and a first code; returns the ten recovery codes
    /// (shown once). Other sessions end; this one is signed in again as having passed the second factor.</summary>
    public async Task<IReadOnlyList<string>> EnableTwoFactorAsync(ClaimsPrincipal principal, string password, string code)
    {
        var user = await RequireUserAsync(principal);
        await ReauthenticateAsync(user, password);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
            throw ValidationError.For("code", "That code is not right (or was already used). Enter the current code from your app.").ToException();
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToList();
        await users.UpdateSecurityStampAsync(user);
        await sessions.RevokeAllAsync(user.Id, keep: null, "Two-factor turned on");
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim("amr", "mfa")]);
        return codes;
    }

    public async Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(ClaimsPrincipal principal, string password)
    {
        var user = await RequireUserAsync(principal);
        await ReauthenticateAsync(user, password);
        if (!user.TwoFactorEnabled) throw new ConflictError("two_factor_off", "Turn on two-factor authentication first.").ToException();
        return (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToList();
    }

    /// <summary>Changes the signed-in user's password (the current one is the re-authentication), ends every other
    /// session, keeps this one, and tells the user by email. The change itself is audited like every other.</summary>
    public async Task ChangePasswordAsync(ClaimsPrincipal principal, string currentPassword, string newPassword, CancellationToken ct = default)
    {
        var user = await RequireUserAsync(principal);
        var result = await users.ChangePasswordAsync(user, currentPassword ?? "", newPassword ?? "");
        if (!result.Succeeded)
        {
            if (result.Errors.Any(e => e.Code == "PasswordMismatch"))
            {
                await users.AccessFailedAsync(user);
                throw ValidationError.For("currentPassword", "That is not your current password.").ToException();
            }
            throw new ValidationError(new Dictionary<string, string[]> { ["newPassword"] = result.Errors.Select(e => e.Description).ToArray() }).ToException();
        }
        await sessions.RevokeAllAsync(user.Id, Security.SessionTracking.SessionOf(principal), "Password changed");
        await signIn.RefreshSignInAsync(user); // new security stamp in this browser's cookie; same session
        await mailer.SendAsync(new MailMessage(user.Email!, "Your MPanel password was changed",
            $"Hello {user.DisplayName},\n\nThe password of your MPanel account was changed on {clock.GetUtcNow():d MMMM yyyy 'at' HH:mm} UTC, " +
            "and every other session was signed out.\nIf this was not you, reset your password now and contact your administrator.\n"), ct);
    }

    private async Task<ApplicationUser> RequireUserAsync(ClaimsPrincipal principal) =>
        await users.GetUserAsync(principal) ?? throw new ForbiddenError("Sign in again.").ToException();

    private async Task ReauthenticateAsync(ApplicationUser user, string password)
    {
        if (!await users.CheckPasswordAsync(user, password ?? ""))
        {
            await users.AccessFailedAsync(user);
            throw ValidationError.For("password", "That is not your current password.").ToException();
        }
    }

    private static string FormatKey(string key) =>
        string.Join(' ', Enumerable.Range(0, (key.Length + 3) / 4).Select(i => key.Substring(i * 4, Math.Min(4, key.Length - i * 4)))).ToLowerInvariant();

    /// <summary>Ends this browser's session record, then the cookie.</summary>
    public async Task SignOutAsync(ClaimsPrincipal principal)
    {
        if (Security.SessionTracking.SessionOf(principal) is { } sid && (await users.GetUserAsync(principal)) is { } user)
            await sessions.RevokeAsync(user.Id, sid, "Signed out");
        await signIn.SignOutAsync();
    }

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
        var invitation = !user.EmailConfirmed; // an invitation link sets the first password
        var result = await users.ResetPasswordAsync(user, token, newPassword);
        if (result.Succeeded)
        {
            if (!user.EmailConfirmed)
            {
                user.EmailConfirmed = true; // an invitation link proves the address
                await users.UpdateAsync(user);
            }
            if (await users.IsLockedOutAsync(user)) await users.SetLockoutEndDateAsync(user, null);
            await sessions.RevokeAllAsync(user.Id, keep: null, "Password reset");
            if (!invitation) await mailer.SendAsync(new MailMessage(user.Email!, "Your MPanel password was changed",
                $"Hello {user.DisplayName},\n\nThe password of your MPanel account was reset with an emailed link on " +
                $"{clock.GetUtcNow():d MMMM yyyy 'at' HH:mm} UTC, and every session was signed out.\n" +
                "If this was not you, reset your password again now and contact your administrator.\n"));
            return;
        }
        if (result.Errors.Any(e => e.Code == "InvalidToken")) throw invalid.ToException();
        throw new ValidationError(new Dictionary<string, string[]> { ["password"] = result.Errors.Select(e => e.Description).ToArray() }).ToException();
    }

    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<ApplicationUser>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = Infrastructure.PasswordHashing.IterationCount }))
            .HashPassword(new ApplicationUser(), Guid.NewGuid().ToString()));
}
