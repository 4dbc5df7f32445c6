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
}
