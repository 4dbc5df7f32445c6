using MPanel.Tests.Support;
using MPanel.Web.Features.Sessions;

namespace MPanel.Tests.EndToEnd;

public sealed class RevokedSessionTests(RevokedSessionTests.QuickRevalidation app) : IClassFixture<RevokedSessionTests.QuickRevalidation>
{
    /// <summary>Open circuits re-check their session every 5 seconds (the minimum) instead of every minute.</summary>
    public sealed class QuickRevalidation : BrowserFactory
    {
        public QuickRevalidation() => With("Identity:StampValidationSeconds", "0");
    }

    [Fact]
    public async Task RevokingASession_ClosesTheOpenCircuit_AndTheBrowserLandsOnSignIn()
    {
        var page = await app.SignedInPageAsync("support@mpanel.localhost");
        await page.GotoAsync("/customers");
        await BrowserFactory.WaitForCircuitAsync(page);

        // From another device, the same user ends every other session: the open page's circuit is one of them.
        var phone = await app.SignedInAsync("support@mpanel.localhost", Infrastructure.Seeding.DemoSeeder.Password);
        var sessions = await (await phone.GetAsync("/api/account/sessions")).ReadAsync<List<SessionRow>>();
        Assert.Equal(2, sessions.Count);
        await phone.PostAsync("/api/account/sessions/revoke-others", null);

        // No reload, no click: the circuit's revalidation signs it out and the page goes to sign-in.
        await page.WaitForURLAsync("**/account/login**", new() { Timeout = 30_000 });
    }
}
