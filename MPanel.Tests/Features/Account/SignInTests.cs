using System.Buffers.Binary;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MPanel.Domain.Security;
using MPanel.Infrastructure;
using MPanel.Infrastructure.Identity;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Account;

public sealed partial class SignInTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private async Task<string> NewUserAsync(string name, string role = Roles.Support)
    {
        var platform = await factory.PlatformAsync();
        var email = $"{name}@signin.test";
        await factory.CreateUserAsync(platform.Id, email, role);
        return email;
    }

    [Fact]
    public async Task CorrectPassword_SignsIn_AndRecordsTheTime()
    {
        var email = await NewUserAsync("happy");
        var client = factory.NewClient();
        var response = await client.SignInAsync(email, MPanelFactory.Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.LocalLocation());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/customers")).StatusCode);
        var user = await factory.InSystemScopeAsync((_, db) => db.Users.SingleAsync(u => u.Email == email));
        Assert.NotNull(user.LastSignInAt);
        var audited = await factory.InSystemScopeAsync((_, db) => db.AuditEntries
            .Where(a => a.EntityType == "User" && a.EntityId == user.Id.ToString() && a.Action == "Updated").Select(a => a.UserName).ToListAsync());
        Assert.Contains(email, audited); // the sign-in is in the log under the account it touched
    }

    [Fact]
    public async Task WrongPassword_AndUnknownAccount_GetTheSameAnswer()
    {
        var email = await NewUserAsync("wrong");
        var wrong = await (await factory.NewClient().SignInAsync(email, "not the password at all")).Content.ReadAsStringAsync();
        var unknown = await (await factory.NewClient().SignInAsync("nobody@signin.test", "not the password at all")).Content.ReadAsStringAsync();
        Assert.Equal(Alert(wrong), Alert(unknown));
        Assert.Contains("email or password is not right", Alert(wrong));
    }

    [Fact]
    public async Task FiveFailures_LockTheAccountFor15Minutes_EvenForTheRightPassword()
    {
        var email = await NewUserAsync("locked");
        for (var i = 0; i < 5; i++) await factory.NewClient().SignInAsync(email, "guessing wrongly " + i);
        var client = factory.NewClient();
        var response = await client.SignInAsync(email, MPanelFactory.Password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("locked", Alert(await response.Content.ReadAsStringAsync()));
        var lockoutEnd = await factory.InSystemScopeAsync((_, db) => db.Users.Where(u => u.Email == email).Select(u => u.LockoutEnd).SingleAsync());
        Assert.InRange(lockoutEnd!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));
    }

    [Fact]
    public async Task OldHash_IsRehashedAt210000Iterations_OnSignIn()
    {
        var email = await NewUserAsync("legacy");
        var weak = new PasswordHasher<ApplicationUser>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }));
        await factory.InSystemScopeAsync(async (_, db) =>
        {
            var user = await db.Users.SingleAsync(u => u.Email == email);
            user.PasswordHash = weak.HashPassword(user, MPanelFactory.Password);
            await db.SaveChangesAsync();
            return 0;
        });
        Assert.Equal(100_000, await IterationsAsync(email));
        await factory.SignedInAsync(email);
        Assert.Equal(PasswordHashing.IterationCount, await IterationsAsync(email));
    }

    [Fact]
    public async Task DisabledUser_CannotSignIn()
    {
        var email = await NewUserAsync("disabled");
        await factory.InSystemScopeAsync(async (sp, db) =>
        {
            var users = sp.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await db.Users.SingleAsync(u => u.Email == email);
            user.IsDisabled = true;
            await users.UpdateAsync(user);
            await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
            return 0;
        });
        var response = await factory.NewClient().SignInAsync(email, MPanelFactory.Password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("disabled", Alert(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task UnconfirmedEmail_CannotSignIn_AndGetsTheSameAnswerAsAWrongPassword()
    {
        var email = await NewUserAsync("unconfirmed");
        await factory.InSystemScopeAsync(async (_, db) =>
        {
            var user = await db.Users.SingleAsync(u => u.Email == email);
            user.EmailConfirmed = false;
            await db.SaveChangesAsync();
            return 0;
        });
        var response = await factory.NewClient().SignInAsync(email, MPanelFactory.Password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var unknown = await factory.NewClient().SignInAsync("nobody-at-all@signin.test", MPanelFactory.Password);
        Assert.Equal(Alert(await unknown.Content.ReadAsStringAsync()), Alert(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task ReturnUrl_OnlyRedirectsInsideMPanel()
    {
        var email = await NewUserAsync("redirect");
        foreach (var (returnUrl, expected) in new[] { ("/customers", "/customers"), ("https://evil.example/", "/"), ("//evil.example", "/") })
        {
            var client = factory.NewClient();
            var page = await client.GetStringAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");
            var token = Forms.AntiforgeryToken(page);
            var response = await client.PostAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login", ["__RequestVerificationToken"] = token, ["Input.Email"] = email, ["Input.Password"] = MPanelFactory.Password,
            }));
            Assert.Equal(expected, response.LocalLocation());
        }
    }

    [Fact]
    public async Task PasswordReset_ByEmailLink_WorksOnce()
    {
        var email = await NewUserAsync("forgetful");
        var client = factory.NewClient();
        var page = await client.GetStringAsync("/account/forgot-password");
        var sent = await client.PostAsync("/account/forgot-password", Form(page, "forgot", ("Input.Email", email)));
        Assert.Contains("reset link is on its way", await sent.Content.ReadAsStringAsync());

        var link = new Uri((await factory.WaitForAsync(email)).Link());
        var resetPage = await client.GetStringAsync(link.PathAndQuery);
        var common = await client.PostAsync(link.PathAndQuery, Form(resetPage, "reset", ("Input.Password", "password1234"), ("Input.ConfirmPassword", "password1234")));
        Assert.Contains("too common", await common.Content.ReadAsStringAsync());

        resetPage = await client.GetStringAsync(link.PathAndQuery);
        var done = await client.PostAsync(link.PathAndQuery, Form(resetPage, "reset", ("Input.Password", "a brand new passphrase"), ("Input.ConfirmPassword", "a brand new passphrase")));
        Assert.Equal("/account/login?reset=1", done.LocalLocation());
        await factory.SignedInAsync(email, "a brand new passphrase");

        resetPage = await client.GetStringAsync(link.PathAndQuery);
        var reused = await client.PostAsync(link.PathAndQuery, Form(resetPage, "reset", ("Input.Password", "yet another passphrase"), ("Input.ConfirmPassword", "yet another passphrase")));
        Assert.Contains("invalid or has expired", await reused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ForgotPassword_ForUnknownEmail_AnswersTheSameAndSendsNothing()
    {
        var client = factory.NewClient();
        var page = await client.GetStringAsync("/account/forgot-password");
        var sent = await client.PostAsync("/account/forgot-password", Form(page, "forgot", ("Input.Email", "ghost@signin.test")));
        Assert.Contains("reset link is on its way", await sent.Content.ReadAsStringAsync());
        await Assert.ThrowsAsync<TimeoutException>(() => factory.WaitForAsync("ghost@signin.test", TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var email = await NewUserAsync("leaver");
        var client = await factory.SignedInAsync(email);
        var page = await client.GetStringAsync("/account/login");
        var token = Forms.AntiforgeryToken(page);
        var response = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task SignOut_WithoutAntiforgeryToken_IsRefused()
    {
        var email = await NewUserAsync("csrf");
        var client = await factory.SignedInAsync(email);
        var response = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/customers")).StatusCode);
    }

    private async Task<int> IterationsAsync(string email)
    {
        var hash = await factory.InSystemScopeAsync((_, db) => db.Users.Where(u => u.Email == email).Select(u => u.PasswordHash).SingleAsync());
        var bytes = Convert.FromBase64String(hash!);
        Assert.Equal(0x01, bytes[0]); // Identity v3 format: marker, PRF, iteration count, salt length, salt, subkey
        return (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5, 4));
    }

    private static FormUrlEncodedContent Form(string page, string handler, params (string Key, string Value)[] fields) => Forms.Content(page, handler, fields);

    private static string Alert(string html) => WebUtility.HtmlDecode(AlertPattern().Match(html).Groups[1].Value);


    [GeneratedRegex("role=\"alert\">([^<]*)<")]
    private static partial Regex AlertPattern();
}
