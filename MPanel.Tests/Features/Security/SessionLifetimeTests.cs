using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Security;

/// <summary>Staff sessions: 30 minutes idle, 12 hours in all (the defaults); client sessions: idle for
/// Security:ClientIdleHours, set to 3 here so that it, not the cookie's own 12-hour expiry, is what ends them. The
/// host's clock is a <see cref="MovableClock"/>, moved forward instead of waiting. Each test moves it further, which
/// the others do not notice: they sign in afresh and measure from there.</summary>
public sealed class SessionLifetimeTests : IClassFixture<SessionLifetimeTests.Factory>
{
    public sealed class Factory : MPanelFactory
    {
        public MovableClock Clock { get; } = new();

        public Factory() => With("Security:ClientIdleHours", "3");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        }
    }

    private readonly Factory _factory;

    public SessionLifetimeTests(Factory factory) => _factory = factory;

    private async Task<(HttpClient Staff, HttpClient Client)> SignInBothAsync(string name)
    {
        var platform = await _factory.PlatformAsync();
        await _factory.CreateUserAsync(platform.Id, $"{name}-staff@session.test", Roles.Support);
        await _factory.CreateUserAsync(platform.Id, $"{name}-client@session.test", Roles.Client);
        return (await _factory.SignedInAsync($"{name}-staff@session.test"), await _factory.SignedInAsync($"{name}-client@session.test"));
    }

    private static async Task<bool> StaffSignedInAsync(HttpClient staff) =>
        (await staff.GetAsync("/api/customers")).StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.Unauthorized => false,
            var other => throw new InvalidOperationException($"Unexpected {other}"),
        };

    private static async Task<bool> ClientSignedInAsync(HttpClient client)
    {
        var response = await client.GetAsync("/client");
        if (response.StatusCode == HttpStatusCode.OK) return true;
        Assert.StartsWith("/account/login", response.LocalLocation());
        return false;
    }

    [Fact]
    public async Task StaffSession_EndsAfter30IdleMinutes_WhileAClientSurvivesTheSameGap()
    {
        var (staff, client) = await SignInBothAsync("idle");
        Assert.True(await StaffSignedInAsync(staff));
        Assert.True(await ClientSignedInAsync(client));

        // Requests keep a staff session alive: 29 minutes, twice over, is never 30 minutes idle.
        _factory.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.True(await StaffSignedInAsync(staff));
        _factory.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.True(await StaffSignedInAsync(staff));
        Assert.True(await ClientSignedInAsync(client));

        _factory.Clock.Advance(TimeSpan.FromMinutes(31));
        var expired = await staff.GetAsync("/api/customers");
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains(expired.Headers.GetValues("Set-Cookie"), c => c.StartsWith("mpanel.auth=;", StringComparison.Ordinal)); // the cookie is deleted
        Assert.False(await StaffSignedInAsync(staff));
        Assert.True(await ClientSignedInAsync(client)); // 60 idle minutes are nothing to a client

        // A fresh sign-in works at once.
        Assert.True(await StaffSignedInAsync(await _factory.SignedInAsync("idle-staff@session.test")));
    }

    [Fact]
    public async Task ClientSession_EndsAfterClientIdleHours()
    {
        var (_, client) = await SignInBothAsync("client-idle");
        _factory.Clock.Advance(TimeSpan.FromHours(2.9));
        Assert.True(await ClientSignedInAsync(client));
        _factory.Clock.Advance(TimeSpan.FromHours(2.9));
        Assert.True(await ClientSignedInAsync(client));
        _factory.Clock.Advance(TimeSpan.FromHours(3).Add(TimeSpan.FromMinutes(1)));
        Assert.False(await ClientSignedInAsync(client));
    }

    [Fact]
    public async Task StaffSession_Ends12HoursAfterSignIn_HoweverActive_WhileAClientStaysSignedIn()
    {
        var (staff, client) = await SignInBothAsync("absolute");
        var elapsed = TimeSpan.Zero;
        while (elapsed < TimeSpan.FromHours(11.5))
        {
            _factory.Clock.Advance(TimeSpan.FromMinutes(25));
            elapsed += TimeSpan.FromMinutes(25);
            Assert.True(await StaffSignedInAsync(staff), $"signed out after {elapsed}");
            Assert.True(await ClientSignedInAsync(client));
        }
        _factory.Clock.Advance(TimeSpan.FromHours(12) - elapsed + TimeSpan.FromMinutes(1)); // 12:01 after sign-in, 11 idle minutes
        Assert.False(await StaffSignedInAsync(staff));
        Assert.True(await ClientSignedInAsync(client));
    }

    [Fact]
    public async Task WorkInAnOpenCircuit_CountsAsActivity_ForTheCookieToo()
    {
        var (staff, _) = await SignInBothAsync("circuit-busy");
        Assert.True(await StaffSignedInAsync(staff));
        var (sid, userId) = await SessionOfAsync("circuit-busy-staff@session.test");

        // 20 minutes of clicking in an open page (the circuit touches the session row), then 20 more without a request:
        // 40 minutes since the cookie last saw a request, but only 20 since the user was last active.
        _factory.Clock.Advance(TimeSpan.FromMinutes(20));
        await _factory.InSystemScopeAsync(async (sp, _) => { await sp.GetRequiredService<MPanel.Infrastructure.Identity.SessionRegistry>().TouchAsync(sid); return 0; });
        _factory.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.True(await StaffSignedInAsync(staff));
        Assert.NotNull(await _factory.InSystemScopeAsync((sp, _) => sp.GetRequiredService<MPanel.Infrastructure.Identity.SessionRegistry>().TimesAsync(sid, userId)));
    }

    [Fact]
    public async Task AnOpenCircuit_IsSignedOutAtTheIdleLimit_ForStaffOnly()
    {
        var (staff, client) = await SignInBothAsync("circuit-idle");
        Assert.True(await StaffSignedInAsync(staff));
        Assert.True(await ClientSignedInAsync(client));
        var staffState = await StateAsync("circuit-idle-staff@session.test");
        var clientState = await StateAsync("circuit-idle-client@session.test");
        var provider = ActivatorUtilities.CreateInstance<MPanel.Web.Security.RevalidatingAuthStateProvider>(_factory.Services.CreateScope().ServiceProvider);
        Assert.True(await provider.IsStillValidAsync(staffState, CancellationToken.None));

        _factory.Clock.Advance(TimeSpan.FromMinutes(31)); // nobody touched anything
        Assert.False(await provider.IsStillValidAsync(staffState, CancellationToken.None));
        Assert.True(await provider.IsStillValidAsync(clientState, CancellationToken.None));
    }

    private Task<(Guid Session, Guid User)> SessionOfAsync(string email) =>
        _factory.InSystemScopeAsync(async (_, db) =>
        {
            var user = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Users, u => u.Email == email);
            var session = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.UserSessions, s => s.UserId == user.Id && s.RevokedAt == null);
            return (session.Id, user.Id);
        });

    /// <summary>The authentication state an open circuit of this user holds: their claims plus the session id.</summary>
    private async Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState> StateAsync(string email)
    {
        var (sid, _) = await SessionOfAsync(email);
        var principal = await _factory.InSystemScopeAsync(async (sp, db) =>
        {
            var user = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Users, u => u.Email == email);
            var p = await sp.GetRequiredService<Microsoft.AspNetCore.Identity.IUserClaimsPrincipalFactory<MPanel.Infrastructure.Identity.ApplicationUser>>().CreateAsync(user);
            ((System.Security.Claims.ClaimsIdentity)p.Identity!).AddClaim(new System.Security.Claims.Claim(MPanel.Infrastructure.Identity.UserSession.SessionClaim, sid.ToString()));
            return p;
        });
        return new Microsoft.AspNetCore.Components.Authorization.AuthenticationState(principal);
    }
}
