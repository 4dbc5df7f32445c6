using System.Net;
using MPanel.Domain.Agent;
using MPanel.Infrastructure.Agent;

namespace MPanel.Tests.Agent;

/// <summary>Server blocks are written atomically and checked with <c>nginx -t</c>; a failed check puts every file back.</summary>
public sealed class AgentConfigRollbackTests(InProcessAgent agent) : IClassFixture<InProcessAgent>
{
    private static readonly Guid Tenant = Guid.NewGuid();

    [Fact]
    public async Task EnsureSite_WhenNginxRejectsTheConfig_RestoresThePreviousFilesAndState()
    {
        var account = agent.NewAccount();
        var domain = $"{account}.test";
        await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(Tenant, account, 100));
        var created = await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(Tenant, account, domain, [$"www.{domain}"], SiteKind.Static, null));
        Assert.Equal([$"www.{domain}"], created.Aliases);
        var block = Path.Combine(agent.NginxSites, domain + ".conf");
        var good = await File.ReadAllTextAsync(block);
        Assert.Contains($"server_name {domain} www.{domain};", good);
        var state = await File.ReadAllTextAsync(agent.StateFile);

        // Something else on the host breaks the nginx configuration: the agent's next change must not go live.
        await File.WriteAllTextAsync(agent.NginxExtra, "this_is_not_a_directive on;\n");
        try
        {
            var change = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.EnsureSiteAsync(
                new EnsureSiteRequest(Tenant, account, domain, [$"www.{domain}", $"shop.{domain}"], SiteKind.Static, null)));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, change.Status);
            Assert.Equal("config_rejected", change.Code);
            Assert.Contains("this_is_not_a_directive", change.AgentMessage);
            Assert.Equal(good, await File.ReadAllTextAsync(block));
            Assert.Equal(state, await File.ReadAllTextAsync(agent.StateFile));

            var second = $"{account}b.test";
            var add = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.EnsureSiteAsync(new EnsureSiteRequest(Tenant, account, second, [], SiteKind.Static, null)));
            Assert.Equal("config_rejected", add.Code);
            Assert.False(File.Exists(Path.Combine(agent.NginxSites, second + ".conf")));
            Assert.False(Directory.Exists(Path.Combine(agent.SitesRoot, account, second)));

            var suspend = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.SuspendSiteAsync(new SiteRequest(Tenant, account, domain)));
            Assert.Equal("config_rejected", suspend.Code);
            Assert.Equal(good, await File.ReadAllTextAsync(block));
            Assert.False((await agent.Client.GetSiteAsync(new SiteRequest(Tenant, account, domain))).Suspended);
        }
        finally
        {
            await File.WriteAllTextAsync(agent.NginxExtra, "# fine\n");
        }

        // Once the host is fixed the same change goes through.
        var changed = await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(Tenant, account, domain, [$"www.{domain}", $"shop.{domain}"], SiteKind.Static, null));
        Assert.Equal(2, changed.Aliases.Count);
        Assert.Contains($"shop.{domain}", await File.ReadAllTextAsync(block));
        // No temporary files are left next to the configs.
        Assert.DoesNotContain(Directory.GetFiles(agent.NginxSites), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }
}
