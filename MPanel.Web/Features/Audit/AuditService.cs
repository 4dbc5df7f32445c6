using Microsoft.EntityFrameworkCore;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Audit;

public sealed record AuditRow(Guid Id, DateTimeOffset At, string? UserName, string Action, string EntityType, string? EntityId,
    string? Changes, string? IpAddress, string? UserAgent);

public sealed record AuditFilter(string? User = null, string? EntityType = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>The current tenant's audit log, newest first, filtered by user, entity type and date.</summary>
public sealed class AuditService(TenantScopeFactory scopes)
{
    public async Task<Paged<AuditRow>> ListAsync(PageQuery page, AuditFilter filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.User))
            query = query.Where(a => a.UserName != null && EF.Functions.ILike(a.UserName, PagingExtensions.LikePattern(filter.User.Trim())));
        if (!string.IsNullOrWhiteSpace(filter.EntityType)) query = query.Where(a => a.EntityType == filter.EntityType);
        if (filter.From is { } from) query = query.Where(a => a.At >= from.ToUniversalTime());
        if (filter.To is { } to) query = query.Where(a => a.At < to.ToUniversalTime());
        if (page.SearchTerm is { } term) query = query.Where(a => a.EntityId == term);
        var total = await query.CountAsync(ct);
        var ordered = page.Descending || page.Sort is null ? query.OrderByDescending(a => a.At) : query.OrderBy(a => a.At);
        var items = await ordered.ThenByDescending(a => a.Id).Page(page)
            .Select(a => new AuditRow(a.Id, a.At, a.UserName, a.Action, a.EntityType, a.EntityId, a.Changes, a.IpAddress, a.UserAgent))
            .ToListAsync(ct);
        return new Paged<AuditRow>(items, total);
    }

    public async Task<IReadOnlyList<string>> EntityTypesAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return await scope.Db.AuditEntries.Select(a => a.EntityType).Distinct().OrderBy(t => t).ToListAsync(ct);
    }
}
