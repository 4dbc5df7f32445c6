namespace MPanel.Domain.Common;

/// <summary>Base of every entity: a time-ordered GUID id, assigned at construction.</summary>
public abstract class Entity
{
    public Guid Id { get; protected set; } = Guid.CreateVersion7();
}

/// <summary>An entity that belongs to exactly one tenant; the tenant query filter and the
/// SaveChanges guard apply to it by convention.</summary>
public interface ITenantOwned
{
    Guid TenantId { get; }
}

/// <summary>An entity shared by all tenants (no tenant filter). Access is decided by authorization policies.</summary>
public interface IGlobalEntity;

/// <summary>A mutable aggregate protected by optimistic concurrency (PostgreSQL <c>xmin</c>).</summary>
public interface IVersioned
{
    uint Version { get; }
}

/// <summary>A row that is itself a log (email log, job runs, webhook events): changes publish live events but write no
/// audit entries, which would only duplicate it.</summary>
public interface IOperationalRecord;
