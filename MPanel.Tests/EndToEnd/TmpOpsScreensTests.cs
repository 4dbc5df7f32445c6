using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MPanel.Domain.Billing;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Features.Billing;
using MPanel.Web.Features.Emails;
using static Microsoft.Playwright.Assertions;

namespace MPanel.Tests.EndToEnd;

// TEMPORARY: screenshots of billing runs, email log and dashboard money tiles. Delete after use.
public sealed class TmpOpsScreensTests(TmpOpsScreensTests.Factory app) : IClassFixture<TmpOpsScreensTests.Factory>
{
    public sealed class Factory : BrowserFactory
    {
        public MovableClock Clock { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        }
    }

    private const string Out = "/tmp/opsshots";

    private static async Task Shot(IPage page, string name, bool full = true)
    {
        Directory.CreateDirectory(Out);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Out, name + ".png"), FullPage = full });
    }

    private async Task<Guid> BillingDayAsync(Guid tenantId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await scope.ServiceProvider.GetRequiredService<BillingDayJob>().RunAsync(tenantId, CancellationToken.None);
    }

    private async Task DispatchAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EmailDispatchJob>().RunAsync(CancellationToken.None);
    }

    private async Task PayOpenAsync(Guid tenantId, int count)
    {
        var ids = await app.InSystemScopeAsync((_, db) => db.Invoices.Where(i => i.TenantId == tenantId && i.Status == InvoiceStatus.Open).OrderBy(i => i.DueDate)
            .Select(i => new { i.Id, Due = i.Total - i.AmountPaid }).Take(count).ToListAsync());
        foreach (var i in ids)
        {
            await using var scope = app.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
            await scope.ServiceProvider.GetRequiredService<MPanel.Web.Features.Payments.PaymentsService>().RecordManualAsync(i.Id, i.Due, PaymentGatewayKind.BankTransfer, "SEPA test");
        }
    }

    [Fact]
    public async Task Screens()
    {
        var platform = await app.PlatformAsync();
        var page = await app.SignedInPageAsync("admin@mpanel.localhost");
        page.Console += (_, m) => { if (m.Type == "error") Console.WriteLine("CONSOLE: " + m.Text); };

        // Empty states first.
        await page.GotoAsync("/billing/runs");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("billing-day-explained")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(800);
        await Shot(page, "01-runs-empty");

        await page.GotoAsync("/");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("stat-mrr")).ToBeVisibleAsync();
        await Shot(page, "02-dashboard-today");

        await BillingDayAsync(platform.Id);
        await DispatchAsync();
        app.Clock.Advance(TimeSpan.FromDays(20));
        await BillingDayAsync(platform.Id);
        await PayOpenAsync(platform.Id, 3);
        app.Clock.Advance(TimeSpan.FromDays(15));
        await BillingDayAsync(platform.Id);
        await PayOpenAsync(platform.Id, 1);
        await DispatchAsync();
        await app.InSystemScopeAsync(async (_, db) =>
        {
            var now = app.Clock.GetUtcNow();
            var failed = BillingRun.Start(platform.Id, BillingDayJob.Job, DateOnly.FromDateTime(now.UtcDateTime), now.AddMinutes(-3));
            failed.Count("ordersCancelled", 0);
            failed.Count("renewalInvoices", 2);
            failed.Finish(now.AddMinutes(-3).AddSeconds(4), "Npgsql.PostgresException (0x80004005): 40P01: deadlock detected");
            db.BillingRuns.Add(failed);
            db.BillingRuns.Add(BillingRun.Start(platform.Id, BillingDayJob.Job, DateOnly.FromDateTime(now.UtcDateTime), now.AddMinutes(1)));
            var email = await db.EmailMessages.OrderBy(e => e.CreatedAt).FirstAsync();
            for (var i = 0; i < EmailMessage.MaxAttempts; i++) email.MarkAttemptFailed("5.1.1 <" + email.To + ">: Recipient address rejected: User unknown in virtual mailbox table", now);
            db.EmailMessages.Add(EmailMessage.Queue(platform.Id, "grace@hopper.example", EmailTemplates.Receipt, null, "tmp:" + Guid.NewGuid(), now));
            await db.SaveChangesAsync();
            return 0;
        });

        page = await app.SignedInPageAsync("admin@mpanel.localhost"); // the clock moved past the session's lifetime
        await page.GotoAsync("/billing/runs");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("run-status").First).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "03-runs");
        await page.GetByTestId("run-billing-day").ClickAsync();
        await Expect(page.Locator(".mud-snackbar")).ToBeVisibleAsync();
        await Shot(page, "04-runs-queued", full: false);
        // live refresh: a new run appears without reload
        var before = await page.GetByTestId("run-status").CountAsync();
        await BillingDayAsync(platform.Id);
        await Expect(page.GetByTestId("run-status")).ToHaveCountAsync(before + 1);

        await page.GotoAsync("/emails");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("email-status").First).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "05-emails");
        await page.GetByTestId("email-status").Filter(new() { HasText = "Not sent" }).First.HoverAsync();
        await page.WaitForTimeoutAsync(700);
        await Shot(page, "06-emails-tooltip", full: false);

        await page.GetByTestId("email-template-filter").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Reminder", new() { Exact = true }).First.ClickAsync();
        await page.WaitForTimeoutAsync(700);
        await Shot(page, "07-emails-filtered", full: false);
        await page.Keyboard.PressAsync("Escape");

        await page.GotoAsync("/emails");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("email-status").First).ToBeVisibleAsync();
        await page.Locator(".mud-table-body tr").Filter(new() { HasText = "Not sent" }).First.ClickAsync();
        await Expect(page.Locator(".mud-dialog")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(800);
        await Shot(page, "08-email-dialog", full: false);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Plain text" }).ClickAsync();
        await page.WaitForTimeoutAsync(300);
        await Shot(page, "09-email-dialog-text", full: false);
        await page.GetByTestId("email-retry").ClickAsync();
        await Expect(page.Locator(".mud-snackbar")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "10-email-retried", full: false);

        await page.GetByTestId("email-status-filter").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Failed", new() { Exact = true }).First.ClickAsync();
        await page.WaitForTimeoutAsync(700);
        await Shot(page, "10b-emails-failed", full: false);
        await page.Locator(".mud-table-body tr").Filter(new() { HasText = "Failed" }).First.ClickAsync();
        await Expect(page.Locator(".mud-dialog")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        await Shot(page, "11-email-dialog-failed", full: false);
        await page.Keyboard.PressAsync("Escape");

        await page.GotoAsync("/");
        await BrowserFactory.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("stat-mrr")).ToBeVisibleAsync();
        await Shot(page, "12-dashboard-later");
        var revenue = await page.GetByTestId("stat-revenue").InnerTextAsync();
        await PayOpenAsync(platform.Id, 1);
        await Expect(page.GetByTestId("stat-revenue")).Not.ToHaveTextAsync(revenue);
        await Shot(page, "13-dashboard-live", full: false);
    }
}
