using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Security;

namespace MPanel.Web.Features.Tokens;

public sealed record TokenRequest(string Email, string Password, string? Code);
public sealed record RefreshRequest(string RefreshToken);
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);

/// <summary>Tokens for the REST API: a 15-minute JWT plus a rotating refresh token, issued for the same credentials the
/// sign-in page asks for (password, and the authenticator code when two-factor is on or required).</summary>
public sealed class TokenService(
    MPanelDbContext db, UserManager<ApplicationUser> users, SignInManager<ApplicationUser> signIn, IUserClaimsPrincipalFactory<ApplicationUser> claims,
    CrossTenantAccess crossTenant, CurrentTenant current, TokenSigningKey signingKey, IOptions<ApiTokenOptions> options,
    IOptionsMonitor<TwoFactorOptions> twoFactor, TimeProvider clock)
{

    public async Task<TokenResponse> IssueAsync(TokenRequest request, CancellationToken ct = default)
    {
        using var _ = crossTenant.BeginSystem();
        var user = await users.FindByEmailAsync(request.Email?.Trim() ?? "");
        if (user is null) throw new UnauthorizedError().ToException();
        current.IdentifyActor(user.Id, user.Email!);
        var check = await signIn.CheckPasswordSignInAsync(user, request.Password ?? "", lockoutOnFailure: true);
        if (!check.Succeeded || user.IsDisabled) throw new UnauthorizedError().ToException();
        var secondFactor = false;
        if (user.TwoFactorEnabled)
        {
            if (string.IsNullOrWhiteSpace(request.Code))
                throw ValidationError.For("code", "This account uses two-factor authentication: send the current code from the app.").ToException();
            if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, request.Code))
            {
                await users.AccessFailedAsync(user);
                throw new UnauthorizedError().ToException();
            }
            secondFactor = true;
        }
        var principal = await claims.CreateAsync(user);
        if (secondFactor) ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim("amr", "mfa"));
        if (TwoFactorGate.MustEnrol(principal, twoFactor.CurrentValue))
            throw new ForbiddenError("Your role requires two-factor authentication: set it up in MPanel first.").ToException();
        return await IssueForAsync(user, principal, Guid.CreateVersion7(), ct);
    }

    /// <summary>Spends the presented refresh token and issues the next of its family; a spent token presented again
    /// revokes the whole family (someone copied it).</summary>
    public async Task<TokenResponse> RefreshAsync(RefreshRequest request, CancellationToken ct = default)
    {
        using var _ = crossTenant.BeginSystem();
        var now = clock.GetUtcNow();
        var hash = RefreshToken.Hash(request.RefreshToken ?? "");
        var token = await db.RefreshTokens.FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (token is null) throw new UnauthorizedError().ToException();
        if (!token.IsUsable(now))
        {
            if (token.UsedAt is not null) await RevokeFamilyAsync(token.FamilyId, ct);
            throw new UnauthorizedError().ToException();
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == token.UserId, ct);
        if (user is null || user.IsDisabled || await users.IsLockedOutAsync(user)) throw new UnauthorizedError().ToException();
        current.IdentifyActor(user.Id, user.Email!);
        token.Spend(now);
        var principal = await claims.CreateAsync(user);
        if (user.TwoFactorEnabled) ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim("amr", "mfa"));
        return await IssueForAsync(user, principal, token.FamilyId, ct);
    }

    /// <summary>Ends a sign-in of the API: the presented token's whole family.</summary>
    public async Task RevokeAsync(RefreshRequest request, CancellationToken ct = default)
    {
        using var _ = crossTenant.BeginSystem();
        var hash = RefreshToken.Hash(request.RefreshToken ?? "");
        var token = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (token is not null) await RevokeFamilyAsync(token.FamilyId, ct);
    }

    private async Task RevokeFamilyAsync(Guid familyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var family = await db.RefreshTokens.Where(t => t.FamilyId == familyId && t.RevokedAt == null).ToListAsync(ct);
        foreach (var t in family) t.Revoke(now);
        await db.SaveChangesAsync(ct);
    }

    private async Task<TokenResponse> IssueForAsync(ApplicationUser user, ClaimsPrincipal principal, Guid familyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var o = options.Value;
        var (refresh, hash) = RefreshToken.Create();
        var row = new RefreshToken(user.TenantId, user.Id, familyId, hash, now, TimeSpan.FromDays(o.RefreshDays));
        db.RefreshTokens.Add(row);
        await db.SaveChangesAsync(ct);

        var subject = new ClaimsIdentity(principal.Claims, "Bearer");
        subject.AddClaim(new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")));
        var access = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ApiTokenOptions.Issuer,
            Audience = ApiTokenOptions.Audience,
            Subject = subject,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.AddMinutes(o.AccessMinutes).UtcDateTime,
            SigningCredentials = new SigningCredentials(signingKey.Get(), SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(access, "Bearer", o.AccessMinutes * 60, refresh, row.ExpiresAt);
    }
}

public sealed record UnauthorizedError() : DomainError("unauthorized", "The email, password or code is not right, or the account is locked.");
