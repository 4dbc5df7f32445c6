using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Tenants;

public sealed record TenantRow(Guid Id, string Name, string Slug, TenantKind Kind, string? ParentName, TenantStatus Status,
    string DefaultCurrency, string ProductName, string PrimaryColor, DateTimeOffset CreatedAt, uint Version, bool RequireTwoFactorForClients,
    TenantLimits? Limits = null);

/// <summary>A new reseller; <paramref name="Limits"/> caps its customers, sites, disk and mailboxes (null: unlimited).</summary>
public sealed record CreateResellerRequest(string Name, string Slug, string DefaultCurrency, Guid? ParentTenantId = null,
    TenantLimits? Limits = null);
public sealed record UpdateTenantRequest(string Name, TenantStatus Status, TenantBranding Branding, uint Version,
    bool? RequireTwoFactorForClients = null, TenantLimits? Limits = null);

/// <summary>Tenants (SuperAdmin): list, create resellers, rename, change status and branding, and the audited switch
/// into another tenant.</summary>
public sealed class TenantsService(TenantScopeFactory scopes, CurrentTenant current, CrossTenantAccess crossTenant, TimeProvider clock)
{
    public async Task<Paged<TenantRow>> ListAsync(PageQuery page, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var db = scope.Db;
        var query = db.Tenants.AsNoTracking();
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(t => EF.Functions.ILike(t.Name, like) || EF.Functions.ILike(t.Slug, like));
        }
        var total = await query.CountAsync(ct);
        IOrderedQueryable<Tenant> ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("name", false) => query.OrderBy(t => t.Name),
            ("name", true) => query.OrderByDescending(t => t.Name),
            ("status", false) => query.OrderBy(t => t.Status),
            ("status", true) => query.OrderByDescending(t => t.Status),
            ("createdat", true) => query.OrderByDescending(t => t.CreatedAt),
            ("createdat", false) => query.OrderBy(t => t.CreatedAt),
            _ => query.OrderBy(t => t.Kind).ThenBy(t => t.CreatedAt),
        };
        var items = await Rows(db, ordered.ThenBy(t => t.Id).Page(page)).ToListAsync(ct);
        return new Paged<TenantRow>(items, total);
    }

    public async Task<TenantRow> GetAsync(Guid id, CancellationToken ct = default)
    {
        var page = await ListAsyncById(id, ct);
        return page ?? throw new NotFoundError("Tenant", id).ToException();
    }

    public async Task<TenantBranding> GetBrandingAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return await scope.Db.Tenants.AsNoTracking().Where(t => t.Id == id).Select(t => t.Branding).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundError("Tenant", id).ToException();
    }

    public async Task<TenantRow> CreateResellerAsync(CreateResellerRequest request, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var parentId = request.ParentTenantId ?? current.TenantId ?? throw new ForbiddenError("No tenant.").ToException();
        var parent = await scope.Db.Tenants.FirstOrDefaultAsync(t => t.Id == parentId, ct)
            ?? throw ValidationError.For("parentTenantId", "Choose an existing parent tenant.").ToException();
        var tenant = Tenant.CreateReseller(parent, request.Name, request.Slug, request.DefaultCurrency, clock.GetUtcNow());
        if (request.Limits is { } limits) tenant.SetLimits(limits);
        if (await scope.Db.Tenants.AnyAsync(t => t.Slug == tenant.Slug, ct))
            throw ValidationError.For("slug", "This slug is already taken.").ToException();
        scope.Db.Tenants.Add(tenant);
        await scope.Db.SaveChangesAsync(ct);
        // The new tenant bills its own customers from tomorrow on.
        Billing.BillingSchedule.RegisterTenant(scope.Get<Hangfire.IRecurringJobManager>(), tenant.Id, tenant.Slug);
        return await GetAsync(tenant.Id, ct);
    }

    public async Task<TenantRow> UpdateAsync(Guid id, UpdateTenantRequest request, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var tenant = await scope.Db.Tenants.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw new NotFoundError("Tenant", id).ToException();
        scope.Db.Entry(tenant).Property(t => t.Version).OriginalValue = request.Version;
        tenant.Rename(request.Name);
        tenant.UpdateBranding(request.Branding);
        if (tenant.Status != request.Status) tenant.ChangeStatus(request.Status);
        if (request.RequireTwoFactorForClients is { } required) tenant.RequireTwoFactorForClientsToo(required);
        if (request.Limits is { } limits) tenant.SetLimits(limits);
        await scope.Db.SaveChangesAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>SuperAdmin enters another tenant for the rest of this circuit; audited in the home tenant.</summary>
    public Task SwitchToAsync(Guid tenantId, CancellationToken ct = default) =>
        crossTenant.SwitchTenantAsync(tenantId, "Switched tenant from the Tenants page", ct);

    private async Task<TenantRow?> ListAsyncById(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        return await Rows(scope.Db, scope.Db.Tenants.AsNoTracking().Where(t => t.Id == id)).FirstOrDefaultAsync(ct);
    }

    private static IQueryable<TenantRow> Rows(MPanel.Infrastructure.Persistence.MPanelDbContext db, IQueryable<Tenant> tenants) =>
        tenants.Select(t => new TenantRow(t.Id, t.Name, t.Slug, t.Kind,
            db.Tenants.Where(p => p.Id == t.ParentTenantId).Select(p => p.Name).FirstOrDefault(),
            t.Status, t.DefaultCurrency, t.Branding.ProductName, t.Branding.PrimaryColor, t.CreatedAt, t.Version, t.RequireTwoFactorForClients, t.Limits));
}
