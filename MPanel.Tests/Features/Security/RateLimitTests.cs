using System.Net;
using System.Text.RegularExpressions;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Security;

/// <summary>The production limits (5 in 15 minutes). The in-process test server has no client address, so
/// UseForwardedHeaders takes X-Forwarded-For from every request: each test plays its own "clients" with their own
/// documentation-range addresses, and its own accounts, so the tests share the limiter without meeting.</summary>
public sealed partial class RateLimitTests : IClassFixture<RateLimitTests.Factory>
{
    public sealed class Factory : MPanelFactory
    {
        public Factory()
        {
            foreach (var limit in new[]
                     {
                         "SignInPerIpPer15Minutes", "SignInPerAccountPer15Minutes", "ForgotPasswordPerIpPer15Minutes",
                         "ForgotPasswordPerAccountPer15Minutes", "ResetPasswordPerIpPer15Minutes",
                     })
                With("Security:" + limit, "5");
        }
    }

    private readonly Factory _factory;

    public RateLimitTests(Factory factory) => _factory = factory;

    private HttpClient From(string ip)
    {
        var client = _factory.NewClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return client;
    }

    [Fact]
    public async Task SixthSignInFromOneAddress_Gets429WithRetryAfter_WhileOtherAddressesCarryOn()
    {
        var client = From("203.0.113.10");
        for (var i = 1; i <= 5; i++)
        {
            var attempt = await client.SignInAsync($"guess{i}@ip.test", "wrong password " + i); // a new account each time
            Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);
            Assert.Contains("email or password is not right", await attempt.Content.ReadAsStringAsync());
        }
        var sixth = await client.SignInAsync("guess6@ip.test", "wrong password 6");
        await AssertTooManyAsync(sixth);
        Assert.DoesNotContain("guess6", await sixth.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode); // only POSTs are limited

        var elsewhere = await From("203.0.113.11").SignInAsync("guess6@ip.test", "wrong password 6");
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
    }

    [Fact]
    public async Task SixthSignInToOneAccount_FromDifferentAddresses_Gets429_ExistingOrNot()
    {
        var platform = await _factory.PlatformAsync();
        await _factory.CreateUserAsync(platform.Id, "target@account.test", Roles.Admin);

        // The email is compared trimmed and in lower case: these are all the same account.
        string[] spellings = ["target@account.test", "Target@Account.test", " TARGET@account.test ", "target@ACCOUNT.TEST", "target@account.test"];
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await From($"198.51.100.{i + 1}").SignInAsync(spellings[i], "wrong password")).StatusCode);
        var existing = await From("198.51.100.6").SignInAsync("target@account.test", MPanelFactory.Password);
        await AssertTooManyAsync(existing);

        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await From($"198.51.100.{i + 11}").SignInAsync("nobody@account.test", "wrong password")).StatusCode);
        var unknown = await From("198.51.100.16").SignInAsync("nobody@account.test", "wrong password");
        await AssertTooManyAsync(unknown);

        // The same answer whether or not the account exists.
        Assert.Equal(await existing.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.Equal(existing.Headers.RetryAfter, unknown.Headers.RetryAfter);

        // Another account from the last address still gets through.
        Assert.Equal(HttpStatusCode.OK, (await From("198.51.100.16").SignInAsync("someone-else@account.test", "wrong password")).StatusCode);
    }

    [Fact]
    public async Task Ipv6Clients_CountByTheir64Block()
    {
        for (var i = 1; i <= 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await From($"2001:db8:1:2::{i}").SignInAsync($"v6-{i}@ip.test", "wrong password")).StatusCode);
        await AssertTooManyAsync(await From("2001:db8:1:2:abcd:ef01:2345:6789").SignInAsync("v6-6@ip.test", "wrong password"));
        Assert.Equal(HttpStatusCode.OK, (await From("2001:db8:1:3::1").SignInAsync("v6-7@ip.test", "wrong password")).StatusCode);
    }

    [Fact]
    public async Task ForgotPassword_IsLimitedPerAddress_AndPerAccount()
    {
        var client = From("192.0.2.20");
        for (var i = 1; i <= 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await ForgotAsync(client, $"forgot{i}@forgot.test")).StatusCode);
        await AssertTooManyAsync(await ForgotAsync(client, "forgot6@forgot.test"));

        for (var i = 1; i <= 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await ForgotAsync(From($"192.0.2.{30 + i}"), "victim@forgot.test")).StatusCode);
        await AssertTooManyAsync(await ForgotAsync(From("192.0.2.36"), "VICTIM@forgot.test"));
    }

    [Fact]
    public async Task ResetPassword_IsLimitedPerAddress()
    {
        var client = From("192.0.2.50");
        var link = $"/account/reset-password?userId={Guid.NewGuid()}&code=not-a-real-code";
        for (var i = 1; i <= 5; i++)
        {
            var attempt = await PostFormAsync(client, link, "reset", ("Input.Password", "a long new passphrase"), ("Input.ConfirmPassword", "a long new passphrase"));
            Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);
            Assert.Contains("invalid or has expired", await attempt.Content.ReadAsStringAsync());
        }
        await AssertTooManyAsync(await PostFormAsync(client, link, "reset", ("Input.Password", "a long new passphrase"), ("Input.ConfirmPassword", "a long new passphrase")));
        var elsewhere = await PostFormAsync(From("192.0.2.51"), link, "reset", ("Input.Password", "a long new passphrase"), ("Input.ConfirmPassword", "a long new passphrase"));
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Too many attempts", body);
        Assert.Contains("Try again in 15 minutes", body);
        Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
    }

    private static Task<HttpResponseMessage> ForgotAsync(HttpClient client, string email) =>
        PostFormAsync(client, "/account/forgot-password", "forgot", ("Input.Email", email));

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string url, string handler, params (string Key, string Value)[] fields) =>
        await client.PostAsync(url, Forms.Content(await client.GetStringAsync(url), handler, fields));

    [Fact]
    public async Task EmailChangeRequests_WhichSendMail_AreLimitedPerAddress()
    {
        var platform = await _factory.PlatformAsync();
        await _factory.CreateUserAsync(platform.Id, "mover@limits.test", Roles.Support);
        var client = From("198.51.100.77");
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync("mover@limits.test", MPanelFactory.Password)).StatusCode);
        for (var i = 1; i <= 5; i++)
        {
            var request = await PostFormAsync(client, "/account/email", "change-email", ("Input.NewEmail", $"new{i}@limits.test"), ("Input.Password", MPanelFactory.Password));
            Assert.Equal(HttpStatusCode.OK, request.StatusCode);
        }
        await AssertTooManyAsync(await PostFormAsync(client, "/account/email", "change-email", ("Input.NewEmail", "new6@limits.test"), ("Input.Password", MPanelFactory.Password)));
    }
}
