using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Provisioning;

/// <summary>The nightly reconcile: every active or suspended, provisioned subscription of every tenant gets a Reconcile task,
/// run here server by server; each server's checked / drift / error counts are recorded as a <see cref="ServerDriftSummary"/>.</summary>
public sealed class ProvisioningReconciler(IServiceScopeFactory services, ProvisioningEngine engine, TimeProvider clock, Hangfire.IBackgroundJobClient jobs,
    ILogger<ProvisioningReconciler> logger)
{
    public async Task<IReadOnlyList<ServerDriftSummary>> RunNightlyAsync(CancellationToken ct)
    {
        List<(Guid TenantId, Guid SubscriptionId, Guid? ServerId)> targets;
        Dictionary<Guid, string> serverNames;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
            using var _ = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
            targets = (await (from s in db.Subscriptions
                              where (s.Status == SubscriptionStatus.Active || s.Status == SubscriptionStatus.Suspended) && s.ProvisionedAt != null
                              join a in db.HostingAccounts on s.Id equals a.SubscriptionId into accounts
                              from a in accounts.DefaultIfEmpty()
                              select new { s.TenantId, SubscriptionId = s.Id, ServerId = a == null ? null : a.ServerId }).ToListAsync(ct))
                .Select(x => (x.TenantId, x.SubscriptionId, x.ServerId)).ToList();
            serverNames = await db.Servers.ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        }
        var summaries = new List<ServerDriftSummary>();
        foreach (var group in targets.GroupBy(t => t.ServerId))
        {
            var started = clock.GetUtcNow();
            int checkedCount = 0, drift = 0, errors = 0;
            foreach (var (tenantId, subscriptionId, _) in group)
            {
                try
                {
                    drift += await ReconcileOneAsync(tenantId, subscriptionId, ct);
                    checkedCount++;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    errors++;
                    logger.LogWarning(ex, "Reconcile of subscription {SubscriptionId} failed", subscriptionId);
                }
            }
            var name = group.Key is { } sid ? serverNames.GetValueOrDefault(sid, "(removed server)") : "(no server)";
            summaries.Add(new ServerDriftSummary(group.Key, name, checkedCount, drift, errors, started, clock.GetUtcNow()));
        }
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
            db.ServerDriftSummaries.AddRange(summaries);
            await db.SaveChangesAsync(ct);
        }
        return summaries;
    }

    /// <summary>Runs one Reconcile task for a subscription now; returns how much drift it found.</summary>
    public async Task<int> ReconcileOneAsync(Guid tenantId, Guid subscriptionId, CancellationToken ct)
    {
        await using var root = services.CreateAsyncScope();
        root.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "provisioning-reconcile");
        Guid taskId;
        await using (var scope = root.ServiceProvider.GetRequiredService<TenantScopeFactory>().Create())
        {
            var task = await ProvisioningRequests.RequestAsync(scope, jobs, subscriptionId, ProvisioningAction.Reconcile, "nightly", "Nightly reconcile", clock.GetUtcNow(), ct);
            taskId = task.Id;
        }
        var status = await engine.RunAsync(tenantId, taskId, ct);
        await using (var scope = root.ServiceProvider.GetRequiredService<TenantScopeFactory>().Create())
        {
            if (status == ProvisioningTaskStatus.Failed)
                throw new InvalidOperationException(await scope.Db.ProvisioningTasks.Where(t => t.Id == taskId).Select(t => t.Error).FirstAsync(ct) ?? "Reconcile failed");
            return await scope.Db.ProvisioningDrift.CountAsync(d => d.TaskId == taskId, ct);
        }
    }
}
