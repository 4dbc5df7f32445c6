using Microsoft.Playwright;
using OtpNet;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

public sealed class TwoFactorJourneyTests(BrowserFactory app) : IClassFixture<BrowserFactory>
{
    [Fact]
    public async Task Staff_EnrolsFromTheUserMenu_ThenSignsInWithACode()
    {
        var page = await app.SignedInPageAsync("ops@mpanel.localhost");
        await BrowserFactory.WaitForCircuitAsync(page);
        await OpenUserMenuAsync(page);
        await page.GetByText("Two-factor authentication").ClickAsync();
        await page.WaitForURLAsync("**/account/two-factor");

        var key = (await page.GetByTestId("authenticator-key").TextContentAsync())!.Replace(" ", "").ToUpperInvariant();
        await Expect(page.GetByAltText("QR code for your authenticator app")).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "two-factor-enrol");
        var totp = new Totp(Base32Encoding.ToBytes(key));
        await page.FillAsync("#code", totp.ComputeTotp(DateTime.UtcNow));
        await page.FillAsync("#password", Infrastructure.Seeding.DemoSeeder.Password);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.GetByTestId("recovery-codes").Locator("li")).ToHaveCountAsync(10);
        await BrowserFactory.ScreenshotAsync(page, "two-factor-recovery-codes");
        await page.GetByText("I saved them").ClickAsync();
        await BrowserFactory.WaitForCircuitAsync(page);

        // Sign out, then sign in again: password, then a code (the next time step: the enrolment code is spent).
        await OpenUserMenuAsync(page);
        await page.GetByText("Sign out").ClickAsync();
        await page.WaitForURLAsync("**/account/login?signedOut=1");
        await page.FillAsync("#email", "ops@mpanel.localhost");
        await page.FillAsync("#password", Infrastructure.Seeding.DemoSeeder.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/account/login-2fa**");
        await page.FillAsync("#code", totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
        await BrowserFactory.ScreenshotAsync(page, "two-factor-sign-in");
        await page.ClickAsync("button[type=submit]");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard");

        // The sign-in is one session, marked as this browser.
        await page.GotoAsync("/account/sessions");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByText("This browser")).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "sessions");
    }

    private static async Task OpenUserMenuAsync(IPage page)
    {
        var activator = page.Locator(".mud-menu-activator", new() { Has = page.GetByTestId("user-menu") });
        await activator.ClickAsync();
        await Expect(activator).ToHaveAttributeAsync("aria-expanded", "true");
    }
}
