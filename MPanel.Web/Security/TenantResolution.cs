using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Security;

/// <summary>Where <see cref="CurrentTenant"/> gets filled — the one place tenant resolution happens:
/// HTTP requests (after authentication), cookie validation, Blazor circuits, and auth-state revalidation.</summary>
public static class TenantResolution
{
    public static void Initialize(HttpContext http, ClaimsPrincipal principal) =>
        http.RequestServices.GetRequiredService<CurrentTenant>().InitializeFrom(
            principal, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString());

    public static IApplicationBuilder UseTenantResolution(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            Initialize(http, http.User);
            return next(http);
        });
}

/// <summary>Fills the circuit's tenant from its authentication state when a circuit opens (before any component renders).
/// The IP and user agent are those of the connection that opened the circuit.</summary>
public sealed class TenantCircuitHandler(CurrentTenant tenant, AuthenticationStateProvider auth, IHttpContextAccessor http,
    SessionRegistry sessions, TimeProvider clock) : CircuitHandler
{
    private Guid? _session;
    private DateTimeOffset _lastTouch;

    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var state = await auth.GetAuthenticationStateAsync();
        var context = http.HttpContext;
        tenant.InitializeFrom(state.User, context?.Connection.RemoteIpAddress?.ToString(), context?.Request.Headers.UserAgent.ToString());
        _session = SessionTracking.SessionOf(state.User);
        _lastTouch = clock.GetUtcNow();
    }

    /// <summary>Clicks and keystrokes in the circuit are activity too: they keep the session's last-seen current (at most
    /// one write a minute), so a staff member working in one open page is not treated as idle.</summary>
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            if (_session is { } sid && clock.GetUtcNow() - _lastTouch >= TimeSpan.FromMinutes(1))
            {
                _lastTouch = clock.GetUtcNow();
                await sessions.TouchAsync(sid);
            }
            await next(context);
        };
}

/// <summary>Re-checks the security stamp of a circuit's user every few minutes, so a disabled user or a changed
/// password ends open circuits too, not only new requests.</summary>
public sealed class RevalidatingAuthStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<IdentityOptions> options,
    IOptions<SecurityStampValidatorOptions> stampOptions)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(Math.Max(5, stampOptions.Value.ValidationInterval.TotalSeconds));

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken) =>
        IsStillValidAsync(state, cancellationToken);

    /// <summary>An open circuit obeys the same limits as the cookie: staff idle and absolute, client idle, measured on the
    /// session row (which HTTP requests and circuit activity both keep current).</summary>
    private static bool WithinLifetime(IServiceProvider services, ClaimsPrincipal user, (DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt)? times) =>
        times is { } t && services.GetRequiredService<IOptionsMonitor<SecurityOptions>>().CurrentValue
            .SessionAllowed(user, t.CreatedAt, t.LastSeenAt, services.GetRequiredService<TimeProvider>().GetUtcNow());

    /// <summary>False ends the circuit's sign-in: the user is gone or disabled, the session was revoked, or the
    /// security stamp changed (password, role or two-factor).</summary>
    public async Task<bool> IsStillValidAsync(AuthenticationState state, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeFrom(state.User, null, null);
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.GetUserAsync(state.User);
        if (user is null || user.IsDisabled) return false;
        // Active (not revoked) and within its limits, read without counting this check as activity.
        if (!WithinLifetime(scope.ServiceProvider, state.User, await scope.ServiceProvider.GetRequiredService<SessionRegistry>()
                .TimesAsync(SessionTracking.SessionOf(state.User) ?? Guid.Empty, user.Id, cancellationToken)))
            return false;
        if (!users.SupportsUserSecurityStamp) return true;
        var principalStamp = state.User.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await users.GetSecurityStampAsync(user);
    }
}
