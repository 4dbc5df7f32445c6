using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Account;

/// <summary>Changing the sign-in email (ASVS 7.5.1): password again, link to the new address, notice to the old one,
/// every session ends, the link works once and only for its own account.</summary>
public sealed partial class EmailChangeTests : IClassFixture<EmailChangeTests.Factory>
{
    /// <summary>Re-checks sessions on every request, so a revoked session shows at once.</summary>
    public sealed class Factory : MPanelFactory
    {
        public Factory() => With("Identity:StampValidationSeconds", "0");
    }

    private readonly Factory _factory;

    public EmailChangeTests(Factory factory) => _factory = factory;

    private async Task<string> UserAsync(string name, string role = Roles.Support)
    {
        var platform = await _factory.PlatformAsync();
        var email = $"{name}@email-change.test";
        await _factory.CreateUserAsync(platform.Id, email, role);
        return email;
    }

    private static async Task<string> RequestAsync(HttpClient client, string newEmail, string password)
    {
        var page = await client.GetStringAsync("/account/email");
        var response = await client.PostAsync("/account/email", Form(page, "change-email", ("Input.NewEmail", newEmail), ("Input.Password", password)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> ConfirmAsync(HttpClient client, string link)
    {
        var url = new Uri(link).PathAndQuery;
        var page = await client.GetStringAsync(url);
        var response = await client.PostAsync(url, Form(page, "confirm-email"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongPassword_IsRefused_AndNothingIsMailed()
    {
        var email = await UserAsync("wrong-password");
        var client = await _factory.SignedInAsync(email);
        var html = await RequestAsync(client, "wrong-password-new@email-change.test", "not my password at all");
        Assert.Contains("That is not your current password.", html);
        Assert.DoesNotContain("We sent a link", html);
        await Assert.ThrowsAsync<TimeoutException>(() => _factory.WaitForAsync("wrong-password-new@email-change.test", TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<TimeoutException>(() => _factory.WaitForAsync(email, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task TakenAddress_IsRefused_WithoutNamingItsOwner()
    {
        var owner = await UserAsync("owner-of-the-address");
        var email = await UserAsync("wants-it");
        var client = await _factory.SignedInAsync(email);
        var html = WebUtility.HtmlDecode(await RequestAsync(client, owner.ToUpperInvariant(), MPanelFactory.Password));
        Assert.Contains("belongs to another account", html);
        Assert.DoesNotContain("We sent a link", html);
        Assert.DoesNotContain("owner-of-the-address\"", html); // only the typed value echoes back in the field
        Assert.DoesNotContain(">owner-of-the-address<", html); // no display name
        await Assert.ThrowsAsync<TimeoutException>(() => _factory.WaitForAsync(owner, TimeSpan.FromSeconds(1)));

        var same = WebUtility.HtmlDecode(await RequestAsync(client, email, MPanelFactory.Password));
        Assert.Contains("already your sign-in email", same);
        var invalid = WebUtility.HtmlDecode(await RequestAsync(client, "not an address", MPanelFactory.Password));
        Assert.Contains("Enter a valid email address.", invalid);
    }

    [Fact]
    public async Task FullFlow_NewAddressConfirms_OldStopsWorking_SessionsEnd_OldAddressIsTold_AndTheLinkWorksOnce()
    {
        var oldEmail = await UserAsync("mover");
        const string newEmail = "mover-new@email-change.test";
        var client = await _factory.SignedInAsync(oldEmail);
        var elsewhere = await _factory.SignedInAsync(oldEmail);

        var html = WebUtility.HtmlDecode(await RequestAsync(client, newEmail, MPanelFactory.Password));
        Assert.Contains($"We sent a link to {newEmail}", Regex.Replace(html, "<[^>]+>", ""));

        var confirmation = await _factory.WaitForAsync(newEmail);
        var link = confirmation.Link();
        Assert.Contains("/account/confirm-email?userId=", link);
        Assert.Contains("valid for 24 hours", confirmation.TextBody);
        var notice = await _factory.WaitForAsync(oldEmail);
        Assert.Contains("asked to change", notice.TextBody);
        Assert.Contains("If this was not you, change your password", notice.TextBody);

        // Nothing has changed yet: the old address still signs in, and opening the link (GET) changes nothing.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/customers")).StatusCode);
        var preview = await _factory.NewClient().GetStringAsync(new Uri(link).PathAndQuery);
        Assert.Contains("Confirm new email", preview);
        await _factory.SignedInAsync(oldEmail);

        var done = await ConfirmAsync(_factory.NewClient(), link);
        Assert.Contains($"Your sign-in email is now {newEmail}", Regex.Replace(done, "<[^>]+>", ""));
        Assert.Contains("href=\"/account/login\"", done);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/api/customers")).StatusCode);
        var oldSignIn = await _factory.NewClient().SignInAsync(oldEmail, MPanelFactory.Password);
        Assert.Equal(HttpStatusCode.OK, oldSignIn.StatusCode); // the form again, not a redirect into the app
        Assert.Contains("email or password is not right", await oldSignIn.Content.ReadAsStringAsync());
        var fresh = await _factory.SignedInAsync(newEmail);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/customers")).StatusCode);

        var changed = await _factory.WaitForAsync(oldEmail);
        Assert.Contains("was changed", changed.TextBody);

        var again = await ConfirmAsync(_factory.NewClient(), link);
        Assert.Contains("This link is invalid or has expired. Ask for a new one.", again);
        Assert.DoesNotContain("Your sign-in email is now", again);

        var user = await _factory.InSystemScopeAsync((_, db) => db.Users.SingleAsync(u => u.Email == newEmail));
        Assert.Equal(newEmail, user.UserName);
        Assert.True(user.EmailConfirmed);
        var audited = await _factory.InSystemScopeAsync((_, db) => db.AuditEntries
            .Where(a => a.EntityType == "User" && a.EntityId == user.Id.ToString() && a.Action == "Updated")
            .ToListAsync());
        var entry = Assert.Single(audited, a => a.Changes!.Contains("\"Email\"", StringComparison.Ordinal) && a.Changes.Contains(newEmail, StringComparison.Ordinal));
        Assert.Equal(user.Id, entry.UserId);
        Assert.Equal(user.TenantId, entry.TenantId);
    }

    [Fact]
    public async Task ALink_ForOneUser_FailsWithAnotherUsersId()
    {
        var email = await UserAsync("link-owner");
        var other = await UserAsync("link-thief");
        var client = await _factory.SignedInAsync(email);
        await RequestAsync(client, "link-owner-new@email-change.test", MPanelFactory.Password);
        var link = (await _factory.WaitForAsync("link-owner-new@email-change.test")).Link();
        await _factory.WaitForAsync(email);
        var otherId = await _factory.InSystemScopeAsync((_, db) => db.Users.Where(u => u.Email == other).Select(u => u.Id).SingleAsync());

        var forged = Regex.Replace(link, "userId=[^&]+", $"userId={otherId}");
        var html = await ConfirmAsync(_factory.NewClient(), forged);
        Assert.Contains("This link is invalid or has expired.", html);
        Assert.Equal(other, await _factory.InSystemScopeAsync((_, db) => db.Users.Where(u => u.Id == otherId).Select(u => u.Email).SingleAsync()));

        // A link whose address was altered fails too (the token is bound to the address).
        var altered = Regex.Replace(link, "email=[^&]+", "email=" + Uri.EscapeDataString("attacker@email-change.test"));
        Assert.Contains("This link is invalid or has expired.", await ConfirmAsync(_factory.NewClient(), altered));
        await _factory.SignedInAsync(email); // still the old address
    }

    private static FormUrlEncodedContent Form(string page, string handler, params (string, string)[] fields) => Forms.Content(page, handler, fields);

}
