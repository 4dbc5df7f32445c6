using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Features.Tokens;

namespace MPanel.Tests.Features.Account;

public sealed class PersonalAccessTokenTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private async Task<HttpClient> SignedInAsync(string name, string role = Roles.Support)
    {
        var email = $"{name}@pat.test";
        await factory.CreateUserAsync((await factory.PlatformAsync()).Id, email, role);
        return await factory.SignedInAsync(email);
    }

    private HttpClient WithToken(string secret)
    {
        var client = factory.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    [Fact]
    public async Task AToken_CanDoOnlyWhatItsScopesSay_AndStopsWhenRevoked()
    {
        var owner = await SignedInAsync("pat-owner");
        var response = await owner.PostJsonAsync("/api/account/tokens", new CreatePersonalAccessTokenRequest("nightly export", [Permissions.Customers.Read], 30));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync<CreatedPersonalAccessToken>();
        Assert.StartsWith("mpat_", created.Secret);
        Assert.StartsWith(created.Token.Prefix, created.Secret);

        var robot = WithToken(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await robot.GetAsync("/api/customers")).StatusCode);
        // Support may create customers, but this token was not given that scope.
        Assert.Equal(HttpStatusCode.Forbidden, (await robot.PostJsonAsync("/api/customers", new CustomerDetails("Robo", "Created", "robo@pat.test", null, null, "DE"))).StatusCode);
        // A token cannot mint more tokens.
        Assert.Equal(HttpStatusCode.Forbidden, (await robot.PostJsonAsync("/api/account/tokens", new CreatePersonalAccessTokenRequest("more", [Permissions.Customers.Read], null))).StatusCode);

        var listed = await (await owner.GetAsync("/api/account/tokens")).ReadAsync<List<PersonalAccessTokenRow>>();
        Assert.NotNull(Assert.Single(listed).LastUsedAt);
        var stored = await factory.InSystemScopeAsync((_, db) => db.PersonalAccessTokens.Select(t => t.TokenHash).ToListAsync());
        Assert.DoesNotContain(created.Secret, stored);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/account/tokens/{created.Token.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await robot.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task Scopes_MustBeHeldByTheOwnersRole()
    {
        var owner = await SignedInAsync("pat-greedy");
        var greedy = await owner.PostJsonAsync("/api/account/tokens", new CreatePersonalAccessTokenRequest("too much", [Permissions.Users.Manage], null));
        Assert.Equal(HttpStatusCode.BadRequest, greedy.StatusCode);
        Assert.Contains("\"scopes\"", await greedy.Content.ReadAsStringAsync());
        var bad = await owner.PostJsonAsync("/api/account/tokens", new CreatePersonalAccessTokenRequest("x", [], 0));
        var body = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"name\"", body);
        Assert.Contains("\"expiresInDays\"", body);
    }

    [Fact]
    public async Task UnknownOrForeignTokens_AreRefused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithToken("mpat_not-a-real-token").GetAsync("/api/customers")).StatusCode);
        var a = await SignedInAsync("pat-a");
        var b = await SignedInAsync("pat-b");
        var created = await (await a.PostJsonAsync("/api/account/tokens", new CreatePersonalAccessTokenRequest("a's", [Permissions.Customers.Read], null))).ReadAsync<CreatedPersonalAccessToken>();
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/account/tokens/{created.Token.Id}")).StatusCode);
    }
}
