using System.Net;
using MPanel.Domain.Agent;
using MPanel.Domain.Common;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Sites;
using MPanel.Infrastructure.Agent;

namespace MPanel.Web.Features.Sites;

/// <summary>Carries a <see cref="Site"/>'s wanted state to its web server through the agent. Shared by the provisioning step
/// and the staff screens; the caller loads and saves the entity.</summary>
public sealed class SiteHost(IWebServerAgents agents, TimeProvider clock)
{
    /// <summary>ensure-account, ensure-site, default page, and the suspension as the entity says.</summary>
    public async Task ApplyAsync(Site site, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(site.ServerId, ct);
        await Call(() => agent.EnsureAccountAsync(new EnsureAccountRequest(site.TenantId, site.AccountName, site.QuotaMb), ct));
        var result = await Call(() => agent.EnsureSiteAsync(new EnsureSiteRequest(site.TenantId, site.AccountName, site.PrimaryDomain, site.Aliases, site.Kind, site.PhpVersion), ct));
        await Call(() => agent.PutDefaultPageAsync(Name(site), ct));
        if (site.Status == SiteStatus.Suspended && !result.Suspended) result = await Call(() => agent.SuspendSiteAsync(Name(site), ct));
        if (site.Status != SiteStatus.Suspended && result.Suspended) result = await Call(() => agent.UnsuspendSiteAsync(Name(site), ct));
        site.MarkProvisioned(result.DocumentRoot, result.PhpVersion, clock.GetUtcNow());
        var usage = await Call(() => agent.DiskUsageAsync(new AccountRequest(site.TenantId, site.AccountName), ct));
        site.RecordDiskUsage(usage.UsedBytes, clock.GetUtcNow());
    }

    public async Task SuspendAsync(Site site, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(site.ServerId, ct);
        await Call(() => agent.SuspendSiteAsync(Name(site), ct));
        site.Suspend(clock.GetUtcNow());
    }

    public async Task UnsuspendAsync(Site site, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(site.ServerId, ct);
        await Call(() => agent.UnsuspendSiteAsync(Name(site), ct));
        site.Unsuspend(clock.GetUtcNow());
    }

    /// <summary>Removes the whole hosting account (sites, pools, user, files) from its server.</summary>
    public async Task DeleteAccountAsync(Site site, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(site.ServerId, ct);
        await Call(() => agent.DeleteAccountAsync(new AccountRequest(site.TenantId, site.AccountName), ct));
        site.MarkDeleted(clock.GetUtcNow());
    }

    public async Task ChangeQuotaAsync(Site site, int quotaMb, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(site.ServerId, ct);
        await Call(() => agent.EnsureAccountAsync(new EnsureAccountRequest(site.TenantId, site.AccountName, quotaMb), ct));
        site.ChangeQuota(quotaMb, clock.GetUtcNow());
    }

    public async Task RefreshDiskUsageAsync(Site site, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(site.ServerId, ct);
        var usage = await Call(() => agent.DiskUsageAsync(new AccountRequest(site.TenantId, site.AccountName), ct));
        site.RecordDiskUsage(usage.UsedBytes, clock.GetUtcNow());
    }

    public async Task<IReadOnlyList<string>> PhpVersionsAsync(Guid? serverId, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(serverId, ct);
        return (await Call(() => agent.MetricsAsync(ct))).PhpVersions;
    }

    /// <summary>What differs between the entity and the server: missing user, server block or pool, other names, suspension.</summary>
    public async Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(Site site, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(site.ServerId, ct);
        var found = await Call(() => agent.GetSiteAsync(Name(site), ct));
        var drift = new List<ProvisioningDrift>();
        const string kind = "site";
        var resource = site.PrimaryDomain;
        if (!found.UserExists) drift.Add(new(kind, $"{resource}: system user {site.AccountName}", "present", "missing"));
        if (!found.ServerBlockExists) drift.Add(new(kind, $"{resource}: nginx server block", "present", "missing"));
        else
        {
            var expected = site.Aliases.Prepend(site.PrimaryDomain).Order(StringComparer.Ordinal).ToList();
            var actual = found.ServerNames.Order(StringComparer.Ordinal).ToList();
            if (!expected.SequenceEqual(actual)) drift.Add(new(kind, $"{resource}: server names", string.Join(' ', expected), string.Join(' ', actual)));
            var suspended = site.Status == SiteStatus.Suspended;
            if (found.Suspended != suspended) drift.Add(new(kind, $"{resource}: suspension", suspended ? "suspended" : "serving", found.Suspended ? "suspended" : "serving"));
        }
        if (site.Kind == SiteKind.Php && !found.PoolExists) drift.Add(new(kind, $"{resource}: PHP-FPM pool", "present", "missing"));
        if (!found.DocumentRootExists) drift.Add(new(kind, $"{resource}: document root", "present", "missing"));
        return drift;
    }

    private static SiteRequest Name(Site site) => new(site.TenantId, site.AccountName, site.PrimaryDomain);

    /// <summary>Refusals the user can act on become typed errors; the rest (host down, config rejected) stay exceptions,
    /// which the provisioning engine retries.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AgentCallException ex) when (ex.Status == HttpStatusCode.BadRequest)
        {
            throw ValidationError.For(ex.Field is { } f ? (f.StartsWith("aliases", StringComparison.Ordinal) ? "aliases" : f) : "site", ex.AgentMessage).ToException();
        }
        catch (AgentCallException ex) when (ex.Status == HttpStatusCode.Forbidden)
        {
            throw new ForbiddenError("The web server says this hosting account belongs to another tenant.").ToException();
        }
        catch (AgentCallException ex) when (ex.Status == HttpStatusCode.Conflict)
        {
            throw new ConflictError("site_conflict", ex.AgentMessage).ToException();
        }
    }
}
