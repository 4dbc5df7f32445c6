using MPanel.Domain.Common;

namespace MPanel.Domain.Auditing;

public static class AuditActions
{
    public const string Created = "Created";
    public const string Updated = "Updated";
    public const string Deleted = "Deleted";
    public const string CrossTenantAccess = "CrossTenantAccess";
}

/// <summary>One change to one entity (or one security-relevant act), immutable once written.</summary>
public sealed class AuditEntry : Entity, ITenantOwned
{
    private AuditEntry() { }

    public AuditEntry(Guid tenantId, string action, string entityType, string? entityId, string? changes,
        AuditActor actor, DateTimeOffset at)
    {
        TenantId = tenantId;
        Action = action;
        EntityType = entityType;
        EntityId = entityId;
        Changes = changes;
        UserId = actor.UserId;
        UserName = actor.UserName;
        IpAddress = actor.IpAddress;
        UserAgent = actor.UserAgent is { Length: > 512 } ua ? ua[..512] : actor.UserAgent;
        At = at;
    }

    public Guid TenantId { get; private set; }
    public Guid? UserId { get; private set; }
    public string? UserName { get; private set; }
    public string Action { get; private set; } = "";
    public string EntityType { get; private set; } = "";
    public string? EntityId { get; private set; }
    /// <summary>JSON: {"Property": {"old": …, "new": …}}, secrets redacted.</summary>
    public string? Changes { get; private set; }
    public string? IpAddress { get; private set; }
    public string? UserAgent { get; private set; }
    public DateTimeOffset At { get; private set; }
}

/// <summary>Who acts in the current unit of work.</summary>
public sealed record AuditActor(Guid? UserId, string? UserName, string? IpAddress, string? UserAgent)
{
    public static readonly AuditActor System = new(null, "system", null, null);
}
