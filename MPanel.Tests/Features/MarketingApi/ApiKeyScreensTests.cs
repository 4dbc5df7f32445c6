using System.Net.Http.Json;
using Microsoft.Playwright;
using MPanel.Tests.EndToEnd;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>The screens in Chromium: an admin makes a key and sees its secret once (with a copy button), the key works,
/// its call shows in the activity page; the API reference page renders under the Content-Security-Policy.</summary>
public sealed class ApiKeyScreensTests(BrowserFactory app) : IClassFixture<BrowserFactory>
{
    [Fact]
    public async Task Admin_CreatesAKey_SeesTheSecretOnce_AndItsCallInTheActivity()
    {
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.GotoAsync("/settings/api-keys");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("new-key").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByTestId("key-name").FillAsync("Marketing website");
        await BrowserFactory.ScreenshotAsync(page, "api-key-dialog");
        await page.GetByTestId("save-key").ClickAsync();

        var secretField = page.GetByTestId("key-secret");
        await Expect(secretField).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^mpk_live_"));
        var secret = await secretField.InputValueAsync();
        await page.GetByTestId("copy-key").ClickAsync();
        await Expect(page.GetByTestId("copy-result")).ToContainTextAsync("Copied");
        Assert.Equal(secret, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await BrowserFactory.ScreenshotAsync(page, "api-key-secret");
        await page.GetByTestId("close-secret").ClickAsync();
        await Expect(page.GetByTestId("key-secret")).ToBeHiddenAsync();

        var row = page.Locator(".mud-table-body tr", new() { HasText = "Marketing website" });
        await Expect(row).ToContainTextAsync(secret[..17]);
        Assert.DoesNotContain(secret[18..], await page.ContentAsync());
        await BrowserFactory.ScreenshotAsync(page, "api-keys");

        using var api = new HttpClient { BaseAddress = new Uri(app.RootUrl) };
        api.DefaultRequestHeaders.Add("X-API-Key", secret);
        var catalog = await api.GetAsync("/api/marketing-api/products/catalog");
        Assert.Equal(System.Net.HttpStatusCode.OK, catalog.StatusCode);

        await page.GotoAsync("/settings/api-activity");
        await BrowserFactory.WaitForCircuitAsync(page);
        var call = page.Locator(".mud-table-body tr", new() { HasText = "/api/marketing-api/products/catalog" });
        for (var i = 0; i < 20 && await call.CountAsync() == 0; i++)
        {
            await Task.Delay(250);
            await page.GetByTestId("activity-refresh").ClickAsync();
        }
        await Expect(call.First).ToContainTextAsync("200");
        await Expect(call.First).ToContainTextAsync("Marketing website");
        await BrowserFactory.ScreenshotAsync(page, "api-activity");
    }

    [Fact]
    public async Task ReferencePage_RendersTheMarketingApi_WithoutPolicyViolations()
    {
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.RootUrl, ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") problems.Add(message.Text);
        };
        page.PageError += (_, error) => problems.Add(error);
        var failed = new List<string>();
        page.RequestFailed += (_, request) => failed.Add(request.Url);
        await page.GotoAsync("/api/docs/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "MPanel marketing API" })).ToBeVisibleAsync();
        await Expect(page.GetByText("The catalogue").First).ToBeVisibleAsync();
        await Expect(page.GetByText("X-API-Key").First).ToBeAttachedAsync();
        await BrowserFactory.ScreenshotAsync(page, "api-docs");
        Assert.DoesNotContain(problems, p => p.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        Assert.All(failed, url => Assert.StartsWith(app.RootUrl, url));
        var document = await (await context.APIRequest.GetAsync("/openapi/v1.json")).JsonAsync();
        Assert.NotNull(document);
    }
}
