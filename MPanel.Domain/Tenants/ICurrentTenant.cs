namespace MPanel.Domain.Tenants;

/// <summary>The tenant a unit of work acts for. The only source of the tenant: filled once per scope
/// (from the user's claims for a request or circuit, from the job's arguments in a background job).</summary>
public interface ICurrentTenant
{
    /// <summary>The tenant, or null when none is resolved (anonymous request): then tenant-owned rows are invisible.</summary>
    Guid? TenantId { get; }

    /// <summary>True inside an explicit, audited cross-tenant scope (SuperAdmin reports, system jobs).</summary>
    bool IsCrossTenant { get; }
}
