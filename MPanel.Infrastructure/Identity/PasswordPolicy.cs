using System.Reflection;
using Microsoft.AspNetCore.Identity;

namespace MPanel.Infrastructure.Identity;

/// <summary>OWASP ASVS 5 L2 password rules: 12 to 128 characters, no composition rules, and not one of the
/// commonly used passwords shipped with MPanel (a list of the most common passwords of 12+ characters
/// plus their lower-cased forms).</summary>
public sealed class PasswordPolicyValidator : IPasswordValidator<ApplicationUser>
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    private static readonly Lazy<HashSet<string>> Common = new(Load);

    public static bool IsCommon(string password) => Common.Value.Contains(password.ToLowerInvariant());

    public Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user, string? password)
    {
        var errors = new List<IdentityError>();
        password ??= "";
        var length = new System.Globalization.StringInfo(password).LengthInTextElements;
        if (length < MinLength)
            errors.Add(new IdentityError { Code = "PasswordTooShort", Description = $"Use at least {MinLength} characters; a few unrelated words make a good password." });
        if (length > MaxLength)
            errors.Add(new IdentityError { Code = "PasswordTooLong", Description = $"Use at most {MaxLength} characters." });
        if (length >= MinLength && IsCommon(password))
            errors.Add(new IdentityError { Code = "PasswordCommon", Description = "This password is too common and easy to guess; choose another." });
        if (length >= MinLength && user.Email is { } email && password.Contains(email.Split('@')[0], StringComparison.OrdinalIgnoreCase) && email.Split('@')[0].Length >= 4)
            errors.Add(new IdentityError { Code = "PasswordContainsUserName", Description = "The password must not contain your email name." });
        return Task.FromResult(errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]));
    }

    private static HashSet<string> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("MPanel.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from the assembly.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#') set.Add(line.Trim().ToLowerInvariant());
        }
        return set;
    }
}
