using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Agent;
using MPanel.Domain.Common;
using MPanel.Domain.Sites;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using Npgsql;

namespace MPanel.Web.Features.Sites;

public sealed record SiteRow(Guid Id, string PrimaryDomain, string AccountName, SiteKind Kind, string? PhpVersion, SiteStatus Status,
    long? DiskUsedBytes, int QuotaMb, DateTimeOffset CreatedAt);

public sealed record SiteView(Guid Id, string PrimaryDomain, IReadOnlyList<string> Aliases, string AccountName, SiteKind Kind, string? PhpVersion,
    SiteStatus Status, string? DocumentRoot, int QuotaMb, long? DiskUsedBytes, DateTimeOffset? DiskCheckedAt, string? LastError,
    Guid? SubscriptionId, Guid? CustomerId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, uint Version)
{
    /// <summary>Used share of the quota, 0-100+ (null when unknown or unlimited).</summary>
    public double? DiskPercent => DiskUsedBytes is { } used && QuotaMb > 0 ? Math.Round(100.0 * used / (QuotaMb * 1024.0 * 1024.0), 1) : null;
}

public sealed record SiteListQuery(SiteStatus? Status = null, Guid? CustomerId = null);
public sealed record NewSite(string PrimaryDomain, IReadOnlyList<string>? Aliases, SiteKind Kind, string? PhpVersion, int QuotaMb, Guid? CustomerId = null, string? AccountName = null);
public sealed record SiteSettings(IReadOnlyList<string>? Aliases, SiteKind Kind, string? PhpVersion, uint Version);

/// <summary>Hosted sites of the current tenant: list, view, create, settings, suspend, disk usage, delete. Each change is
/// carried to the web server through the agent before it is saved; pages, the API and (later) the client area use it alike.</summary>
public sealed class SitesService(TenantScopeFactory scopes, SiteHost host, TimeProvider clock)
{
    public async Task<Paged<SiteRow>> ListAsync(PageQuery page, SiteListQuery filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.Sites.AsNoTracking().Where(s => s.Status != SiteStatus.Deleted || filter.Status == SiteStatus.Deleted);
        if (filter.Status is { } status) query = query.Where(s => s.Status == status);
        if (filter.CustomerId is { } customer) query = query.Where(s => s.CustomerId == customer);
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term.ToLowerInvariant());
            query = query.Where(s => EF.Functions.Like(s.PrimaryDomain, like) || EF.Functions.Like(s.AccountName, like));
        }
        var total = await query.CountAsync(ct);
        var ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("primarydomain", false) => query.OrderBy(s => s.PrimaryDomain),
            ("primarydomain", true) => query.OrderByDescending(s => s.PrimaryDomain),
            ("status", false) => query.OrderBy(s => s.Status),
            ("status", true) => query.OrderByDescending(s => s.Status),
            ("createdat", false) => query.OrderBy(s => s.CreatedAt),
            _ => query.OrderByDescending(s => s.CreatedAt),
        };
        var items = await ordered.ThenBy(s => s.Id).Page(page)
            .Select(s => new SiteRow(s.Id, s.PrimaryDomain, s.AccountName, s.Kind, s.PhpVersion, s.Status, s.DiskUsedBytes, s.QuotaMb, s.CreatedAt))
            .ToListAsync(ct);
        return new Paged<SiteRow>(items, total);
    }

    public async Task<SiteView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return ToView(await LoadAsync(scope, id, ct, tracking: false));
    }

    public async Task<SiteView> CreateAsync(NewSite input, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var account = string.IsNullOrWhiteSpace(input.AccountName) ? "s" + Guid.NewGuid().ToString("N")[..11] : input.AccountName.Trim();
        var site = Site.Create(account, input.PrimaryDomain, input.Aliases ?? [], input.Kind, input.PhpVersion, input.QuotaMb, null, input.CustomerId, clock.GetUtcNow());
        if (await scope.Db.Sites.IgnoreQueryFilters().AnyAsync(s => s.PrimaryDomain == site.PrimaryDomain && s.Status != SiteStatus.Deleted, ct))
            throw ValidationError.For("primaryDomain", "Another site already uses this domain.").ToException();
        await Tenants.TenantLimitGuard.EnsureRoomForSiteAsync(scope, ct);
        scope.Db.Sites.Add(site);
        await SaveAsync(scope, ct);
        await ApplyOrRecordAsync(scope, site, () => host.ApplyAsync(site, ct), ct);
        return ToView(site);
    }

    public async Task<SiteView> UpdateSettingsAsync(Guid id, SiteSettings settings, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var site = await LoadAsync(scope, id, ct);
        scope.Db.Entry(site).Property(s => s.Version).OriginalValue = settings.Version;
        site.ChangeSettings(settings.Aliases ?? [], settings.Kind, settings.PhpVersion, clock.GetUtcNow());
        await host.ApplyAsync(site, ct); // a refusal leaves the database as it was
        await SaveAsync(scope, ct);
        return ToView(site);
    }

    public Task<SiteView> SuspendAsync(Guid id, CancellationToken ct = default) => ActAsync(id, (site, c) => host.SuspendAsync(site, c), ct);
    public Task<SiteView> UnsuspendAsync(Guid id, CancellationToken ct = default) => ActAsync(id, (site, c) => host.UnsuspendAsync(site, c), ct);
    public Task<SiteView> RefreshDiskUsageAsync(Guid id, CancellationToken ct = default) => ActAsync(id, (site, c) => host.RefreshDiskUsageAsync(site, c), ct);
    /// <summary>Re-applies the site to its server (repairs drift).</summary>
    public Task<SiteView> RepairAsync(Guid id, CancellationToken ct = default) => ActAsync(id, (site, c) => host.ApplyAsync(site, c), ct);
    public Task<SiteView> DeleteAsync(Guid id, CancellationToken ct = default) => ActAsync(id, (site, c) => host.DeleteAccountAsync(site, c), ct);

    public async Task<IReadOnlyList<MPanel.Domain.Provisioning.ProvisioningDrift>> FindDriftAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return await host.FindDriftAsync(await LoadAsync(scope, id, ct, tracking: false), ct);
    }

    public Task<IReadOnlyList<string>> PhpVersionsAsync(CancellationToken ct = default) => host.PhpVersionsAsync(null, ct);

    private async Task<SiteView> ActAsync(Guid id, Func<Site, CancellationToken, Task> action, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var site = await LoadAsync(scope, id, ct);
        if (site.Status == SiteStatus.Deleted) throw new ConflictError("site_deleted", "This site was deleted.").ToException();
        await action(site, ct);
        await SaveAsync(scope, ct);
        return ToView(site);
    }

    private async Task ApplyOrRecordAsync(TenantScope scope, Site site, Func<Task> apply, CancellationToken ct)
    {
        try
        {
            await apply();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            site.MarkFailed(ex is DomainException d ? d.Error.Message : ex.Message, clock.GetUtcNow());
            await SaveAsync(scope, CancellationToken.None);
            throw;
        }
        await SaveAsync(scope, ct);
    }

    private static async Task<Site> LoadAsync(TenantScope scope, Guid id, CancellationToken ct, bool tracking = true)
    {
        var query = tracking ? scope.Db.Sites : scope.Db.Sites.AsNoTracking();
        return await query.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundError("Site", id).ToException();
    }

    private static async Task SaveAsync(TenantScope scope, CancellationToken ct)
    {
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw ValidationError.For("primaryDomain", "Another site already uses this domain.").ToException();
        }
    }

    internal static SiteView ToView(Site s) => new(s.Id, s.PrimaryDomain, s.Aliases, s.AccountName, s.Kind, s.PhpVersion, s.Status, s.DocumentRoot,
        s.QuotaMb, s.DiskUsedBytes, s.DiskCheckedAt, s.LastError, s.SubscriptionId, s.CustomerId, s.CreatedAt, s.UpdatedAt, s.Version);
}
