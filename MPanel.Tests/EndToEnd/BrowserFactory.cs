using Microsoft.Playwright;
using MPanel.Tests.Support;

namespace MPanel.Tests.EndToEnd;

/// <summary>MPanel on a real Kestrel port with the demo data, and Debian's Chromium driven by Playwright.</summary>
public class BrowserFactory : MPanelFactory
{
    protected override bool Kestrel => true;
    protected override bool SeedDemo => true;

    private IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("MPANEL_TEST_OUTPUT") ?? AppContext.BaseDirectory, "screenshots");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Assertions.SetDefaultExpectTimeout(15_000); // conditions, not sleeps: generous for a loaded CI machine
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("MPANEL_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage", "--no-first-run"],
        });
    }

    public new async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    public async Task<IPage> SignedInPageAsync(string email, string password = Infrastructure.Seeding.DemoSeeder.Password)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = RootUrl, ViewportSize = new ViewportSize { Width = 1440, Height = 900 }, Locale = "en-GB", TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => !url.Contains("/account/login"));
        return page;
    }

    /// <summary>Waits until the Blazor circuit is connected, so clicks reach the server.</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.Locator("#mp-circuit[data-state=on]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }
}
