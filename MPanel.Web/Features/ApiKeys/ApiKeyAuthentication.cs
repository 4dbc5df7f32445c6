using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.ApiKeys;

public static class ApiKeyDefaults
{
    public const string Scheme = "ApiKey";
    public const string Header = "X-API-Key";
    /// <summary>The key a request presented, found by its prefix, whether or not it authenticated (for the activity log).</summary>
    internal const string PresentedKeyItem = "MPanel.PresentedApiKey";
    /// <summary>Last-used time and address are written at most this often per key (and whenever the address changes).</summary>
    internal static readonly TimeSpan LastUsedInterval = TimeSpan.FromMinutes(1);
}

public static class ApiKeyClaims
{
    public const string KeyId = "mpanel:api_key_id";
    public const string Scope = "mpanel:api_scope";
    public const string ReadsPerMinute = "mpanel:api_reads_per_minute";
    public const string WritesPerMinute = "mpanel:api_writes_per_minute";

    public static Guid? KeyIdOf(ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == ApiKeyDefaults.Scheme && Guid.TryParse(user.FindFirstValue(KeyId), out var id) ? id : null;

    public static int LimitOf(ClaimsPrincipal user, ApiRateClass rateClass) =>
        int.TryParse(user.FindFirstValue(rateClass == ApiRateClass.Write ? WritesPerMinute : ReadsPerMinute), CultureInfo.InvariantCulture, out var limit) ? limit : 0;
}

/// <summary>The key a request presented: its id and tenant, known once its prefix matched a stored key.</summary>
internal sealed record PresentedApiKey(Guid KeyId, Guid TenantId);

/// <summary>Authenticates <c>X-API-Key: mpk_live_…</c>: finds the key by its prefix, compares SHA-256 hashes in constant
/// time, refuses revoked and expired keys and keys of a tenant that is not active. The principal carries the key's
/// tenant in the same claim a signed-in user's cookie does, so tenant resolution treats both alike; its name
/// ("api-key:mpk_live_…") is the actor in the audit log.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    CrossTenantAccess crossTenant, TimeProvider clock, ApiKeyCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    // The DbContext is resolved only when it is needed (a key not in the cache, or a last-used write that is due): with a
    // cached key most calls never touch the database, and constructing a context per call was a measurable cost.
    private MPanelDbContext Db => Context.RequestServices.GetRequiredService<MPanelDbContext>();

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyDefaults.Header, out var values)) return AuthenticateResult.NoResult();
        if (values.Count != 1) return AuthenticateResult.Fail("Send one X-API-Key header.");
        var presented = values.ToString().Trim();
        if (ApiKey.PrefixOf(presented) is not { } prefix) return AuthenticateResult.Fail("Malformed API key.");
        var now = clock.GetUtcNow();
        using var _ = crossTenant.BeginSystem();
        var found = cache.Find(prefix);
        if (found is null)
        {
            var generation = cache.Generation;
            var loaded = await (from k in Db.ApiKeys.AsNoTracking()
                                join t in Db.Tenants.AsNoTracking() on k.TenantId equals t.Id
                                where k.Prefix == prefix
                                select new { Key = k, TenantName = t.Name, TenantStatus = t.Status }).FirstOrDefaultAsync(Context.RequestAborted);
            if (loaded is null) return AuthenticateResult.Fail("Unknown API key.");
            found = new ApiKeyCache.Entry(loaded.Key, loaded.TenantName, loaded.TenantStatus, now, generation);
            cache.Keep(prefix, loaded.Key, loaded.TenantName, loaded.TenantStatus, generation);
        }
        var key = found.Key;
        Context.Items[ApiKeyDefaults.PresentedKeyItem] = new PresentedApiKey(key.Id, key.TenantId);
        if (!key.Matches(presented)) return AuthenticateResult.Fail("Unknown API key.");
        if (!key.IsActive(now)) return AuthenticateResult.Fail("The API key is revoked or expired.");
        if (found.TenantStatus != TenantStatus.Active) return AuthenticateResult.Fail("The API key's tenant is not active.");

        var ip = Context.Connection.RemoteIpAddress?.ToString();
        if (cache.LastUsedDue(key, ip, now, ApiKeyDefaults.LastUsedInterval))
        {
            await Db.ApiKeys.Where(k => k.Id == key.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.LastUsedAt, now).SetProperty(k => k.LastUsedIp, ip), Context.RequestAborted);
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, "api-key:" + key.Prefix),
            new(MPanelClaims.TenantId, key.TenantId.ToString()),
            new(MPanelClaims.TenantName, found.TenantName),
            new(MPanelClaims.DisplayName, key.Name),
            new(ApiKeyClaims.KeyId, key.Id.ToString()),
            new(ApiKeyClaims.ReadsPerMinute, key.ReadsPerMinute.ToString(CultureInfo.InvariantCulture)),
            new(ApiKeyClaims.WritesPerMinute, key.WritesPerMinute.ToString(CultureInfo.InvariantCulture)),
        };
        claims.AddRange(key.ScopeList.Select(s => new Claim(ApiKeyClaims.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyDefaults.Scheme, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyDefaults.Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"ApiKey header=\"{ApiKeyDefaults.Header}\"";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "invalid_api_key",
            "Send a valid API key in the X-API-Key header. Revoked and expired keys are refused.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "insufficient_scope", "This API key's scopes do not allow this call.");

    private Task WriteProblemAsync(int status, string code, string title)
    {
        Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Type = $"https://httpstatuses.io/{status}", Instance = Request.Path };
        problem.Extensions["code"] = code;
        problem.Extensions["requestId"] = Context.TraceIdentifier;
        return Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json");
    }
}

public static class ApiKeyAuthentication
{
    /// <summary>The API-key scheme, one authorization policy per scope (named after it, accepting only this scheme), and
    /// the default scheme's choice for the marketing API: there, the key and nothing else is read (never the cookie),
    /// so tenant resolution, which runs on the default scheme's user, takes the tenant from the key.</summary>
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services, Func<PathString, bool> isKeyOnlyPath)
    {
        services.AddSingleton<ApiKeyCache>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        // "MPanel" is the cookie/JWT/PAT policy scheme that TokensApi makes the default.
        services.PostConfigure<PolicySchemeOptions>("MPanel", o =>
        {
            var inner = o.ForwardDefaultSelector;
            o.ForwardDefaultSelector = http => isKeyOnlyPath(http.Request.Path) ? ApiKeyDefaults.Scheme : inner?.Invoke(http);
        });
        services.AddAuthorization(o =>
        {
            foreach (var scope in ApiScopes.All)
                o.AddPolicy(scope, p => p.AddAuthenticationSchemes(ApiKeyDefaults.Scheme).RequireAuthenticatedUser().RequireClaim(ApiKeyClaims.Scope, scope));
        });
        return services;
    }
}
