using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MPanel.Tests.EndToEnd;
using MPanel.Web.Features.Webhooks;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.Features.Webhooks;

/// <summary>The browser host with webhooks allowed to reach the loopback receiver.</summary>
public sealed class WebhooksBrowserFactory : BrowserFactory
{
    public WebhooksBrowserFactory()
    {
        With("Webhooks:AllowPrivateAddresses", "true");
        With("Webhooks:AllowHttp", "true");
    }

    public async Task<int> DispatchAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WebhookDispatchJob>().RunAsync(CancellationToken.None);
    }
}

/// <summary>The webhooks page in Chromium: an admin makes an endpoint, sees its secret once, sends a test event, sees the
/// delivery arrive in the grid (live), opens its attempts and replays it.</summary>
public sealed class WebhookScreensTests(WebhooksBrowserFactory app) : IClassFixture<WebhooksBrowserFactory>
{
    [Fact]
    public async Task Admin_CreatesAnEndpoint_SeesTheSecretOnce_SendsATest_AndSeesTheDelivery()
    {
        await using var receiver = new WebhookReceiver();
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await page.GotoAsync("/settings/webhooks");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("new-endpoint").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByTestId("endpoint-url-input").FillAsync(receiver.Url);
        await dialog.GetByTestId("endpoint-description").FillAsync("CRM sync");
        await dialog.GetByTestId("event-invoice.created").ClickAsync();
        await BrowserFactory.ScreenshotAsync(page, "webhook-dialog");
        await page.GetByTestId("save-endpoint").ClickAsync();

        var secretField = page.GetByTestId("webhook-secret");
        await Expect(secretField).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^whsec_"));
        var secret = await secretField.InputValueAsync();
        await BrowserFactory.ScreenshotAsync(page, "webhook-secret");
        await page.GetByTestId("close-secret").ClickAsync();
        await Expect(page.GetByTestId("webhook-secret")).ToBeHiddenAsync();
        var row = page.Locator("[data-testid=endpoints-grid] .mud-table-body tr", new() { HasText = receiver.Url });
        await Expect(row).ToContainTextAsync("invoice.created");
        await Expect(row).ToContainTextAsync("enabled");
        Assert.DoesNotContain(secret[6..], await page.ContentAsync());

        await row.GetByTestId("endpoint-menu").ClickAsync();
        await page.GetByTestId("send-test").ClickAsync();
        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Test event queued");
        Assert.Equal(1, await app.DispatchAsync()); // what the Hangfire worker does

        var delivery = page.Locator("[data-testid=deliveries-grid] .mud-table-body tr", new() { HasText = "webhook.test" });
        await Expect(delivery).ToContainTextAsync("Succeeded"); // arrived through the live event bus, no reload
        await Expect(delivery).ToContainTextAsync("200");
        var received = Assert.Single(receiver.Requests);
        Assert.True(StandardWebhooks.Verify(secret, received.Headers, received.Body, DateTimeOffset.UtcNow));
        await BrowserFactory.ScreenshotAsync(page, "webhook-deliveries");

        await delivery.ClickAsync();
        var attempts = page.GetByTestId("attempts-table");
        await Expect(attempts).ToContainTextAsync("receiver says 200");
        await BrowserFactory.ScreenshotAsync(page, "webhook-delivery-attempts");
        await page.GetByTestId("replay").ClickAsync();
        await Expect(page.GetByTestId("attempts-table")).ToBeHiddenAsync();
        Assert.Equal(1, await app.DispatchAsync());
        Assert.Equal(2, receiver.Requests.Count);
        Assert.Equal(received.Headers["webhook-id"], receiver.Requests.Last().Headers["webhook-id"]);
        await Expect(delivery).ToContainTextAsync("2");
    }
}
