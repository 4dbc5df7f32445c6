using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Tokens;
using OtpNet;

namespace MPanel.Tests.Features.Account;

public sealed class ApiTokenTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private async Task<string> UserAsync(string name, string role = Roles.Support, Guid? tenantId = null)
    {
        var email = $"{name}@tokens.test";
        await factory.CreateUserAsync(tenantId ?? (await factory.PlatformAsync()).Id, email, role);
        return email;
    }

    private async Task<TokenResponse> TokenAsync(string email, string password = MPanelFactory.Password, string? code = null)
    {
        var response = await factory.NewClient().PostJsonAsync("/api/auth/token", new TokenRequest(email, password, code));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<TokenResponse>();
    }

    private HttpClient Bearer(string accessToken)
    {
        var client = factory.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    [Fact]
    public async Task PasswordGivesAShortLivedBearerToken_ThatWorksOnTheApi_WithinItsTenant()
    {
        var reseller = await factory.CreateResellerAsync("tokenco");
        var own = await factory.CreateCustomerAsync(reseller.Id, "Bearer", "Owned");
        var foreign = await factory.CreateCustomerAsync((await factory.PlatformAsync()).Id, "Platform", "Only");
        var tokens = await TokenAsync(await UserAsync("reseller-api", Roles.Reseller, reseller.Id));
        Assert.Equal(15 * 60, tokens.ExpiresIn);
        Assert.Equal(3, tokens.AccessToken.Split('.').Length); // a JWT

        var api = Bearer(tokens.AccessToken);
        var list = await (await api.GetAsync("/api/customers")).ReadAsync<Paged<CustomerRow>>();
        Assert.Contains(list.Items, c => c.Id == own.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/customers/{foreign.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/tenants")).StatusCode);
    }

    [Fact]
    public async Task WrongPassword_UnknownAccount_AndGarbageTokens_Get401()
    {
        var email = await UserAsync("wrong-api");
        var wrong = await factory.NewClient().PostJsonAsync("/api/auth/token", new TokenRequest(email, "not the password", null));
        var unknown = await factory.NewClient().PostJsonAsync("/api/auth/token", new TokenRequest("ghost@tokens.test", "not the password", null));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var wrongTitle = System.Text.Json.JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString();
        var unknownTitle = System.Text.Json.JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString();
        Assert.Equal(wrongTitle, unknownTitle); // the answer does not tell whether the account exists
        Assert.Contains("not right", wrongTitle);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer("not.a.token").GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.NewClient().PostJsonAsync("/api/auth/refresh", new RefreshRequest("nonsense"))).StatusCode);
    }

    [Fact]
    public async Task Refresh_Rotates_AndReusingAnOldRefreshTokenRevokesTheWholeFamily()
    {
        var email = await UserAsync("rotator");
        var first = await TokenAsync(email);
        var second = await (await factory.NewClient().PostJsonAsync("/api/auth/refresh", new RefreshRequest(first.RefreshToken))).ReadAsync<TokenResponse>();
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, (await Bearer(second.AccessToken).GetAsync("/api/customers")).StatusCode);

        // Someone replays the first (spent) refresh token: refused, and the legitimate newer one dies with it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.NewClient().PostJsonAsync("/api/auth/refresh", new RefreshRequest(first.RefreshToken))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.NewClient().PostJsonAsync("/api/auth/refresh", new RefreshRequest(second.RefreshToken))).StatusCode);

        var stored = await factory.InSystemScopeAsync((_, db) => db.RefreshTokens.Select(t => t.TokenHash).ToListAsync());
        Assert.DoesNotContain(first.RefreshToken, stored); // only hashes are kept
    }

    [Fact]
    public async Task Logout_RevokesTheRefreshToken()
    {
        var tokens = await TokenAsync(await UserAsync("api-logout"));
        Assert.Equal(HttpStatusCode.NoContent, (await factory.NewClient().PostJsonAsync("/api/auth/logout", new RefreshRequest(tokens.RefreshToken))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.NewClient().PostJsonAsync("/api/auth/refresh", new RefreshRequest(tokens.RefreshToken))).StatusCode);
    }

    [Fact]
    public async Task TwoFactorAccounts_NeedTheCode_AndACodeWorksOnce()
    {
        var email = await UserAsync("api-2fa");
        var key = await factory.InSystemScopeAsync(async (sp, db) =>
        {
            var users = sp.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<MPanel.Infrastructure.Identity.ApplicationUser>>();
            var user = await db.Users.SingleAsync(u => u.Email == email);
            await users.ResetAuthenticatorKeyAsync(user);
            await users.SetTwoFactorEnabledAsync(user, true);
            return (await users.GetAuthenticatorKeyAsync(user))!;
        });
        var noCode = await factory.NewClient().PostJsonAsync("/api/auth/token", new TokenRequest(email, MPanelFactory.Password, null));
        Assert.Equal(HttpStatusCode.BadRequest, noCode.StatusCode);
        Assert.Contains("\"code\"", await noCode.Content.ReadAsStringAsync());

        var code = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow);
        await TokenAsync(email, code: code);
        var replay = await factory.NewClient().PostJsonAsync("/api/auth/token", new TokenRequest(email, MPanelFactory.Password, code));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
    }

    [Fact]
    public async Task DisablingTheUser_EndsTheirAccessTokenAtOnce()
    {
        var email = await UserAsync("api-disabled");
        var tokens = await TokenAsync(email);
        var api = Bearer(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/customers")).StatusCode);

        var adminEmail = await UserAsync("api-admin", Roles.Admin);
        var admin = await factory.SignedInAsync(adminEmail);
        var id = await factory.InSystemScopeAsync((_, db) => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/users/{id}/disable", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.NewClient().PostJsonAsync("/api/auth/refresh", new RefreshRequest(tokens.RefreshToken))).StatusCode);
    }
}
