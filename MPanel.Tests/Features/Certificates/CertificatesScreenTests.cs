using Microsoft.AspNetCore.Hosting;
using MPanel.Tests.EndToEnd;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.Features.Certificates;

/// <summary>The browser on a real port, trusting the test CA for uploads.</summary>
public sealed class CertificatesBrowserFactory : BrowserFactory
{
    private readonly string _roots = Path.Combine(Path.GetTempPath(), "mpanel-ui-roots-" + Guid.NewGuid().ToString("N")[..8] + ".pem");

    public override async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_roots, TestCa.Shared.Root.ExportCertificatePem());
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        With("Acme:UploadTrustedRootsPath", _roots);
        base.ConfigureWebHost(builder);
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_roots);
    }
}

public sealed class CertificatesScreenTests(CertificatesBrowserFactory app) : IClassFixture<CertificatesBrowserFactory>
{
    [Fact]
    public async Task Admin_UploadsACertificate_SeesFieldErrorsThenTheDetailsAndTheList()
    {
        var (leaf, key) = TestCa.Shared.Issue(["ui.example.test", "www.ui.example.test"], notAfter: DateTimeOffset.UtcNow.AddDays(20));
        var (_, otherKey) = TestCa.Shared.Issue(["other.example.test"]);
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        await page.GotoAsync("/certificates");
        await BrowserFactory.WaitForCircuitAsync(page);
        await page.GetByTestId("upload-certificate").ClickAsync();

        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("Certificate chain (PEM)").FillAsync(TestCa.Shared.Chain(leaf));
        await dialog.GetByLabel("Private key (PEM)").FillAsync(otherKey);
        await page.GetByTestId("save-upload").ClickAsync();
        await Expect(dialog.GetByText("The private key does not belong to this certificate.")).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "certificate-upload-errors");

        await dialog.GetByLabel("Private key (PEM)").FillAsync(key);
        await page.GetByTestId("save-upload").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("ui.example.test");
        await Expect(page.GetByTestId("certificate-status")).ToHaveTextAsync("Issued");
        await Expect(page.GetByTestId("certificate-expiry")).ToContainTextAsync("days");
        await Expect(page.GetByTestId("download-chain")).ToBeVisibleAsync();
        await BrowserFactory.ScreenshotAsync(page, "certificate-detail");

        await page.GotoAsync("/certificates");
        await BrowserFactory.WaitForCircuitAsync(page);
        var row = page.Locator(".mud-table-body tr", new() { HasText = "ui.example.test" });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByTestId("certificate-expiry")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("warning"));
        await BrowserFactory.ScreenshotAsync(page, "certificates-list");
    }
}
