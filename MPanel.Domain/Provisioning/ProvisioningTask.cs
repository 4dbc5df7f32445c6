using MPanel.Domain.Billing;
using MPanel.Domain.Common;

namespace MPanel.Domain.Provisioning;

/// <summary>What a task does to a subscription's resources. The first five mirror <see cref="ServiceAction"/>.</summary>
public enum ProvisioningAction { Provision, Suspend, Unsuspend, Terminate, ChangePlan, Reconcile }

public enum ProvisioningTaskStatus { Queued, Running, Succeeded, Failed, RolledBack }

public enum ProvisioningStepStatus { Pending, Running, Succeeded, Failed, Skipped, RolledBack }

/// <summary>One run of a plan for one subscription: its steps are persisted rows, so a job that crashed half way
/// continues from the first unfinished step. Open (Queued, Running or Failed) tasks are unique per subscription and
/// action: asking again returns the open one.</summary>
public sealed class ProvisioningTask : Entity, ITenantOwned, IOperationalRecord
{
    private readonly List<ProvisioningStep> _steps = [];

    private ProvisioningTask() { }

    public static ProvisioningTask Request(Guid tenantId, Guid subscriptionId, ProvisioningAction action, string requestedBy, string reason, DateTimeOffset now) => new()
    {
        TenantId = tenantId,
        SubscriptionId = subscriptionId,
        Action = action,
        Status = ProvisioningTaskStatus.Queued,
        RequestedBy = Cut(requestedBy, 256),
        Reason = Cut(Text.Clean(reason) ?? action.ToString(), 500),
        CreatedAt = now,
    };

    public Guid TenantId { get; private set; }
    public Guid SubscriptionId { get; private set; }
    public ProvisioningAction Action { get; private set; }
    public ProvisioningTaskStatus Status { get; private set; }
    /// <summary>How many times the job has picked the task up (first run, crash recovery, staff retries).</summary>
    public int Attempts { get; private set; }
    public string RequestedBy { get; private set; } = "";
    public string Reason { get; private set; } = "";
    public string? Error { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public IReadOnlyList<ProvisioningStep> Steps => _steps;

    public bool IsOpen => Status is ProvisioningTaskStatus.Queued or ProvisioningTaskStatus.Running or ProvisioningTaskStatus.Failed;
    public TimeSpan? Duration => StartedAt is { } s && FinishedAt is { } f ? f - s : null;

    /// <summary>Fixes the plan the first time the task runs; later runs keep it (steps already done stay done).</summary>
    public bool PlanOnce(IEnumerable<(string Kind, string Title, int Order)> plan)
    {
        if (_steps.Count > 0) return false;
        var position = 0;
        foreach (var (kind, title, order) in plan)
            _steps.Add(new ProvisioningStep(this, kind, title, order, position++));
        return true;
    }

    public void Start(DateTimeOffset now)
    {
        if (Status is ProvisioningTaskStatus.Succeeded or ProvisioningTaskStatus.RolledBack)
            throw new ConflictError("provisioning_task_finished", "This task has finished.").ToException();
        Attempts++;
        Status = ProvisioningTaskStatus.Running;
        StartedAt ??= now;
        FinishedAt = null;
        Error = null;
    }

    public void Succeed(DateTimeOffset now)
    {
        Status = ProvisioningTaskStatus.Succeeded;
        FinishedAt = now;
        Error = null;
    }

    public void Fail(string error, DateTimeOffset now)
    {
        Status = ProvisioningTaskStatus.Failed;
        FinishedAt = now;
        Error = Cut(error, 2000);
    }

    /// <summary>Staff ask for another go: the failed step and the ones after it run again, earlier ones stay done.</summary>
    public void Retry()
    {
        if (Status is not ProvisioningTaskStatus.Failed)
            throw new ConflictError("provisioning_not_failed", "Only a failed task can be retried.").ToException();
        Status = ProvisioningTaskStatus.Queued;
        foreach (var step in _steps.Where(s => s.Status is ProvisioningStepStatus.Failed or ProvisioningStepStatus.Running)) step.Reset();
    }

    public void RolledBack(DateTimeOffset now, string? error = null)
    {
        Status = error is null ? ProvisioningTaskStatus.RolledBack : ProvisioningTaskStatus.Failed;
        FinishedAt = now;
        Error = error is null ? "Rolled back by staff" : Cut(error, 2000);
    }

    internal static string Cut(string s, int max) => s.Length > max ? s[..max] : s;
}

/// <summary>One step of a task's plan, with its own attempts, timings and last error.</summary>
public sealed class ProvisioningStep : Entity, ITenantOwned, IOperationalRecord
{
    private ProvisioningStep() { }

    internal ProvisioningStep(ProvisioningTask task, string kind, string title, int order, int position)
    {
        TaskId = task.Id;
        TenantId = task.TenantId;
        Kind = kind;
        Title = title;
        Order = order;
        Position = position;
        Status = ProvisioningStepStatus.Pending;
    }

    public Guid TenantId { get; private set; }
    public Guid TaskId { get; private set; }
    public string Kind { get; private set; } = "";
    public string Title { get; private set; } = "";
    /// <summary>The step's <see cref="IProvisioningStep.Order"/>.</summary>
    public int Order { get; private set; }
    /// <summary>Position in this task's plan (0 first); terminate plans run in reverse order.</summary>
    public int Position { get; private set; }
    public ProvisioningStepStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public long? DurationMs { get; private set; }
    public string? LastError { get; private set; }

    public bool IsDone => Status is ProvisioningStepStatus.Succeeded or ProvisioningStepStatus.Skipped or ProvisioningStepStatus.RolledBack;

    public void Begin(DateTimeOffset now)
    {
        Attempts++;
        Status = ProvisioningStepStatus.Running;
        StartedAt ??= now;
        FinishedAt = null;
    }

    public void AttemptFailed(string error) => LastError = ProvisioningTask.Cut(error, 2000);

    public void Succeed(DateTimeOffset now) => Finish(ProvisioningStepStatus.Succeeded, now);

    public void Skip(DateTimeOffset now) => Finish(ProvisioningStepStatus.Skipped, now);

    public void Fail(string error, DateTimeOffset now)
    {
        LastError = ProvisioningTask.Cut(error, 2000);
        Finish(ProvisioningStepStatus.Failed, now);
    }

    public void MarkRolledBack(DateTimeOffset now) => Finish(ProvisioningStepStatus.RolledBack, now);

    internal void Reset()
    {
        Status = ProvisioningStepStatus.Pending;
        FinishedAt = null;
    }

    private void Finish(ProvisioningStepStatus status, DateTimeOffset now)
    {
        Status = status;
        FinishedAt = now;
        if (StartedAt is { } s) DurationMs = (long)(now - s).TotalMilliseconds;
    }
}

/// <summary>A difference reconcile found between what MPanel expects and what a service holds.</summary>
public sealed class ProvisioningDriftRecord : Entity, ITenantOwned, IOperationalRecord
{
    private ProvisioningDriftRecord() { }

    public ProvisioningDriftRecord(Guid tenantId, Guid subscriptionId, Guid taskId, ProvisioningDrift drift, DateTimeOffset now)
    {
        TenantId = tenantId;
        SubscriptionId = subscriptionId;
        TaskId = taskId;
        Kind = ProvisioningTask.Cut(drift.Kind, 64);
        Resource = ProvisioningTask.Cut(drift.Resource, 300);
        Expected = ProvisioningTask.Cut(drift.Expected, 1000);
        Actual = ProvisioningTask.Cut(drift.Actual, 1000);
        FoundAt = now;
    }

    public Guid TenantId { get; private set; }
    public Guid SubscriptionId { get; private set; }
    public Guid TaskId { get; private set; }
    public string Kind { get; private set; } = "";
    public string Resource { get; private set; } = "";
    public string Expected { get; private set; } = "";
    public string Actual { get; private set; } = "";
    public DateTimeOffset FoundAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }

    public void Resolve(DateTimeOffset now) => ResolvedAt ??= now;
}

/// <summary>The engine's per-subscription memory: the server it lives on and the steps' outputs
/// (<see cref="ProvisioningStepContext.State"/>), kept encrypted because steps may store credentials there.</summary>
public sealed class HostingAccount : Entity, ITenantOwned
{
    private HostingAccount() { }

    public HostingAccount(Guid tenantId, Guid subscriptionId, Guid? serverId, DateTimeOffset now)
    {
        TenantId = tenantId;
        SubscriptionId = subscriptionId;
        ServerId = serverId;
        CreatedAt = now;
    }

    public Guid TenantId { get; private set; }
    public Guid SubscriptionId { get; private set; }
    public Guid? ServerId { get; private set; }
    /// <summary>The step state as JSON, protected with ASP.NET Data Protection.</summary>
    public string? ProtectedState { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public void PlaceOn(Guid serverId) => ServerId = serverId;

    public void StoreState(string protectedState) => ProtectedState = protectedState;
}

/// <summary>One nightly reconcile of one server: how many services were checked and how much drift was found.</summary>
public sealed class ServerDriftSummary : Entity, IGlobalEntity, IOperationalRecord
{
    private ServerDriftSummary() { }

    public ServerDriftSummary(Guid? serverId, string serverName, int checkedCount, int driftCount, int errors, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        ServerId = serverId;
        ServerName = ProvisioningTask.Cut(serverName, 120);
        Checked = checkedCount;
        Drift = driftCount;
        Errors = errors;
        StartedAt = startedAt;
        FinishedAt = finishedAt;
    }

    public Guid? ServerId { get; private set; }
    public string ServerName { get; private set; } = "";
    public int Checked { get; private set; }
    public int Drift { get; private set; }
    public int Errors { get; private set; }
    public DateTimeOffset StartedAt { get; private set; }
    public DateTimeOffset FinishedAt { get; private set; }
}

/// <summary>Names of hosting accounts and domains, parsed once and then trusted.</summary>
public static class HostingNames
{
    private static readonly System.Globalization.IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>"u" and 8 lower-case hex digits: a system user, a database prefix, a pool name.</summary>
    public static string NewAccountName() => "u" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public static bool IsAccountName(string? value) =>
        value is { Length: >= 2 and <= 16 } && char.IsAsciiLetterLower(value[0]) && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));

    /// <summary>A host name in ASCII (punycode), lower case, without a trailing dot; null when it is not one.
    /// Accepts Unicode (IDN) input: <c>bücher.example</c> becomes <c>xn--bcher-kva.example</c>.</summary>
    public static string? TryNormalizeDomain(string? input)
    {
        var s = input?.Trim().TrimEnd('.');
        if (string.IsNullOrEmpty(s) || s.Length > 253) return null;
        string ascii;
        try { ascii = Idn.GetAscii(s).ToLowerInvariant(); }
        catch (ArgumentException) { return null; }
        if (ascii.Length > 253) return null;
        var labels = ascii.Split('.');
        if (labels.Length < 2) return null;
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return null;
            if (!label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) return null;
        }
        if (labels[^1].All(char.IsAsciiDigit)) return null; // an IP address is not a domain
        return ascii;
    }

    public static string NormalizeDomain(string? input, string field = "domain") =>
        TryNormalizeDomain(input) ?? throw ValidationError.For(field, "Enter a domain name such as example.com (international names are fine).").ToException();

    /// <summary>The Unicode form for display.</summary>
    public static string ToUnicode(string ascii)
    {
        try { return Idn.GetUnicode(ascii); } catch (ArgumentException) { return ascii; }
    }
}

/// <summary>A failure that retrying cannot fix (a missing configuration, an invalid name): the engine stops the task at
/// once instead of spending its retries and a worker's time on backoff.</summary>
public sealed class PermanentProvisioningException(string message) : Exception(message);
