using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Common;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Security;

namespace MPanel.Web.Features.Tokens;

public sealed record PersonalAccessTokenRow(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);

public sealed record CreatePersonalAccessTokenRequest(string Name, IReadOnlyList<string> Scopes, int? ExpiresInDays);

/// <summary>The secret is in <see cref="Secret"/> once, in the answer to the request that made it; never again.</summary>
public sealed record CreatedPersonalAccessToken(PersonalAccessTokenRow Token, string Secret);

/// <summary>Personal access tokens of the signed-in user: scopes are permission names the user holds; a request made
/// with the token can use only those.</summary>
public sealed class PersonalAccessTokensService(TenantScopeFactory scopes, CurrentTenant current, TimeProvider clock)
{
    public const string ScopeClaim = "scope";

    public async Task<IReadOnlyList<PersonalAccessTokenRow>> ListMineAsync(CancellationToken ct = default)
    {
        var userId = Me();
        await using var scope = scopes.Create();
        var now = clock.GetUtcNow();
        var rows = await scope.Db.PersonalAccessTokens.AsNoTracking()
            .Where(t => t.UserId == userId && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now))
            .OrderByDescending(t => t.CreatedAt).ToListAsync(ct);
        return rows.Select(ToRow).ToList();
    }

    public async Task<CreatedPersonalAccessToken> CreateAsync(CreatePersonalAccessTokenRequest request, CancellationToken ct = default)
    {
        var userId = Me();
        if (current.Principal.HasClaim(c => c.Type == ScopeClaim))
            throw new ForbiddenError("A personal access token cannot make other tokens; sign in to do that.").ToException();
        var name = Text.Clean(request.Name);
        var wanted = (request.Scopes ?? []).Distinct().ToList();
        var held = wanted.Where(p => current.Principal.Has(p)).ToList();
        new Validator()
            .Require(name is { Length: >= 2 and <= 100 }, "name", "Name the token (2 to 100 characters), e.g. \"billing export\".")
            .Require(wanted.Count > 0, "scopes", "Choose at least one scope.")
            .Require(wanted.All(Permissions.All.Contains), "scopes", "Unknown scope.")
            .Require(held.Count == wanted.Count, "scopes", "You can only give a token permissions your role has.")
            .Require(request.ExpiresInDays is null or (>= 1 and <= 365), "expiresInDays", "Expiry is 1 to 365 days, or none.")
            .ThrowIfInvalid();
        var now = clock.GetUtcNow();
        var (secret, hash, prefix) = PersonalAccessToken.Create();
        var token = new PersonalAccessToken(current.TenantId!.Value, userId, name!, hash, prefix, wanted, now,
            request.ExpiresInDays is { } days ? now.AddDays(days) : null);
        await using var scope = scopes.Create();
        scope.Db.PersonalAccessTokens.Add(token);
        await scope.Db.SaveChangesAsync(ct);
        return new CreatedPersonalAccessToken(ToRow(token), secret);
    }

    public async Task RevokeAsync(Guid id, CancellationToken ct = default)
    {
        var userId = Me();
        await using var scope = scopes.Create();
        var token = await scope.Db.PersonalAccessTokens.FirstOrDefaultAsync(t => t.Id == id && t.UserId == userId, ct)
            ?? throw new NotFoundError("Token", id).ToException();
        token.Revoke(clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
    }

    private Guid Me() => current.Actor.UserId ?? throw new ForbiddenError("Sign in first.").ToException();

    private static PersonalAccessTokenRow ToRow(PersonalAccessToken t) =>
        new(t.Id, t.Name, t.DisplayPrefix, t.ScopeList, t.CreatedAt, t.ExpiresAt, t.LastUsedAt);
}

/// <summary>Authenticates "Authorization: Bearer mpat_…": the user behind the token, limited to its scopes.</summary>
public sealed class PersonalAccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    MPanelDbContext db, CrossTenantAccess crossTenant, IUserClaimsPrincipalFactory<ApplicationUser> claims, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PersonalAccessToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer " + PersonalAccessToken.SecretPrefix, StringComparison.Ordinal)) return AuthenticateResult.NoResult();
        var hash = RefreshToken.Hash(header["Bearer ".Length..].Trim());
        var now = clock.GetUtcNow();
        using var _ = crossTenant.BeginSystem();
        var token = await db.PersonalAccessTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash);
        if (token is null || !token.IsUsable(now)) return AuthenticateResult.Fail("Unknown, revoked or expired token.");
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == token.UserId);
        if (user is null || user.IsDisabled || !user.EmailConfirmed) return AuthenticateResult.Fail("The token's account cannot sign in.");
        var principal = await claims.CreateAsync(user);
        var identity = (ClaimsIdentity)principal.Identity!;
        foreach (var scope in token.ScopeList) identity.AddClaim(new Claim(PersonalAccessTokensService.ScopeClaim, scope));
        // Made by a session that passed the second factor (staff cannot make tokens otherwise).
        if (user.TwoFactorEnabled) identity.AddClaim(new Claim("amr", "mfa"));
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
            await db.PersonalAccessTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(u => u.SetProperty(t => t.LastUsedAt, now));
        var ticketPrincipal = new ClaimsPrincipal(new ClaimsIdentity(identity.Claims, SchemeName, identity.NameClaimType, identity.RoleClaimType));
        return AuthenticateResult.Success(new AuthenticationTicket(ticketPrincipal, SchemeName));
    }
}
