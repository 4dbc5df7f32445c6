using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Tokens;

public sealed class ApiTokenOptions
{
    public const string Section = "ApiTokens";

    /// <summary>Lifetime of an access token (a JWT), minutes.</summary>
    [Range(1, 60)]
    public int AccessMinutes { get; set; } = 15;

    /// <summary>Lifetime of a refresh token, days (each refresh issues a new one).</summary>
    [Range(1, 90)]
    public int RefreshDays { get; set; } = 30;

    public const string Issuer = "mpanel";
    public const string Audience = "mpanel-api";
}

/// <summary>The HMAC-SHA256 key that signs access tokens: 256 random bits made once per platform, kept in
/// <c>platform_secrets</c> encrypted with Data Protection (so every instance on the shared key ring can use it), and
/// cached in memory.</summary>
public sealed class TokenSigningKey(IServiceScopeFactory scopes, IDataProtectionProvider protection, TimeProvider clock)
{
    private const string SecretName = "api-token-signing-key";
    private readonly SemaphoreSlim _lock = new(1, 1);
    private SymmetricSecurityKey? _key;

    public SymmetricSecurityKey Get()
    {
        if (_key is not null) return _key;
        _lock.Wait();
        try
        {
            return _key ??= new SymmetricSecurityKey(LoadOrCreate()) { KeyId = "mpanel-1" };
        }
        finally
        {
            _lock.Release();
        }
    }

    private byte[] LoadOrCreate()
    {
        var protector = protection.CreateProtector("MPanel.ApiTokens.SigningKey");
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        var existing = db.PlatformSecrets.AsNoTracking().FirstOrDefault(s => s.Name == SecretName);
        if (existing is not null) return protector.Unprotect(Convert.FromBase64String(existing.ProtectedValue));
        var key = RandomNumberGenerator.GetBytes(32);
        using (scope.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem())
        {
            db.PlatformSecrets.Add(new PlatformSecret(SecretName, Convert.ToBase64String(protector.Protect(key)), clock.GetUtcNow()));
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                // Another instance made it first: use theirs.
                db.ChangeTracker.Clear();
                var theirs = db.PlatformSecrets.AsNoTracking().First(s => s.Name == SecretName);
                return protector.Unprotect(Convert.FromBase64String(theirs.ProtectedValue));
            }
        }
        return key;
    }
}
