using System.Net;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Identity;
using MPanel.Tests.Support;
using MPanel.Web.Features.Sessions;
using MPanel.Web.Security;

namespace MPanel.Tests.Features.Account;

public sealed class SessionsTests : IClassFixture<SessionsTests.Factory>
{
    /// <summary>Re-checks sessions on every request, as a busy production instance effectively does.</summary>
    public sealed class Factory : MPanelFactory
    {
        public Factory() => With("Identity:StampValidationSeconds", "0");
    }

    private readonly Factory _factory;

    public SessionsTests(Factory factory) => _factory = factory;

    private async Task<string> UserAsync(string name, string role = Roles.Support)
    {
        var platform = await _factory.PlatformAsync();
        var email = $"{name}@sessions.test";
        await _factory.CreateUserAsync(platform.Id, email, role);
        return email;
    }

    [Fact]
    public async Task EachSignIn_IsASession_ListedWithItsDevice()
    {
        var email = await UserAsync("two-browsers");
        var laptop = await _factory.SignedInAsync(email);
        laptop.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0");
        var phone = _factory.NewClient();
        phone.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 19_0 like Mac OS X) Safari/604.1");
        await phone.SignInAsync(email, MPanelFactory.Password);

        var sessions = await (await laptop.GetAsync("/api/account/sessions")).ReadAsync<List<SessionRow>>();
        Assert.Equal(2, sessions.Count);
        Assert.Single(sessions, s => s.IsCurrent);
        Assert.Contains(sessions, s => s.Device == "Safari on iOS" && !s.IsCurrent);
    }

    [Fact]
    public async Task RevokedSession_IsSignedOutOnItsNextRequest_OthersStay()
    {
        var email = await UserAsync("revoker");
        var keep = await _factory.SignedInAsync(email);
        var lost = await _factory.SignedInAsync(email);
        var sessions = await (await keep.GetAsync("/api/account/sessions")).ReadAsync<List<SessionRow>>();
        var other = sessions.Single(s => !s.IsCurrent);

        Assert.Equal(HttpStatusCode.NoContent, (await keep.DeleteAsync($"/api/account/sessions/{other.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await lost.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keep.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task SessionsOfSomeoneElse_CannotBeRevoked()
    {
        var victim = await UserAsync("victim");
        var victimClient = await _factory.SignedInAsync(victim);
        var victimSession = (await (await victimClient.GetAsync("/api/account/sessions")).ReadAsync<List<SessionRow>>()).Single();
        var attacker = await _factory.SignedInAsync(await UserAsync("attacker"));
        Assert.Equal(HttpStatusCode.NotFound, (await attacker.DeleteAsync($"/api/account/sessions/{victimSession.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await victimClient.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task SignOutEverywhereElse_AndAdminEndSessions_EndEveryOtherSession()
    {
        var email = await UserAsync("everywhere");
        var a = await _factory.SignedInAsync(email);
        var b = await _factory.SignedInAsync(email);
        var c = await _factory.SignedInAsync(email);
        await a.PostAsync("/api/account/sessions/revoke-others", null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await b.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/api/customers")).StatusCode);

        var admin = await _factory.SignedInAsync(await UserAsync("sessions-admin", Roles.Admin));
        var id = (await _factory.InSystemScopeAsync((_, db) => Task.FromResult(db.Users.Single(u => u.Email == email).Id)));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/users/{id}/end-sessions", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await a.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSessionRecord_SoAStolenCookieIsDead()
    {
        var email = await UserAsync("stolen");
        var client = await _factory.SignedInAsync(email);
        var sessionsBefore = await (await client.GetAsync("/api/account/sessions")).ReadAsync<List<SessionRow>>();
        var page = await client.GetStringAsync("/account/login");
        var token = Forms.AntiforgeryToken(page);
        await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        var revoked = await _factory.InSystemScopeAsync((_, db) => Task.FromResult(db.UserSessions.Single(s => s.Id == sessionsBefore[0].Id).RevokedAt));
        Assert.NotNull(revoked);
    }

    [Fact]
    public async Task ChangePassword_NeedsTheCurrentOne_EndsOtherSessions_KeepsThisOne_AndSendsAMail()
    {
        var email = await UserAsync("changer");
        var here = await _factory.SignedInAsync(email);
        var elsewhere = await _factory.SignedInAsync(email);

        var page = await here.GetStringAsync("/account/password");
        var wrong = await here.PostAsync("/account/password", Form(page, ("Input.CurrentPassword", "not it at all"),
            ("Input.NewPassword", "a completely new passphrase"), ("Input.ConfirmPassword", "a completely new passphrase")));
        Assert.Contains("not your current password", await wrong.Content.ReadAsStringAsync());

        page = await here.GetStringAsync("/account/password");
        var done = await here.PostAsync("/account/password", Form(page, ("Input.CurrentPassword", MPanelFactory.Password),
            ("Input.NewPassword", "a completely new passphrase"), ("Input.ConfirmPassword", "a completely new passphrase")));
        Assert.Contains("Your password is changed", await done.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/api/customers")).StatusCode);
        Assert.Contains("was changed", (await _factory.WaitForAsync(email)).TextBody);
        await _factory.SignedInAsync(email, "a completely new passphrase");
    }

    private static FormUrlEncodedContent Form(string page, params (string, string)[] fields) => Forms.Content(page, "change-password", fields);

    [Fact]
    public async Task CircuitRevalidation_FailsForARevokedSession()
    {
        var email = await UserAsync("circuit");
        var client = await _factory.SignedInAsync(email);
        var session = (await (await client.GetAsync("/api/account/sessions")).ReadAsync<List<SessionRow>>()).Single();
        var principal = await _factory.InSystemScopeAsync(async (sp, db) =>
        {
            var user = db.Users.Single(u => u.Email == email);
            var p = await sp.GetRequiredService<Microsoft.AspNetCore.Identity.IUserClaimsPrincipalFactory<ApplicationUser>>().CreateAsync(user);
            ((System.Security.Claims.ClaimsIdentity)p.Identity!).AddClaim(new System.Security.Claims.Claim(UserSession.SessionClaim, session.Id.ToString()));
            return p;
        });
        await using var scope = _factory.Services.CreateAsyncScope();
        var provider = ActivatorUtilities.CreateInstance<RevalidatingAuthStateProvider>(scope.ServiceProvider);
        Assert.True(await provider.IsStillValidAsync(new AuthenticationState(principal), CancellationToken.None));
        await client.PostAsync("/api/account/sessions/revoke-others", null); // not this one…
        Assert.True(await provider.IsStillValidAsync(new AuthenticationState(principal), CancellationToken.None));
        await _factory.InSystemScopeAsync(async (sp, _) => await sp.GetRequiredService<SessionRegistry>().RevokeAllAsync(
            (await _factory.InSystemScopeAsync((_, db) => Task.FromResult(db.Users.Single(u => u.Email == email).Id))), null, "test"));
        Assert.False(await provider.IsStillValidAsync(new AuthenticationState(principal), CancellationToken.None)); // …this one: the circuit signs out
    }
}
