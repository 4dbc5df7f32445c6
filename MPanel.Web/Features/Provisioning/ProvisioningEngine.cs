using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Servers;
using Npgsql;

namespace MPanel.Web.Features.Provisioning;

public sealed class ProvisioningOptions
{
    public const string Section = "Provisioning";
    /// <summary>Attempts of one step inside one job run before the task stops in Failed.</summary>
    public int StepAttempts { get; set; } = 3;
    /// <summary>Waits between attempts in milliseconds, comma-separated (the last one repeats): 1 s, 4 s, 10 s.</summary>
    public string RetryDelaysMs { get; set; } = "1000,4000,10000";
    /// <summary>The domain a subscription without one gets: <c>{account}.{suffix}</c>.</summary>
    public string DefaultDomainSuffix { get; set; } = "hosting.mpanel.test";
    /// <summary>Cron of the nightly reconcile (<c>provisioning:reconcile</c>).</summary>
    public string ReconcileCron { get; set; } = "30 3 * * *";

    public TimeSpan DelayBefore(int nextAttempt)
    {
        var delays = RetryDelaysMs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, out var ms) ? Math.Max(0, ms) : 0).ToArray();
        return delays.Length == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(delays[Math.Clamp(nextAttempt - 2, 0, delays.Length - 1)]);
    }
}

/// <summary>Live event kinds the engine publishes (besides the row events the audit interceptor sends).
/// <see cref="LiveEvent.EntityId"/> is the subscription id; the action names the transition, e.g. <c>step:dns.zone:Running</c>.</summary>
public static class ProvisioningEvents
{
    public const string Kind = "Provisioning";
}

/// <summary>Runs provisioning tasks: plans them from the registered <see cref="IProvisioningStep"/>s, runs each unfinished
/// step with retries and backoff, records every transition in the task's rows and on the event bus, and keeps the steps'
/// state (encrypted) between runs. Reentrant: a run after a crash continues from the first unfinished step; runs for
/// one subscription are serialised by a PostgreSQL advisory lock.</summary>
public sealed class ProvisioningEngine(IServiceScopeFactory services, TimeProvider clock, IOptions<ProvisioningOptions> options,
    IDataProtectionProvider protection, ILiveEventBus bus, NpgsqlDataSource dataSource, ILogger<ProvisioningEngine> logger)
{
    public const string Job = "provisioning";
    private IDataProtector StateProtector => protection.CreateProtector("MPanel.Provisioning.State.v1");

    /// <summary>Runs the task to its end (Succeeded or Failed). Safe to call again at any time.</summary>
    public async Task<ProvisioningTaskStatus> RunAsync(Guid tenantId, Guid taskId, CancellationToken ct)
    {
        await using var root = services.CreateAsyncScope();
        root.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, Job);
        var scopes = root.ServiceProvider.GetRequiredService<TenantScopeFactory>();
        Guid subscriptionId;
        await using (var peek = scopes.Create())
        {
            subscriptionId = await peek.Db.ProvisioningTasks.Where(t => t.Id == taskId).Select(t => t.SubscriptionId).FirstOrDefaultAsync(ct);
            if (subscriptionId == Guid.Empty) throw new NotFoundError("Provisioning task", taskId).ToException();
        }
        await using var gate = await LockAsync(subscriptionId, ct);
        await using var scope = scopes.Create();
        var db = scope.Db;
        var task = await db.ProvisioningTasks.Include(t => t.Steps).FirstAsync(t => t.Id == taskId, ct);
        if (task.Status is ProvisioningTaskStatus.Succeeded or ProvisioningTaskStatus.RolledBack or ProvisioningTaskStatus.Failed) return task.Status;

        var subscription = await db.Subscriptions.FirstAsync(s => s.Id == task.SubscriptionId, ct);
        var (account, context) = await ContextAsync(scope, subscription, task.Action, ct);
        var registered = root.ServiceProvider.GetServices<IProvisioningStep>().ToList();
        if (task.PlanOnce(Plan(registered, context, task.Action).Select(s => (s.Kind, s.Title, s.Order))))
        {
            if (task.Action == ProvisioningAction.Reconcile)
                await db.ProvisioningDrift.Where(d => d.SubscriptionId == subscription.Id && d.ResolvedAt == null)
                    .ExecuteUpdateAsync(u => u.SetProperty(d => d.ResolvedAt, clock.GetUtcNow()), ct);
        }
        task.Start(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await PublishAsync(task, "task:Running");

        var o = options.Value;
        foreach (var row in task.Steps.OrderBy(s => s.Position).Where(s => !s.IsDone))
        {
            var step = registered.FirstOrDefault(s => s.Kind == row.Kind);
            if (step is null)
            {
                row.Fail($"No step of kind '{row.Kind}' is registered.", clock.GetUtcNow());
                return await FailAsync(db, task, row, ct);
            }
            for (var attempt = 1; ; attempt++)
            {
                row.Begin(clock.GetUtcNow());
                await db.SaveChangesAsync(ct);
                await PublishAsync(task, $"step:{row.Kind}:Running");
                try
                {
                    if (task.Action == ProvisioningAction.Reconcile)
                    {
                        var drift = await step.FindDriftAsync(context, ct);
                        foreach (var d in drift) db.ProvisioningDrift.Add(new ProvisioningDriftRecord(task.TenantId, subscription.Id, task.Id, d, clock.GetUtcNow()));
                    }
                    else
                    {
                        await step.RunAsync(context, ct);
                    }
                    row.Succeed(clock.GetUtcNow());
                    account.StoreState(StateProtector.Protect(JsonSerializer.Serialize(context.State)));
                    await db.SaveChangesAsync(ct);
                    await PublishAsync(task, $"step:{row.Kind}:Succeeded");
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Provisioning step {Kind} of task {TaskId} failed (attempt {Attempt})", row.Kind, task.Id, attempt);
                    var message = Describe(ex);
                    if (attempt >= Math.Max(1, o.StepAttempts) || ex is PermanentProvisioningException)
                    {
                        row.Fail(message, clock.GetUtcNow());
                        return await FailAsync(db, task, row, ct);
                    }
                    row.AttemptFailed(message);
                    await db.SaveChangesAsync(ct);
                    await PublishAsync(task, $"step:{row.Kind}:Retrying");
                    await Task.Delay(o.DelayBefore(attempt + 1), ct);
                }
            }
        }
        task.Succeed(clock.GetUtcNow());
        await OnTaskSucceededAsync(scope, task, subscription, ct);
        await db.SaveChangesAsync(ct);
        await PublishAsync(task, "task:Succeeded");
        return task.Status;
    }

    /// <summary>Undoes a failed task: the steps that succeeded run their terminate action, last first.</summary>
    public async Task<ProvisioningTaskStatus> RollbackAsync(Guid tenantId, Guid taskId, CancellationToken ct)
    {
        await using var root = services.CreateAsyncScope();
        root.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, Job);
        var scopes = root.ServiceProvider.GetRequiredService<TenantScopeFactory>();
        Guid subscriptionId;
        await using (var peek = scopes.Create())
        {
            subscriptionId = await peek.Db.ProvisioningTasks.Where(t => t.Id == taskId).Select(t => t.SubscriptionId).FirstOrDefaultAsync(ct);
            if (subscriptionId == Guid.Empty) throw new NotFoundError("Provisioning task", taskId).ToException();
        }
        await using var gate = await LockAsync(subscriptionId, ct);
        await using var scope = scopes.Create();
        var db = scope.Db;
        var task = await db.ProvisioningTasks.Include(t => t.Steps).FirstAsync(t => t.Id == taskId, ct);
        if (task.Status != ProvisioningTaskStatus.Failed) return task.Status;
        var subscription = await db.Subscriptions.FirstAsync(s => s.Id == task.SubscriptionId, ct);
        var (account, context) = await ContextAsync(scope, subscription, ProvisioningAction.Terminate, ct);
        var registered = root.ServiceProvider.GetServices<IProvisioningStep>().ToList();
        foreach (var row in task.Steps.Where(s => s.Status is ProvisioningStepStatus.Succeeded or ProvisioningStepStatus.Failed).OrderByDescending(s => s.Position))
        {
            var step = registered.FirstOrDefault(s => s.Kind == row.Kind);
            try
            {
                if (step is not null) await step.RunAsync(context, ct);
                row.MarkRolledBack(clock.GetUtcNow());
                account.StoreState(StateProtector.Protect(JsonSerializer.Serialize(context.State)));
                await db.SaveChangesAsync(ct);
                await PublishAsync(task, $"step:{row.Kind}:RolledBack");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Rolling back step {Kind} of task {TaskId} failed", row.Kind, task.Id);
                row.AttemptFailed("Rollback: " + ex.Message);
                task.RolledBack(clock.GetUtcNow(), $"Rollback of {row.Title} failed: {ex.Message}");
                await db.SaveChangesAsync(ct);
                await PublishAsync(task, "task:Failed");
                return task.Status;
            }
        }
        task.RolledBack(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await PublishAsync(task, "task:RolledBack");
        return task.Status;
    }

    /// <summary>The one place where a finished task changes the rest of MPanel: a provision marks the subscription
    /// provisioned (and resolves old drift). The webhooks helper adds its <c>service.provisioned</c> outbox event here,
    /// in the same SaveChanges.</summary>
    private Task OnTaskSucceededAsync(TenantScope scope, ProvisioningTask task, Subscription subscription, CancellationToken ct)
    {
        if (task.Action == ProvisioningAction.Provision)
        {
            subscription.MarkProvisioned(clock.GetUtcNow());
            return scope.Db.ProvisioningDrift.Where(d => d.SubscriptionId == subscription.Id && d.ResolvedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.ResolvedAt, clock.GetUtcNow()), ct);
        }
        return Task.CompletedTask;
    }

    /// <summary>What staff read on a failed step: a validation error names its fields ("name: …"), not only "invalid".</summary>
    internal static string Describe(Exception ex) => ex switch
    {
        DomainException { Error: ValidationError v } when v.Fields.Count > 0 =>
            $"{v.Message} " + string.Join(" ", v.Fields.Select(f => $"{f.Key}: {string.Join(" ", f.Value)}")),
        DomainException de => de.Error.Message,
        _ => ex.Message,
    };

    private async Task<ProvisioningTaskStatus> FailAsync(MPanelDbContext db, ProvisioningTask task, ProvisioningStep row, CancellationToken ct)
    {
        task.Fail($"{row.Title}: {row.LastError}", clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await PublishAsync(task, $"step:{row.Kind}:Failed");
        await PublishAsync(task, "task:Failed");
        return task.Status;
    }

    /// <summary>The steps that apply, by <see cref="IProvisioningStep.Order"/> (reversed for terminate).</summary>
    public static IReadOnlyList<IProvisioningStep> Plan(IEnumerable<IProvisioningStep> registered, ProvisioningStepContext context, ProvisioningAction action)
    {
        var applicable = registered.Where(s => s.AppliesTo(context));
        return (action == ProvisioningAction.Terminate ? applicable.OrderByDescending(s => s.Order) : applicable.OrderBy(s => s.Order)).ThenBy(s => s.Kind, StringComparer.Ordinal).ToList();
    }

    public static ServiceAction ToServiceAction(ProvisioningAction action) => action switch
    {
        ProvisioningAction.Provision or ProvisioningAction.Reconcile => ServiceAction.Provision,
        ProvisioningAction.Suspend => ServiceAction.Suspend,
        ProvisioningAction.Unsuspend => ServiceAction.Unsuspend,
        ProvisioningAction.Terminate => ServiceAction.Terminate,
        ProvisioningAction.ChangePlan => ServiceAction.ChangePlan,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    public static ProvisioningAction FromServiceAction(ServiceAction action) => action switch
    {
        ServiceAction.Provision => ProvisioningAction.Provision,
        ServiceAction.Suspend => ProvisioningAction.Suspend,
        ServiceAction.Unsuspend => ProvisioningAction.Unsuspend,
        ServiceAction.Terminate => ProvisioningAction.Terminate,
        ServiceAction.ChangePlan => ProvisioningAction.ChangePlan,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>The step context of a subscription: its hosting account (created and placed on a server the first time),
    /// product resources, domain and the steps' saved state.</summary>
    internal async Task<(HostingAccount Account, ProvisioningStepContext Context)> ContextAsync(TenantScope scope, Subscription subscription, ProvisioningAction action, CancellationToken ct)
    {
        var db = scope.Db;
        var resources = await db.Products.Where(p => p.Id == subscription.ProductId).Select(p => p.Resources).FirstOrDefaultAsync(ct) ?? new ProductResources();
        var account = await db.HostingAccounts.FirstOrDefaultAsync(a => a.SubscriptionId == subscription.Id, ct);
        if (account is null)
        {
            var server = await scope.Get<ServerPlacement>().ChooseAsync(scope, ServerPlacement.RoleFor(resources), ct);
            account = new HostingAccount(subscription.TenantId, subscription.Id, server?.Id, clock.GetUtcNow());
            db.HostingAccounts.Add(account);
            await db.SaveChangesAsync(ct);
        }
        var state = account.ProtectedState is { } p
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(StateProtector.Unprotect(p)) ?? []
            : new Dictionary<string, string>();
        var domain = subscription.PrimaryDomain ?? $"{subscription.AccountName}.{options.Value.DefaultDomainSuffix}";
        var context = new ProvisioningStepContext(subscription.TenantId, subscription.Id, subscription.CustomerId, ToServiceAction(action),
            subscription.AccountName, domain, resources, state);
        return (account, context);
    }

    private async Task PublishAsync(ProvisioningTask task, string action)
    {
        try
        {
            await bus.PublishAsync(new LiveEvent(task.TenantId, ProvisioningEvents.Kind, task.SubscriptionId.ToString(), action));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not publish provisioning event {Action}", action);
        }
    }

    /// <summary>A session-level advisory lock on the subscription, held by its own connection and released explicitly
    /// (a pooled connection would otherwise keep it); if the process dies, PostgreSQL releases it with the session.</summary>
    private async Task<AdvisoryLock> LockAsync(Guid subscriptionId, CancellationToken ct)
    {
        var key = BitConverter.ToInt64(subscriptionId.ToByteArray(), 8) ^ 0x5052_4F56;
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_lock($1)", conn) { CommandTimeout = 0 };
            cmd.Parameters.Add(new() { Value = key });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
        return new AdvisoryLock(conn, key);
    }

    private sealed class AdvisoryLock(NpgsqlConnection conn, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", conn);
                cmd.Parameters.Add(new() { Value = key });
                await cmd.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                NpgsqlConnection.ClearPool(conn); // a broken session: its lock ends with it
            }
            await conn.DisposeAsync();
        }
    }
}

/// <summary>The Hangfire entry points (queue <c>provisioning</c>): ids in, reentrant.</summary>
public sealed class ProvisioningJob(ProvisioningEngine engine, ProvisioningReconciler reconciler)
{
    public const string ReconcileRecurringId = "provisioning:reconcile";

    [Queue("provisioning")]
    [AutomaticRetry(Attempts = 5)]
    public Task RunAsync(Guid tenantId, Guid taskId, CancellationToken ct) => engine.RunAsync(tenantId, taskId, ct);

    [Queue("provisioning")]
    [AutomaticRetry(Attempts = 3)]
    public Task RollbackAsync(Guid tenantId, Guid taskId, CancellationToken ct) => engine.RollbackAsync(tenantId, taskId, ct);

    [Queue("provisioning")]
    [AutomaticRetry(Attempts = 1)]
    [DisableConcurrentExecution(3600)]
    public Task ReconcileAllAsync(CancellationToken ct) => reconciler.RunNightlyAsync(ct);

    public static void Enqueue(IBackgroundJobClient jobs, Guid tenantId, Guid taskId) =>
        jobs.Enqueue<ProvisioningJob>(j => j.RunAsync(tenantId, taskId, CancellationToken.None));

    public static void Register(IRecurringJobManager jobs, string cron) =>
        jobs.AddOrUpdate<ProvisioningJob>(ReconcileRecurringId, "provisioning", j => j.ReconcileAllAsync(CancellationToken.None), cron);
}
