using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Agent;
using MPanel.Domain.Billing;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Sites;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Sites;

/// <summary>The web site of a hosting subscription: hosting account, server block, PHP pool and default page on create;
/// suspend page and back; quota on plan change; everything gone on terminate. Works in its own unit of work for the
/// tenant named in the context, so it does not depend on the caller's scope.</summary>
public sealed class SiteStep(IServiceScopeFactory scopes, SiteHost host, TimeProvider clock) : IProvisioningStep
{
    public const string StateKey = "site.id";

    public string Kind => "site";
    public int Order => 20;
    public string Title => "Website";

    public bool AppliesTo(ProvisioningStepContext context) => context.Resources.Sites > 0;

    public async Task RunAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = Scope(context);
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        var site = await FindAsync(db, context, ct);
        switch (context.Action)
        {
            case ServiceAction.Provision:
                if (site is null)
                {
                    var www = "www." + context.PrimaryDomain;
                    site = Site.Create(context.AccountName, context.PrimaryDomain, AgentNames.IsDomain(www) ? [www] : [], SiteKind.Php, null,
                        context.Resources.DiskMb, context.SubscriptionId, context.CustomerId, clock.GetUtcNow());
                    db.Sites.Add(site);
                    await db.SaveChangesAsync(ct);
                }
                await host.ApplyAsync(site, ct);
                break;
            case ServiceAction.Suspend when site is not null:
                await host.SuspendAsync(site, ct);
                break;
            case ServiceAction.Unsuspend when site is not null:
                await host.UnsuspendAsync(site, ct);
                break;
            case ServiceAction.ChangePlan when site is not null:
                await host.ChangeQuotaAsync(site, context.Resources.DiskMb, ct);
                break;
            case ServiceAction.Terminate when site is not null:
                await host.DeleteAccountAsync(site, ct);
                break;
            case ServiceAction.Terminate:
                return; // nothing was ever provisioned
            default:
                throw new InvalidOperationException($"Subscription {context.SubscriptionId} has no site to {context.Action.ToString().ToLowerInvariant()}.");
        }
        await db.SaveChangesAsync(ct);
        context.State[StateKey] = site.Id.ToString();
    }

    public async Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = Scope(context);
        var site = await FindAsync(scope.ServiceProvider.GetRequiredService<MPanelDbContext>(), context, ct);
        if (site is null) return [new ProvisioningDrift(Kind, context.PrimaryDomain, "site record", "none in MPanel")];
        return await host.FindDriftAsync(site, ct);
    }

    private AsyncServiceScope Scope(ProvisioningStepContext context)
    {
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(context.TenantId, "provisioning:site");
        return scope;
    }

    private static Task<Site?> FindAsync(MPanelDbContext db, ProvisioningStepContext context, CancellationToken ct) =>
        db.Sites.Where(s => s.SubscriptionId == context.SubscriptionId && s.Status != SiteStatus.Deleted)
            .OrderByDescending(s => s.CreatedAt).FirstOrDefaultAsync(ct);
}
