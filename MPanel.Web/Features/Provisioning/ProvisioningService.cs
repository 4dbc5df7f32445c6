using Hangfire;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Provisioning;

public sealed record ProvisioningStepView(Guid Id, string Kind, string Title, int Order, int Position, ProvisioningStepStatus Status, int Attempts,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, long? DurationMs, string? LastError);

public sealed record ProvisioningTaskView(Guid Id, Guid SubscriptionId, ProvisioningAction Action, ProvisioningTaskStatus Status, int Attempts,
    string RequestedBy, string Reason, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<ProvisioningStepView> Steps);

public sealed record ProvisioningTaskRow(Guid Id, Guid SubscriptionId, string ProductName, string? Domain, string AccountName, ProvisioningAction Action,
    ProvisioningTaskStatus Status, int Attempts, int StepsDone, int StepCount, string? CurrentStep, string RequestedBy, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

public sealed record ProvisioningDriftView(Guid Id, string Kind, string Resource, string Expected, string Actual, DateTimeOffset FoundAt);

public sealed record HostingInfo(string AccountName, string? Domain, string? ServerName, DateTimeOffset? ProvisionedAt);

public sealed record ProvisioningTaskQuery(ProvisioningTaskStatus? Status = null, Guid? SubscriptionId = null);

/// <summary>Creating tasks idempotently (one open task per subscription and action) and handing them to Hangfire.
/// Shared by the billing port and the staff screens.</summary>
public static class ProvisioningRequests
{
    public static async Task<ProvisioningTask> RequestAsync(TenantScope scope, IBackgroundJobClient jobs, Guid subscriptionId, ProvisioningAction action,
        string requestedBy, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var db = scope.Db;
        var existing = await OpenAsync(scope, subscriptionId, action, ct);
        if (existing is { Status: ProvisioningTaskStatus.Failed, Action: ProvisioningAction.Reconcile })
        {
            // A reconcile is a read: asking again simply runs it again.
            existing.Retry();
            await db.SaveChangesAsync(ct);
            ProvisioningJob.Enqueue(jobs, existing.TenantId, existing.Id);
        }
        if (existing is not null) return existing;
        var tenantId = await db.Subscriptions.Where(s => s.Id == subscriptionId).Select(s => (Guid?)s.TenantId).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundError("Subscription", subscriptionId).ToException();
        var task = ProvisioningTask.Request(tenantId, subscriptionId, action, requestedBy, reason, now);
        db.ProvisioningTasks.Add(task);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: "23505" })
        {
            // A concurrent request won: return its task.
            db.Entry(task).State = EntityState.Detached;
            return await OpenAsync(scope, subscriptionId, action, ct) ?? throw new ConflictError("provisioning_race", "The task changed while it was being requested; try again.").ToException();
        }
        ProvisioningJob.Enqueue(jobs, tenantId, task.Id);
        return task;
    }

    private static Task<ProvisioningTask?> OpenAsync(TenantScope scope, Guid subscriptionId, ProvisioningAction action, CancellationToken ct) =>
        scope.Db.ProvisioningTasks.Include(t => t.Steps).FirstOrDefaultAsync(t => t.SubscriptionId == subscriptionId && t.Action == action
            && (t.Status == ProvisioningTaskStatus.Queued || t.Status == ProvisioningTaskStatus.Running || t.Status == ProvisioningTaskStatus.Failed), ct);
}

/// <summary>Billing's door to the engine: every subscription state change billing decides becomes a persisted task
/// run on the <c>provisioning</c> queue.</summary>
public sealed class EngineProvisioningPort(IServiceScopeFactory services, TimeProvider clock, IBackgroundJobClient jobs) : IProvisioningPort
{
    public async Task RequestAsync(Guid tenantId, Guid subscriptionId, ServiceAction action, string reason, CancellationToken ct = default)
    {
        await using var root = services.CreateAsyncScope();
        root.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "provisioning-request");
        await using var scope = root.ServiceProvider.GetRequiredService<TenantScopeFactory>().Create();
        await ProvisioningRequests.RequestAsync(scope, jobs, subscriptionId, ProvisioningEngine.FromServiceAction(action), "billing", reason, clock.GetUtcNow(), ct);
    }
}

/// <summary>The staff side of provisioning: the queue, a subscription's tasks and drift, retry, roll back, reconcile, repair.</summary>
public sealed class ProvisioningService(TenantScopeFactory scopes, TimeProvider clock, IBackgroundJobClient jobs, ProvisioningEngine engine)
{
    public async Task<Paged<ProvisioningTaskRow>> ListAsync(ProvisioningTaskQuery query, PageQuery page, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var db = scope.Db;
        var tasks = db.ProvisioningTasks.AsNoTracking();
        if (query.Status is { } status) tasks = tasks.Where(t => t.Status == status);
        if (query.SubscriptionId is { } sid) tasks = tasks.Where(t => t.SubscriptionId == sid);
        var total = await tasks.CountAsync(ct);
        var rows = await (from t in tasks
                          join s in db.Subscriptions on t.SubscriptionId equals s.Id
                          orderby t.CreatedAt descending
                          select new ProvisioningTaskRow(t.Id, t.SubscriptionId, s.ProductName, s.PrimaryDomain, s.AccountName, t.Action, t.Status, t.Attempts,
                              t.Steps.Count(x => x.Status == ProvisioningStepStatus.Succeeded || x.Status == ProvisioningStepStatus.Skipped || x.Status == ProvisioningStepStatus.RolledBack),
                              t.Steps.Count(),
                              t.Steps.Where(x => x.Status == ProvisioningStepStatus.Running || x.Status == ProvisioningStepStatus.Failed).Select(x => x.Title).FirstOrDefault(),
                              t.RequestedBy, t.Error, t.CreatedAt, t.FinishedAt))
            .Page(page).ToListAsync(ct);
        return new Paged<ProvisioningTaskRow>(rows, total);
    }

    public async Task<IReadOnlyList<ProvisioningTaskView>> ForSubscriptionAsync(Guid subscriptionId, int take = 10, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var tasks = await scope.Db.ProvisioningTasks.AsNoTracking().Include(t => t.Steps).Where(t => t.SubscriptionId == subscriptionId)
            .OrderByDescending(t => t.CreatedAt).Take(take).ToListAsync(ct);
        return tasks.Select(ToView).ToList();
    }

    public async Task<HostingInfo?> HostingAsync(Guid subscriptionId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var db = scope.Db;
        return await (from s in db.Subscriptions
                      where s.Id == subscriptionId
                      join a in db.HostingAccounts on s.Id equals a.SubscriptionId into accounts
                      from a in accounts.DefaultIfEmpty()
                      join v in db.Servers on a.ServerId equals v.Id into servers
                      from v in servers.DefaultIfEmpty()
                      select new HostingInfo(s.AccountName, s.PrimaryDomain, v == null ? null : v.Name, s.ProvisionedAt)).FirstOrDefaultAsync(ct);
    }

    public async Task<ProvisioningTaskView> GetAsync(Guid taskId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var task = await scope.Db.ProvisioningTasks.AsNoTracking().Include(t => t.Steps).FirstOrDefaultAsync(t => t.Id == taskId, ct)
            ?? throw new NotFoundError("Provisioning task", taskId).ToException();
        return ToView(task);
    }

    public async Task<IReadOnlyList<ProvisioningDriftView>> DriftAsync(Guid subscriptionId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return await scope.Db.ProvisioningDrift.AsNoTracking().Where(d => d.SubscriptionId == subscriptionId && d.ResolvedAt == null)
            .OrderBy(d => d.Kind).ThenBy(d => d.Resource)
            .Select(d => new ProvisioningDriftView(d.Id, d.Kind, d.Resource, d.Expected, d.Actual, d.FoundAt)).ToListAsync(ct);
    }

    /// <summary>Staff ask for a plan by hand (provision again, reconcile, …); an open task for the same action is returned.</summary>
    public async Task<ProvisioningTaskView> RequestAsync(Guid subscriptionId, ProvisioningAction action, string reason, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var task = await ProvisioningRequests.RequestAsync(scope, jobs, subscriptionId, action, Actor(scope), reason, clock.GetUtcNow(), ct);
        return ToView(task);
    }

    /// <summary>Reconcile found drift: run the provision plan again (its steps are idempotent, so only what is missing is made).</summary>
    public Task<ProvisioningTaskView> RepairAsync(Guid subscriptionId, CancellationToken ct = default) =>
        RequestAsync(subscriptionId, ProvisioningAction.Provision, "Repair drift found by reconcile", ct);

    /// <summary>Runs the failed step again, then the rest; steps that succeeded are not repeated.</summary>
    public async Task<ProvisioningTaskView> RetryAsync(Guid taskId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var task = await scope.Db.ProvisioningTasks.Include(t => t.Steps).FirstOrDefaultAsync(t => t.Id == taskId, ct)
            ?? throw new NotFoundError("Provisioning task", taskId).ToException();
        task.Retry();
        await scope.Db.SaveChangesAsync(ct);
        ProvisioningJob.Enqueue(jobs, task.TenantId, task.Id);
        return ToView(task);
    }

    public async Task<ProvisioningTaskView> RollbackAsync(Guid taskId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var task = await scope.Db.ProvisioningTasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId, ct)
            ?? throw new NotFoundError("Provisioning task", taskId).ToException();
        if (task.Status != ProvisioningTaskStatus.Failed)
            throw new ConflictError("provisioning_not_failed", "Only a failed task can be rolled back.").ToException();
        if (task.Action is ProvisioningAction.Terminate or ProvisioningAction.Reconcile)
            throw new ConflictError("provisioning_no_rollback", "A terminate or reconcile task cannot be rolled back; retry it instead.").ToException();
        var (tid, id) = (task.TenantId, task.Id);
        jobs.Enqueue<ProvisioningJob>(j => j.RollbackAsync(tid, id, CancellationToken.None));
        return ToView(task);
    }

    /// <summary>For tests and tools: runs every queued or running task of a subscription now, in this process, to its end.</summary>
    public async Task<IReadOnlyList<ProvisioningTaskStatus>> RunPendingAsync(Guid subscriptionId, CancellationToken ct = default)
    {
        List<(Guid TenantId, Guid Id)> pending;
        await using (var scope = scopes.Create())
        {
            pending = (await scope.Db.ProvisioningTasks.AsNoTracking()
                .Where(t => t.SubscriptionId == subscriptionId && (t.Status == ProvisioningTaskStatus.Queued || t.Status == ProvisioningTaskStatus.Running))
                .OrderBy(t => t.CreatedAt).Select(t => new { t.TenantId, t.Id }).ToListAsync(ct)).Select(t => (t.TenantId, t.Id)).ToList();
        }
        var results = new List<ProvisioningTaskStatus>();
        foreach (var (tenantId, id) in pending) results.Add(await engine.RunAsync(tenantId, id, ct));
        return results;
    }

    private static string Actor(TenantScope scope) => scope.Tenant.Actor.UserName ?? "staff";

    internal static ProvisioningTaskView ToView(ProvisioningTask t) => new(t.Id, t.SubscriptionId, t.Action, t.Status, t.Attempts, t.RequestedBy, t.Reason,
        t.Error, t.CreatedAt, t.StartedAt, t.FinishedAt,
        t.Steps.OrderBy(s => s.Position).Select(s => new ProvisioningStepView(s.Id, s.Kind, s.Title, s.Order, s.Position, s.Status, s.Attempts,
            s.StartedAt, s.FinishedAt, s.DurationMs, s.LastError)).ToList());
}
