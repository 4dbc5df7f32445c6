using System.Security.Claims;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Sessions;

public sealed record SessionRow(Guid Id, string Device, string? IpAddress, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, bool IsCurrent);

/// <summary>The signed-in user's own sessions: list, end one, end all others.</summary>
public sealed class SessionsService(SessionRegistry sessions, CurrentTenant current)
{
    public async Task<IReadOnlyList<SessionRow>> ListMineAsync(CancellationToken ct = default)
    {
        var (userId, currentSession) = Me();
        return (await sessions.ListAsync(userId, ct))
            .Select(s => new SessionRow(s.Id, s.Device, s.IpAddress, s.CreatedAt, s.LastSeenAt, s.Id == currentSession))
            .ToList();
    }

    public async Task RevokeAsync(Guid sessionId, CancellationToken ct = default)
    {
        var (userId, _) = Me();
        if (!await sessions.RevokeAsync(userId, sessionId, "Ended by the user", ct))
            throw new NotFoundError("Session", sessionId).ToException();
    }

    public async Task<int> RevokeOthersAsync(CancellationToken ct = default)
    {
        var (userId, currentSession) = Me();
        return await sessions.RevokeAllAsync(userId, currentSession, "Ended by the user (sign out everywhere else)", ct);
    }

    private (Guid UserId, Guid? Session) Me()
    {
        var userId = current.Actor.UserId ?? throw new ForbiddenError("Sign in first.").ToException();
        var sid = Guid.TryParse(current.Principal.FindFirstValue(UserSession.SessionClaim), out var s) ? s : (Guid?)null;
        return (userId, sid);
    }
}
