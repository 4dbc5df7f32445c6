using Microsoft.EntityFrameworkCore;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Infrastructure.Identity;

/// <summary>Sign-in sessions: start, check (touching last-seen at most once a minute), list and revoke. Each call is
/// its own short unit of work, so cookie validation and circuits can use it alike.</summary>
public sealed class SessionRegistry(TenantScopeFactory scopes, TimeProvider clock)
{
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>Starts a session for a user who just proved who they are (the tenant is the user's, named explicitly:
    /// at sign-in no tenant is resolved yet).</summary>
    public async Task<Guid> StartAsync(Guid tenantId, Guid userId, string? ipAddress, string? userAgent)
    {
        await using var scope = scopes.Create();
        using (scope.Tenant.EnterCrossTenant())
        {
            var session = new UserSession(tenantId, userId, ipAddress, userAgent, clock.GetUtcNow());
            scope.Db.Entry(session).Property(s => s.TenantId).CurrentValue = tenantId;
            scope.Db.Add(session);
            await scope.Db.SaveChangesAsync();
            return session.Id;
        }
    }

    /// <summary>True while the session exists, belongs to this user and is not revoked.</summary>
    public async Task<bool> IsActiveAsync(Guid sessionId, Guid userId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var now = clock.GetUtcNow();
        var session = await scope.Db.Set<UserSession>().AsNoTracking()
            .Where(s => s.Id == sessionId && s.UserId == userId)
            .Select(s => new { s.RevokedAt, s.LastSeenAt })
            .FirstOrDefaultAsync(ct);
        if (session is null || session.RevokedAt is not null) return false;
        if (now - session.LastSeenAt >= TouchInterval)
        {
            // Bookkeeping, not a change anyone audits: a set-based update that skips the interceptors.
            await scope.Db.Set<UserSession>().Where(s => s.Id == sessionId)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), ct);
        }
        return true;
    }

    /// <summary>Activity that is not an HTTP request (a Blazor circuit's events): moves last-seen forward, at most once
    /// a minute.</summary>
    public async Task TouchAsync(Guid sessionId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var now = clock.GetUtcNow();
        var due = now - TouchInterval;
        await scope.Db.Set<UserSession>().Where(s => s.Id == sessionId && s.RevokedAt == null && s.LastSeenAt <= due)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), ct);
    }

    /// <summary>When an active session was created and last seen (null when revoked or unknown).</summary>
    public async Task<(DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt)?> TimesAsync(Guid sessionId, Guid userId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var row = await scope.Db.Set<UserSession>().AsNoTracking()
            .Where(s => s.Id == sessionId && s.UserId == userId && s.RevokedAt == null)
            .Select(s => new { s.CreatedAt, s.LastSeenAt }).FirstOrDefaultAsync(ct);
        return row is null ? null : (row.CreatedAt, row.LastSeenAt);
    }

    public async Task<IReadOnlyList<UserSession>> ListAsync(Guid userId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return await scope.Db.Set<UserSession>().AsNoTracking()
            .Where(s => s.UserId == userId && s.RevokedAt == null)
            .OrderByDescending(s => s.LastSeenAt).ToListAsync(ct);
    }

    /// <summary>Revokes one session of the user (tenant-filtered: another tenant's session is not found).</summary>
    public async Task<bool> RevokeAsync(Guid userId, Guid sessionId, string reason, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var session = await scope.Db.Set<UserSession>().FirstOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, ct);
        if (session is null) return false;
        session.Revoke(reason, clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Revokes every session of the user but <paramref name="keep"/>; returns how many.</summary>
    public async Task<int> RevokeAllAsync(Guid userId, Guid? keep, string reason, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var sessions = await scope.Db.Set<UserSession>().Where(s => s.UserId == userId && s.RevokedAt == null && s.Id != keep).ToListAsync(ct);
        foreach (var session in sessions) session.Revoke(reason, clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        return sessions.Count;
    }
}
