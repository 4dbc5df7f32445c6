using System.Security.Claims;
using MPanel.Domain.Auditing;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Tenancy;

public static class MPanelClaims
{
    public const string TenantId = "mpanel:tenant_id";
    public const string TenantName = "mpanel:tenant_name";
    public const string DisplayName = "mpanel:display_name";
    /// <summary>"true" when the user's tenant requires two-factor of its clients (staff need it everywhere).</summary>
    public const string ClientTwoFactorRequired = "mpanel:client_2fa";
}

/// <summary>The scoped tenant and actor of one unit of work (a request, a circuit, a job).
/// Filled exactly once by <see cref="InitializeFrom(ClaimsPrincipal, string?, string?)"/> or
/// <see cref="InitializeForJob"/>; SuperAdmin tenant switches and cross-tenant scopes go through
/// <see cref="CrossTenantAccess"/>, which audits them.</summary>
public sealed class CurrentTenant : ICurrentTenant
{
    private int _crossTenantDepth;

    public Guid? TenantId { get; private set; }
    public string? TenantName { get; private set; }
    public bool IsCrossTenant => _crossTenantDepth > 0;
    public AuditActor Actor { get; private set; } = AuditActor.System;
    public ClaimsPrincipal Principal { get; private set; } = new(new ClaimsIdentity());
    /// <summary>The tenant of the signed-in user's account (differs from <see cref="TenantId"/> after a switch).</summary>
    public Guid? HomeTenantId { get; private set; }

    public void InitializeFrom(ClaimsPrincipal principal, string? ipAddress, string? userAgent)
    {
        Principal = principal;
        var tenantClaim = principal.FindFirstValue(MPanelClaims.TenantId);
        TenantId = principal.Identity?.IsAuthenticated == true && Guid.TryParse(tenantClaim, out var tenantId) ? tenantId : null;
        HomeTenantId = TenantId;
        TenantName = principal.FindFirstValue(MPanelClaims.TenantName);
        var userId = Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var uid) ? uid : (Guid?)null;
        Actor = new AuditActor(userId, principal.Identity?.Name, ipAddress, userAgent);
    }

    /// <summary>For jobs and other trusted code that acts for one tenant named in its arguments.</summary>
    public void InitializeForJob(Guid tenantId, string jobName)
    {
        TenantId = tenantId;
        HomeTenantId = tenantId;
        Actor = new AuditActor(null, $"job:{jobName}", null, null);
    }

    /// <summary>Names the person a sign-in or password reset acts for, before any cookie exists, so the audit log
    /// shows whose account the attempt touched.</summary>
    public void IdentifyActor(Guid userId, string userName) => Actor = Actor with { UserId = userId, UserName = userName };

    /// <summary>Copies this context into a fresh DI scope (a unit of work started from a circuit).</summary>
    public void CopyTo(CurrentTenant other)
    {
        other.TenantId = TenantId;
        other.TenantName = TenantName;
        other.HomeTenantId = HomeTenantId;
        other.Actor = Actor;
        other.Principal = Principal;
        other._crossTenantDepth = _crossTenantDepth;
    }

    internal void SwitchTo(Guid tenantId, string tenantName)
    {
        TenantId = tenantId;
        TenantName = tenantName;
    }

    internal IDisposable EnterCrossTenant()
    {
        _crossTenantDepth++;
        return new Exit(this);
    }

    private sealed class Exit(CurrentTenant owner) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            owner._crossTenantDepth--;
        }
    }
}
