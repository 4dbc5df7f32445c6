using Microsoft.AspNetCore.Identity;
using OtpNet;

namespace MPanel.Infrastructure.Identity;

/// <summary>TOTP (RFC 6238, 30-second steps, 6 digits) with a window of one step either side, and each accepted
/// time step remembered on the user so a code can never be used twice. Replaces Identity's built-in authenticator
/// provider, which accepts two steps either side and allows replay.</summary>
public sealed class TotpTokenProvider(TimeProvider clock) : IUserTwoFactorTokenProvider<ApplicationUser>
{
    public const string Name = "MPanelTotp";
    private static readonly VerificationWindow Window = new(previous: 1, future: 1);

    public Task<string> GenerateAsync(string purpose, UserManager<ApplicationUser> manager, ApplicationUser user) =>
        throw new NotSupportedException("TOTP codes come from the user's authenticator app.");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<ApplicationUser> manager, ApplicationUser user)
    {
        var code = new string((token ?? "").Where(char.IsAsciiDigit).ToArray());
        if (code.Length != 6) return false;
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key)) return false;
        var totp = new Totp(Base32Encoding.ToBytes(key));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, code, out var step, Window)) return false;
        if (user.TwoFactorLastStep is { } last && step <= last) return false; // replay, or an older code after a newer one
        user.TwoFactorLastStep = step;
        // The concurrency stamp makes two simultaneous uses of one code race: only one update wins.
        return (await manager.UpdateAsync(user)).Succeeded;
    }

    /// <summary>True once the user has an authenticator key: Identity then asks for a code at sign-in.</summary>
    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<ApplicationUser> manager, ApplicationUser user) =>
        !string.IsNullOrEmpty(await manager.GetAuthenticatorKeyAsync(user));

    /// <summary>An otpauth:// URI for authenticator apps (the QR code's content).</summary>
    public static string AuthenticatorUri(string issuer, string email, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(email)}?secret={key}&issuer={Uri.EscapeDataString(issuer)}&digits=6&period=30";
}
