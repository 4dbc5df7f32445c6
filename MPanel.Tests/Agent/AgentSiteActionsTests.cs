using MPanel.Domain.Agent;

namespace MPanel.Tests.Agent;

public sealed class AgentSiteActionsTests(InProcessAgent agent) : IClassFixture<InProcessAgent>
{
    private static readonly Guid Tenant = Guid.NewGuid();

    [Fact]
    public async Task DeleteSite_RemovesOnlyThatSite_AndIsIdempotent()
    {
        var account = agent.NewAccount();
        var (one, two) = ($"one-{account}.test", $"two-{account}.test");
        var created = await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(Tenant, account, 100));
        Assert.True(created.Created);
        Assert.False((await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(Tenant, account, 200))).Created); // again: same account
        await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(Tenant, account, one, [], SiteKind.Static, null));
        await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(Tenant, account, two, [$"WWW.{two.ToUpperInvariant()}"], SiteKind.Static, null));
        var page = await agent.Client.PutDefaultPageAsync(new SiteRequest(Tenant, account, two));
        Assert.Contains($"<h1>{two}</h1>", await File.ReadAllTextAsync(Path.Combine(page.DocumentRoot, "index.html")));
        // A customer's own index page is never overwritten.
        await File.WriteAllTextAsync(Path.Combine(page.DocumentRoot, "index.html"), "mine");
        await agent.Client.PutDefaultPageAsync(new SiteRequest(Tenant, account, two));
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(page.DocumentRoot, "index.html")));

        var inspection = await agent.Client.GetSiteAsync(new SiteRequest(Tenant, account, two));
        Assert.True(inspection is { Known: true, UserExists: true, ServerBlockExists: true, DocumentRootExists: true, Suspended: false });
        Assert.Equal([two, $"www.{two}"], inspection.ServerNames);
        Assert.True((await agent.Client.DiskUsageAsync(new AccountRequest(Tenant, account))).UsedBytes > 0);

        Assert.NotNull(await agent.Client.DeleteSiteAsync(new SiteRequest(Tenant, account, one)));
        Assert.Null(await agent.Client.DeleteSiteAsync(new SiteRequest(Tenant, account, one)));
        Assert.False(File.Exists(Path.Combine(agent.NginxSites, one + ".conf")));
        Assert.False(Directory.Exists(Path.Combine(agent.SitesRoot, account, one)));
        Assert.True(File.Exists(Path.Combine(agent.NginxSites, two + ".conf")));

        Assert.NotNull(await agent.Client.DeleteAccountAsync(new AccountRequest(Tenant, account)));
        Assert.Null(await agent.Client.DeleteAccountAsync(new AccountRequest(Tenant, account)));
        Assert.Empty(Directory.GetFiles(agent.NginxSites));
        Assert.False(Directory.Exists(Path.Combine(agent.SitesRoot, account)));
        Assert.False(await Features.Sites.SiteStack.SystemUserExistsAsync(account));
    }
}
