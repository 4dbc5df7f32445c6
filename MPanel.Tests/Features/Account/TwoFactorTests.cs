using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Identity;
using MPanel.Tests.Support;
using MPanel.Web.Features.Users;
using OtpNet;

namespace MPanel.Tests.Features.Account;

/// <summary>Two-factor sign-in with the requirement for staff switched on, as in production.</summary>
public sealed partial class TwoFactorTests : IClassFixture<TwoFactorTests.Factory>
{
    public sealed class Factory : MPanelFactory
    {
        public Factory() => With("TwoFactor:RequireForStaff", "true");
    }

    private readonly Factory _factory;

    public TwoFactorTests(Factory factory) => _factory = factory;

    private async Task<string> StaffAsync(string name, string role = Roles.Support)
    {
        var platform = await _factory.PlatformAsync();
        var email = $"{name}@2fa.test";
        await _factory.CreateUserAsync(platform.Id, email, role);
        return email;
    }

    [Fact]
    public async Task StaffWithoutTwoFactor_AreSentToEnrolment_AndTheApiRefusesThem()
    {
        var email = await StaffAsync("unenrolled");
        var client = await _factory.SignedInAsync(email);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/customers")).StatusCode);
        var page = await client.GetAsync("/customers");
        Assert.Equal("/account/two-factor", page.LocalLocation());
        var dashboard = await client.GetAsync("/");
        Assert.Equal("/account/two-factor", dashboard.LocalLocation());
        Assert.Contains("Your role requires two-factor authentication", await client.GetStringAsync("/account/two-factor"));
    }

    [Fact]
    public async Task Enrolment_ThenSignInWithACode_AndTheSameCodeNeverWorksTwice()
    {
        var email = await StaffAsync("enrolling");
        var client = await _factory.SignedInAsync(email);
        var (key, codes) = await EnrolAsync(client);
        Assert.Equal(10, codes.Count);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/customers")).StatusCode); // this session passed the second factor

        // A fresh sign-in asks for the code after the password.
        var browser = _factory.NewClient();
        var first = await browser.SignInAsync(email, MPanelFactory.Password);
        Assert.StartsWith("/account/login-2fa", first.LocalLocation());
        var code = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow);
        var step = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow.AddSeconds(30)); // the window allows one step ahead
        var second = await PostCodeAsync(browser, first.LocalLocation()!, step);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/customers")).StatusCode);

        // The code used at enrolment (the current step) and any older step are spent: replay fails.
        var replay = _factory.NewClient();
        var again = await replay.SignInAsync(email, MPanelFactory.Password);
        var refused = await PostCodeAsync(replay, again.LocalLocation()!, code);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("not right or was already used", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task RecoveryCodes_AreStoredHashed_AndEachWorksOnce()
    {
        var email = await StaffAsync("recovering");
        var (_, codes) = await EnrolAsync(await _factory.SignedInAsync(email));
        var stored = await _factory.InSystemScopeAsync((_, db) => db.UserTokens.Select(t => t.Value).ToListAsync());
        Assert.DoesNotContain(stored, v => v != null && codes.Any(c => v.Contains(c, StringComparison.OrdinalIgnoreCase)));

        var browser = _factory.NewClient();
        var step = await browser.SignInAsync(email, MPanelFactory.Password);
        var used = await PostCodeAsync(browser, step.LocalLocation() + "&recovery=1", codes[3]);
        Assert.Equal(HttpStatusCode.Redirect, used.StatusCode);

        var other = _factory.NewClient();
        var step2 = await other.SignInAsync(email, MPanelFactory.Password);
        var reused = await PostCodeAsync(other, step2.LocalLocation() + "&recovery=1", codes[3]);
        Assert.Contains("not right or was already used", await reused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PasswordReset_DoesNotBypassTwoFactor()
    {
        var email = await StaffAsync("resetting");
        await EnrolAsync(await _factory.SignedInAsync(email));
        await _factory.InSystemScopeAsync(async (sp, db) =>
        {
            var users = sp.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await db.Users.SingleAsync(u => u.Email == email);
            var token = await users.GeneratePasswordResetTokenAsync(user);
            Assert.True((await users.ResetPasswordAsync(user, token, "a freshly reset passphrase")).Succeeded);
            return 0;
        });
        var response = await _factory.NewClient().SignInAsync(email, "a freshly reset passphrase");
        Assert.StartsWith("/account/login-2fa", response.LocalLocation());
    }

    [Fact]
    public async Task AdminReset_TurnsTwoFactorOff_AndTheUserMustEnrolAgain()
    {
        var email = await StaffAsync("lostphone");
        await EnrolAsync(await _factory.SignedInAsync(email));
        var adminEmail = await StaffAsync("helpdesk", Roles.Admin);
        var admin = await _factory.SignedInAsync(adminEmail);
        (_, _) = await EnrolAsync(admin);
        var id = await _factory.InSystemScopeAsync((_, db) => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());

        var reset = await admin.PostAsync($"/api/users/{id}/reset-two-factor", null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.False((await reset.ReadAsync<UserRow>()).TwoFactorEnabled);

        var client = await _factory.SignedInAsync(email); // password alone again…
        Assert.Equal("/account/two-factor", (await client.GetAsync("/customers")).LocalLocation()); // …and back to enrolment
        var audited = await _factory.InSystemScopeAsync((_, db) => db.AuditEntries
            .Where(a => a.EntityType == "User" && a.EntityId == id.ToString() && a.UserName == adminEmail).Select(a => a.Changes!).ToListAsync());
        Assert.Contains(audited, c => c.Contains("TwoFactorEnabled"));
    }

    [Fact]
    public async Task ATenantCanRequireTwoFactorOfItsClients_OthersStayOptional()
    {
        var strict = await _factory.CreateResellerAsync("strictco");
        var relaxed = await _factory.CreateResellerAsync("relaxedco");
        await _factory.CreateUserAsync(strict.Id, "client@strictco.test", Roles.Client);
        await _factory.CreateUserAsync(relaxed.Id, "client@relaxedco.test", Roles.Client);
        var root = await StaffAsync("root", Roles.SuperAdmin);
        var superAdmin = await _factory.SignedInAsync(root);
        await EnrolAsync(superAdmin);
        var row = await (await superAdmin.GetAsync($"/api/tenants/{strict.Id}")).ReadAsync<MPanel.Web.Features.Tenants.TenantRow>();
        var update = await superAdmin.PutJsonAsync($"/api/tenants/{strict.Id}", new MPanel.Web.Features.Tenants.UpdateTenantRequest(
            row.Name, row.Status, new MPanel.Domain.Tenants.TenantBranding { ProductName = row.ProductName, PrimaryColor = row.PrimaryColor }, row.Version, RequireTwoFactorForClients: true));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);

        var strictClient = await _factory.SignedInAsync("client@strictco.test");
        Assert.Equal("/account/two-factor", (await strictClient.GetAsync("/client")).LocalLocation());
        Assert.Equal(HttpStatusCode.Forbidden, (await strictClient.GetAsync("/api/account/sessions")).StatusCode);

        var relaxedClient = await _factory.SignedInAsync("client@relaxedco.test");
        Assert.Equal(HttpStatusCode.OK, (await relaxedClient.GetAsync("/api/account/sessions")).StatusCode);
    }

    [Fact]
    public async Task Enrolment_RequiresThePassword_AndAValidCode()
    {
        var email = await StaffAsync("careful");
        var client = await _factory.SignedInAsync(email);
        var page = await client.GetStringAsync("/account/two-factor");
        var key = KeyPattern().Match(page).Groups[1].Value.Replace(" ", "").ToUpperInvariant();
        var code = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow);

        var wrongPassword = await PostFormAsync(client, "/account/two-factor", page, "enable", ("Enable.Code", code), ("Enable.Password", "not my password"));
        Assert.Contains("not your current password", await wrongPassword.Content.ReadAsStringAsync());
        page = await client.GetStringAsync("/account/two-factor");
        var wrongCode = await PostFormAsync(client, "/account/two-factor", page, "enable", ("Enable.Code", "000000"), ("Enable.Password", MPanelFactory.Password));
        Assert.Contains("That code is not right", await wrongCode.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/customers")).StatusCode);
    }

    /// <summary>Enrols through the real page: reads the key shown, answers with the current code and the password.</summary>
    private static async Task<(string Key, IReadOnlyList<string> Codes)> EnrolAsync(HttpClient client)
    {
        var page = await client.GetStringAsync("/account/two-factor");
        var key = KeyPattern().Match(page).Groups[1].Value.Replace(" ", "").ToUpperInvariant();
        Assert.NotEmpty(key);
        var code = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow);
        var response = await PostFormAsync(client, "/account/two-factor", page, "enable", ("Enable.Code", code), ("Enable.Password", MPanelFactory.Password));
        var html = await response.Content.ReadAsStringAsync();
        var codes = RecoveryPattern().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.True(codes.Count > 0, "no recovery codes shown: " + Regex.Match(html, "mp-field-error\">([^<]*)<").Groups[1].Value);
        return (key, codes);
    }

    private static async Task<HttpResponseMessage> PostCodeAsync(HttpClient client, string url, string code)
    {
        var page = await client.GetStringAsync(url);
        return await PostFormAsync(client, url, page, "login-2fa", ("Input.Code", code));
    }

    private static Task<HttpResponseMessage> PostFormAsync(HttpClient client, string url, string page, string handler, params (string, string)[] fields) =>
        client.PostAsync(url, Forms.Content(page, handler, fields));

    [GeneratedRegex("data-testid=\"authenticator-key\">([^<]+)<")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("<li><code>([^<]+)</code></li>")]
    private static partial Regex RecoveryPattern();

}
