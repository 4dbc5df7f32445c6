using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Agent;
using MPanel.Domain.Billing;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Security;
using MPanel.Domain.Sites;
using MPanel.Tests.Support;
using MPanel.Web.Features.Sites;

namespace MPanel.Tests.Features.Sites;

/// <summary>MPanel → agent → nginx and PHP-FPM, for real: pages are fetched from nginx on 127.0.0.1:58080 by host name.</summary>
public sealed class SitesEndToEndTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}.test";

    private async Task<HttpClient> AdminAsync()
    {
        var platform = await factory.PlatformAsync();
        var email = $"sites-{Guid.NewGuid():N}@platform.test";
        await factory.CreateUserAsync(platform.Id, email, Roles.Admin);
        return await factory.SignedInAsync(email);
    }

    [Fact]
    public async Task Site_ServesItsPage_RunsPhpAsItsOwnUser_Suspends_Unsuspends_AndIsDeletedCompletely()
    {
        await SiteStack.RequireAsync();
        var admin = await AdminAsync();
        var domain = Unique("site1");
        var response = await admin.PostJsonAsync("/api/sites", new NewSite(domain, [$"www.{domain}"], SiteKind.Php, null, 100));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var site = await response.ReadAsync<SiteView>();
        Assert.Equal(SiteStatus.Active, site.Status);
        Assert.Equal("8.2", site.PhpVersion);
        Assert.NotNull(site.DocumentRoot);

        // The default page MPanel placed, under the primary name and the alias.
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.OK, $"<h1>{domain}</h1>");
        await SiteStack.WaitForAsync($"www.{domain}", "/", HttpStatusCode.OK, $"<h1>{domain}</h1>");
        // Another host name is not this site.
        Assert.Equal(HttpStatusCode.NotFound, (await SiteStack.GetAsync(Unique("nobody"))).Status);

        // PHP runs in the account's own pool, as the account's own system user.
        await File.WriteAllTextAsync(Path.Combine(site.DocumentRoot!, "whoami.php"), "<?php echo 'user=' . posix_getpwuid(posix_geteuid())['name'];");
        await SiteStack.WaitForAsync(domain, "/whoami.php", HttpStatusCode.OK, $"user={site.AccountName}");

        var usage = await (await admin.PostAsync($"/api/sites/{site.Id}/disk-usage", null)).ReadAsync<SiteView>();
        Assert.True(usage.DiskUsedBytes > 0);

        var suspended = await (await admin.PostAsync($"/api/sites/{site.Id}/suspend", null)).ReadAsync<SiteView>();
        Assert.Equal(SiteStatus.Suspended, suspended.Status);
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.ServiceUnavailable, "This site is suspended");
        await SiteStack.WaitForAsync(domain, "/whoami.php", HttpStatusCode.ServiceUnavailable, "This site is suspended");

        var unsuspended = await (await admin.PostAsync($"/api/sites/{site.Id}/unsuspend", null)).ReadAsync<SiteView>();
        Assert.Equal(SiteStatus.Active, unsuspended.Status);
        await SiteStack.WaitForAsync(domain, "/whoami.php", HttpStatusCode.OK, $"user={site.AccountName}");

        var deleted = await (await admin.DeleteAsync($"/api/sites/{site.Id}")).ReadAsync<SiteView>();
        Assert.Equal(SiteStatus.Deleted, deleted.Status);
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.NotFound, "");
        var platform = await factory.PlatformAsync();
        var inspection = await SiteStack.Agent().GetSiteAsync(new SiteRequest(platform.Id, site.AccountName, domain));
        Assert.False(inspection.Known);
        Assert.False(inspection.ServerBlockExists);
        Assert.False(inspection.PoolExists);
        Assert.False(inspection.DocumentRootExists);
        Assert.False(await SiteStack.SystemUserExistsAsync(site.AccountName));
    }

    [Fact]
    public async Task Drift_AliasesChangedBehindMPanelsBack_IsFound_AndRepairRestoresThem()
    {
        await SiteStack.RequireAsync();
        var admin = await AdminAsync();
        var domain = Unique("drift");
        var site = await (await admin.PostJsonAsync("/api/sites", new NewSite(domain, [$"www.{domain}"], SiteKind.Static, null, 50))).ReadAsync<SiteView>();
        Assert.Equal(SiteStatus.Active, site.Status);
        Assert.Empty(await (await admin.GetAsync($"/api/sites/{site.Id}/drift")).ReadAsync<List<ProvisioningDrift>>());

        var platform = await factory.PlatformAsync();
        await SiteStack.Agent().EnsureSiteAsync(new EnsureSiteRequest(platform.Id, site.AccountName, domain, [$"old.{domain}"], SiteKind.Static, null));
        var drift = await (await admin.GetAsync($"/api/sites/{site.Id}/drift")).ReadAsync<List<ProvisioningDrift>>();
        var names = Assert.Single(drift);
        Assert.Equal("site", names.Kind);
        Assert.Contains("server names", names.Resource);
        Assert.Equal($"{domain} www.{domain}", names.Expected);
        Assert.Equal($"{domain} old.{domain}", names.Actual);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/sites/{site.Id}/repair", null)).StatusCode);
        Assert.Empty(await (await admin.GetAsync($"/api/sites/{site.Id}/drift")).ReadAsync<List<ProvisioningDrift>>());
        await SiteStack.WaitForAsync($"www.{domain}", "/", HttpStatusCode.OK, domain);

        await admin.DeleteAsync($"/api/sites/{site.Id}");
    }

    [Fact]
    public async Task Settings_InvalidAlias_IsAFieldErrorAndChangesNothing()
    {
        await SiteStack.RequireAsync();
        var admin = await AdminAsync();
        var domain = Unique("settings");
        var site = await (await admin.PostJsonAsync("/api/sites", new NewSite(domain, [], SiteKind.Static, null, 50))).ReadAsync<SiteView>();
        var bad = await admin.PutJsonAsync($"/api/sites/{site.Id}", new SiteSettings(["evil.com;}"], SiteKind.Static, null, site.Version));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"aliases\"", await bad.Content.ReadAsStringAsync());

        var good = await (await admin.PutJsonAsync($"/api/sites/{site.Id}", new SiteSettings([$"shop.{domain}"], SiteKind.Php, "8.2", site.Version))).ReadAsync<SiteView>();
        Assert.Equal([$"shop.{domain}"], good.Aliases);
        await SiteStack.WaitForAsync($"shop.{domain}", "/", HttpStatusCode.OK, domain);
        await admin.DeleteAsync($"/api/sites/{site.Id}");
    }

    [Fact]
    public async Task SiteStep_ProvisionsSuspendsUnsuspendsAndTerminates_Idempotently()
    {
        await SiteStack.RequireAsync();
        var platform = await factory.PlatformAsync();
        var domain = Unique("step");
        var account = "u" + Guid.NewGuid().ToString("N")[..10];
        var context = new ProvisioningStepContext(platform.Id, Guid.NewGuid(), Guid.NewGuid(), ServiceAction.Provision, account, domain,
            new ProductResources { Sites = 1, DiskMb = 200 }, new Dictionary<string, string>());
        await using var scope = factory.Services.CreateAsyncScope();
        var step = scope.ServiceProvider.GetServices<IProvisioningStep>().Single(s => s.Kind == "site");
        Assert.Equal(20, step.Order);
        Assert.True(step.AppliesTo(context));
        Assert.False(step.AppliesTo(context with { Resources = new ProductResources { Sites = 0 } }));

        await step.RunAsync(context, default);
        await step.RunAsync(context, default); // twice: same result, no duplicate
        Assert.True(context.State.ContainsKey(SiteStep.StateKey));
        await SiteStack.WaitForAsync($"www.{domain}", "/", HttpStatusCode.OK, domain);
        Assert.Empty(await step.FindDriftAsync(context, default));

        await step.RunAsync(context with { Action = ServiceAction.Suspend }, default);
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.ServiceUnavailable, "suspended");
        await step.RunAsync(context with { Action = ServiceAction.Unsuspend }, default);
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.OK, domain);

        await step.RunAsync(context with { Action = ServiceAction.Terminate }, default);
        await step.RunAsync(context with { Action = ServiceAction.Terminate }, default);
        await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.NotFound, "");
        Assert.False(await SiteStack.SystemUserExistsAsync(account));
    }
}
