using System.Net;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Users;

namespace MPanel.Tests.Features.Users;

public sealed class UsersTests : IClassFixture<UsersTests.Factory>
{
    /// <summary>Checks the security stamp on every request, so disabling a user is visible at once.</summary>
    public sealed class Factory : MPanelFactory
    {
        public Factory() => With("Identity:StampValidationSeconds", "0");
    }

    private readonly Factory _factory;

    public UsersTests(Factory factory) => _factory = factory;

    private async Task<HttpClient> AdminAsync(string name)
    {
        var platform = await _factory.PlatformAsync();
        await _factory.CreateUserAsync(platform.Id, $"{name}@users.test", Roles.Admin);
        return await _factory.SignedInAsync($"{name}@users.test");
    }

    [Fact]
    public async Task Invite_SendsASetPasswordLink_ThatLetsTheNewUserSignInWithTheRole()
    {
        var admin = await AdminAsync("inviter");
        var response = await admin.PostJsonAsync("/api/users", new InviteUserRequest("newbie@users.test", "Nina Newbie", Roles.BillingManager));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var row = await response.ReadAsync<UserRow>();
        Assert.Equal(Roles.BillingManager, row.Role);
        Assert.Null(row.LastSignInAt);

        var mail = await _factory.WaitForAsync("newbie@users.test");
        Assert.Contains("invited you", mail.TextBody);
        var link = new Uri(mail.Link());
        Assert.Contains("invite=1", link.Query);

        var client = _factory.NewClient();
        var page = await client.GetStringAsync(link.PathAndQuery);
        Assert.Contains("Welcome! Choose your password", page);
        var token = Forms.AntiforgeryToken(page);
        var set = await client.PostAsync(link.PathAndQuery, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "reset", ["__RequestVerificationToken"] = token,
            ["Input.Password"] = "invited and happy here", ["Input.ConfirmPassword"] = "invited and happy here",
        }));
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);

        var newbie = await _factory.SignedInAsync("newbie@users.test", "invited and happy here");
        Assert.Equal(HttpStatusCode.OK, (await newbie.GetAsync("/api/customers")).StatusCode);     // billing reads customers
        Assert.Equal(HttpStatusCode.Forbidden, (await newbie.GetAsync("/api/users")).StatusCode);  // but not users
    }

    [Fact]
    public async Task ResendInvitation_SendsANewLink_AndTheOldOneStopsWorking()
    {
        var admin = await AdminAsync("resender");
        var row = await (await admin.PostJsonAsync("/api/users", new InviteUserRequest("slow@users.test", "Sam Slow", Roles.Support))).ReadAsync<UserRow>();
        var first = new Uri((await _factory.WaitForAsync("slow@users.test")).Link());

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/users/{row.Id}/resend-invitation", null)).StatusCode);
        var second = new Uri((await _factory.WaitForAsync("slow@users.test")).Link());
        Assert.NotEqual(first, second);

        var client = _factory.NewClient();
        var stale = await client.PostAsync(first.PathAndQuery, Forms.Content(await client.GetStringAsync(first.PathAndQuery), "reset",
            ("Input.Password", "finally joining today"), ("Input.ConfirmPassword", "finally joining today")));
        Assert.Contains("invalid or has expired", await stale.Content.ReadAsStringAsync());
        var fresh = await client.PostAsync(second.PathAndQuery, Forms.Content(await client.GetStringAsync(second.PathAndQuery), "reset",
            ("Input.Password", "finally joining today"), ("Input.ConfirmPassword", "finally joining today")));
        Assert.Equal(HttpStatusCode.Redirect, fresh.StatusCode);

        // Once they have joined there is nothing to resend.
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/users/{row.Id}/resend-invitation", null)).StatusCode);
    }

    [Fact]
    public async Task Invite_RefusesRolesAboveTheInviter_AndDuplicateEmails()
    {
        var admin = await AdminAsync("careful");
        var tooHigh = await admin.PostJsonAsync("/api/users", new InviteUserRequest("boss@users.test", "Big Boss", Roles.SuperAdmin));
        Assert.Equal(HttpStatusCode.BadRequest, tooHigh.StatusCode);
        Assert.Contains("\"role\"", await tooHigh.Content.ReadAsStringAsync());

        var dup = await admin.PostJsonAsync("/api/users", new InviteUserRequest("careful@users.test", "Me Again", Roles.Support));
        Assert.Equal(HttpStatusCode.BadRequest, dup.StatusCode);
        Assert.Contains("already exists", await dup.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ChangeRole_TakesEffectOnTheNextRequest()
    {
        var admin = await AdminAsync("promoter");
        var platform = await _factory.PlatformAsync();
        var user = await _factory.CreateUserAsync(platform.Id, "climber@users.test", Roles.Support);
        var climber = await _factory.SignedInAsync("climber@users.test");
        Assert.Equal(HttpStatusCode.Forbidden, (await climber.GetAsync("/api/users")).StatusCode);

        var changed = await admin.PutJsonAsync($"/api/users/{user.Id}/role", new ChangeRoleRequest(Roles.Admin));
        Assert.Equal(Roles.Admin, (await changed.ReadAsync<UserRow>()).Role);
        // The old cookie names the old role: the stamp check ends it, and a fresh sign-in carries the new role.
        Assert.Equal(HttpStatusCode.Unauthorized, (await climber.GetAsync("/api/users")).StatusCode);
        var again = await _factory.SignedInAsync("climber@users.test");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task Disable_EndsTheUsersSession_AndEnableLetsThemBackIn()
    {
        var admin = await AdminAsync("gatekeeper");
        var platform = await _factory.PlatformAsync();
        var user = await _factory.CreateUserAsync(platform.Id, "leaving@users.test", Roles.Support);
        var session = await _factory.SignedInAsync("leaving@users.test");
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/api/customers")).StatusCode);

        var disabled = await (await admin.PostAsync($"/api/users/{user.Id}/disable", null)).ReadAsync<UserRow>();
        Assert.True(disabled.IsDisabled);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/api/customers")).StatusCode);
        await Assert.ThrowsAsync<InvalidOperationException>(() => _factory.SignedInAsync("leaving@users.test"));

        await admin.PostAsync($"/api/users/{user.Id}/enable", null);
        await _factory.SignedInAsync("leaving@users.test");
    }

    [Fact]
    public async Task Admin_CannotDisableThemselves()
    {
        var admin = await AdminAsync("selfish");
        var me = (await (await admin.GetAsync("/api/users?search=selfish")).ReadAsync<Paged<UserRow>>()).Items.Single();
        var response = await admin.PostAsync($"/api/users/{me.Id}/disable", null);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }
}
