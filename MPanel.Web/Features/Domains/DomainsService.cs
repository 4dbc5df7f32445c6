using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Domain.DnsZones;
using MPanel.Domain.Domains;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using Npgsql;

namespace MPanel.Web.Features.Domains;

public sealed record DomainRow(Guid Id, string Name, string DisplayName, Guid CustomerId, string CustomerName, string Registrar, DateOnly? ExpiresOn,
    bool AutoRenew, DomainStatus Status, int OpenTasks);

public sealed record DomainTaskView(Guid Id, Guid DomainId, string DomainName, DomainTaskKind Kind, string Details, DomainTaskStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, string? CompletedBy);

public sealed record DomainView(Guid Id, string Name, string DisplayName, Guid CustomerId, string CustomerName, string Registrar, DateOnly? ExpiresOn,
    bool AutoRenew, IReadOnlyList<string> Nameservers, DomainStatus Status, DateTimeOffset CreatedAt, Guid? ZoneId, IReadOnlyList<DomainTaskView> Tasks);

/// <summary>Add (track an existing registration) or register (ask the registrar) a domain.</summary>
public sealed record SaveDomainRequest(Guid CustomerId, string Name, string? Registrar, DateOnly? ExpiresOn, bool AutoRenew, IReadOnlyList<string>? Nameservers);

public sealed record UpdateDomainRequest(string? Registrar, DateOnly? ExpiresOn, bool AutoRenew, IReadOnlyList<string>? Nameservers);

/// <summary>Registered domains of the current tenant (or one customer's, <see cref="ForCustomer"/>), and the staff tasks the
/// manual registrar leaves. Requests to the registrar go through <see cref="IRegistrar"/>.</summary>
public sealed class DomainsService(TenantScopeFactory scopes, TimeProvider clock, IRegistrar registrar)
{
    private Guid? _customerId;

    public DomainsService ForCustomer(Guid customerId) => new(scopes, clock, registrar) { _customerId = customerId };

    private IQueryable<RegisteredDomain> Domains(TenantScope scope) =>
        _customerId is { } c ? scope.Db.RegisteredDomains.Where(d => d.CustomerId == c) : scope.Db.RegisteredDomains;

    public async Task<Paged<DomainRow>> ListAsync(PageQuery page, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var q = Domains(scope).AsNoTracking();
        if (page.SearchTerm is { } term)
        {
            var ascii = DnsName.TryParseHost(term, out _) ?? term.ToLowerInvariant();
            q = q.Where(d => EF.Functions.ILike(d.Name, PagingExtensions.LikePattern(ascii)));
        }
        var total = await q.CountAsync(ct);
        var ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("expireson", false) => q.OrderBy(d => d.ExpiresOn),
            ("expireson", true) => q.OrderByDescending(d => d.ExpiresOn),
            ("name", true) or ("displayname", true) => q.OrderByDescending(d => d.Name),
            _ => q.OrderBy(d => d.Name),
        };
        var rows = await ordered.ThenBy(d => d.Id).Page(page).Select(d => new
        {
            d.Id, d.Name, d.CustomerId, d.Registrar, d.ExpiresOn, d.AutoRenew, d.Status,
            Customer = scope.Db.Customers.Where(c => c.Id == d.CustomerId).Select(c => c.FirstName + " " + c.LastName).FirstOrDefault(),
            Open = scope.Db.DomainTasks.Count(t => t.DomainId == d.Id && t.Status == DomainTaskStatus.Open),
        }).ToListAsync(ct);
        return new Paged<DomainRow>(rows.Select(r => new DomainRow(r.Id, r.Name, DnsName.ToUnicode(r.Name), r.CustomerId, r.Customer ?? "", r.Registrar,
            r.ExpiresOn, r.AutoRenew, r.Status, r.Open)).ToList(), total);
    }

    public async Task<DomainView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var d = await Domains(scope).AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Domain", id).ToException();
        var customer = await scope.Db.Customers.Where(c => c.Id == d.CustomerId).Select(c => c.FirstName + " " + c.LastName).FirstOrDefaultAsync(ct);
        var zoneId = await scope.Db.DnsZones.Where(z => z.Name == d.Name).Select(z => (Guid?)z.Id).FirstOrDefaultAsync(ct);
        var tasks = await scope.Db.DomainTasks.AsNoTracking().Where(t => t.DomainId == id).OrderByDescending(t => t.CreatedAt).ToListAsync(ct);
        return new DomainView(d.Id, d.Name, d.DisplayName, d.CustomerId, customer ?? "", d.Registrar, d.ExpiresOn, d.AutoRenew, d.Nameservers, d.Status,
            d.CreatedAt, zoneId, tasks.Select(t => ToView(t, d.Name)).ToList());
    }

    /// <summary>Open staff tasks of every domain (the domains page's task list).</summary>
    public async Task<IReadOnlyList<DomainTaskView>> OpenTasksAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var rows = await scope.Db.DomainTasks.AsNoTracking().Where(t => t.Status == DomainTaskStatus.Open)
            .Join(Domains(scope), t => t.DomainId, d => d.Id, (t, d) => new { t, d.Name })
            .OrderBy(x => x.t.CreatedAt).Take(200).ToListAsync(ct);
        return rows.Select(x => ToView(x.t, x.Name)).ToList();
    }

    /// <summary>Tracks a domain registered elsewhere (status Active) — no registrar call.</summary>
    public Task<DomainView> AddExistingAsync(SaveDomainRequest request, CancellationToken ct = default) =>
        AddAsync(request, DomainStatus.Active, null, ct);

    /// <summary>Registers a domain through the registrar (manual: a staff task; status PendingRegistration until done).</summary>
    public Task<DomainView> RegisterAsync(SaveDomainRequest request, int years = 1, CancellationToken ct = default) =>
        AddAsync(request, DomainStatus.PendingRegistration, d => registrar.RegisterAsync(d, years, ct), ct);

    private async Task<DomainView> AddAsync(SaveDomainRequest request, DomainStatus status, Func<RegisteredDomain, Task<RegistrarResult>>? call, CancellationToken ct)
    {
        if (_customerId is { } own && request.CustomerId != own) throw new ForbiddenError("You can only add domains to your own account.").ToException();
        Guid id;
        await using (var scope = scopes.Create())
        {
            if (!await scope.Db.Customers.AnyAsync(c => c.Id == request.CustomerId, ct)) throw ValidationError.For("customerId", "Choose a customer.").ToException();
            var domain = RegisteredDomain.Create(request.CustomerId, request.Name, request.Registrar ?? registrar.Name, request.ExpiresOn, request.AutoRenew,
                request.Nameservers ?? [], status, clock.GetUtcNow());
            scope.Db.RegisteredDomains.Add(domain);
            try
            {
                await scope.Db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                throw ValidationError.For("name", "This domain is already tracked.").ToException();
            }
            // The domain is committed first: the registrar (or the manual registrar's task) refers to it.
            if (call is not null)
            {
                var result = await call(domain);
                if (result.Completed) domain.ChangeStatus(DomainStatus.Active, clock.GetUtcNow());
                await scope.Db.SaveChangesAsync(ct);
            }
            id = domain.Id;
        }
        return await GetAsync(id, ct);
    }

    public async Task<DomainView> UpdateAsync(Guid id, UpdateDomainRequest request, CancellationToken ct = default)
    {
        await using (var scope = scopes.Create())
        {
            var d = await Domains(scope).FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Domain", id).ToException();
            var oldNs = d.Nameservers.ToList();
            d.Update(request.Registrar ?? d.Registrar, request.ExpiresOn, request.AutoRenew, request.Nameservers ?? d.Nameservers, clock.GetUtcNow());
            await scope.Db.SaveChangesAsync(ct);
            if (!oldNs.SequenceEqual(d.Nameservers)) await registrar.UpdateNameserversAsync(d, d.Nameservers, ct);
        }
        return await GetAsync(id, ct);
    }

    public async Task<DomainView> RenewAsync(Guid id, int years, CancellationToken ct = default)
    {
        if (years is < 1 or > 10) throw ValidationError.For("years", "Renew for 1 to 10 years.").ToException();
        await using (var scope = scopes.Create())
        {
            var d = await Domains(scope).FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Domain", id).ToException();
            await registrar.RenewAsync(d, years, ct);
        }
        return await GetAsync(id, ct);
    }

    public async Task CompleteTaskAsync(Guid taskId, DomainTaskStatus status, CancellationToken ct = default)
    {
        if (_customerId is not null) throw new ForbiddenError("Tasks are handled by staff.").ToException();
        await using var scope = scopes.Create();
        var task = await scope.Db.DomainTasks.FirstOrDefaultAsync(t => t.Id == taskId, ct) ?? throw new NotFoundError("Domain task", taskId).ToException();
        var now = clock.GetUtcNow();
        task.Complete(status, scope.Tenant.Actor.UserName ?? "system", now);
        if (status == DomainTaskStatus.Done && task.Kind is DomainTaskKind.Register or DomainTaskKind.Transfer
            && await scope.Db.RegisteredDomains.FirstOrDefaultAsync(d => d.Id == task.DomainId, ct) is { } domain)
            domain.ChangeStatus(DomainStatus.Active, now);
        await scope.Db.SaveChangesAsync(ct);
    }

    private static DomainTaskView ToView(DomainTask t, string domain) =>
        new(t.Id, t.DomainId, DnsName.ToUnicode(domain), t.Kind, t.Details, t.Status, t.CreatedAt, t.CompletedAt, t.CompletedBy);
}

/// <summary>The registrar for tenants without a registrar integration: each request becomes an open <see cref="DomainTask"/>
/// for staff (shown on /domains). Writes in the caller's tenant through its own unit of work.</summary>
public sealed class ManualRegistrar(TenantScopeFactory scopes, TimeProvider clock) : IRegistrar
{
    public string Name => "manual";

    public Task<RegistrarResult> RegisterAsync(RegisteredDomain domain, int years, CancellationToken ct) =>
        TaskAsync(domain, DomainTaskKind.Register, $"Register {domain.DisplayName} ({domain.Name}) for {years} year(s) at the registrar; nameservers: {Ns(domain.Nameservers)}.", ct);

    public Task<RegistrarResult> RenewAsync(RegisteredDomain domain, int years, CancellationToken ct) =>
        TaskAsync(domain, DomainTaskKind.Renew, $"Renew {domain.DisplayName} for {years} year(s); current expiry {domain.ExpiresOn?.ToString("yyyy-MM-dd") ?? "unknown"}.", ct);

    public Task<RegistrarResult> TransferAsync(RegisteredDomain domain, string authCode, CancellationToken ct) =>
        TaskAsync(domain, DomainTaskKind.Transfer, $"Transfer {domain.DisplayName} in; the customer has the auth code (not stored here).", ct);

    public Task<RegistrarResult> UpdateNameserversAsync(RegisteredDomain domain, IReadOnlyList<string> nameservers, CancellationToken ct) =>
        TaskAsync(domain, DomainTaskKind.UpdateNameservers, $"Set the nameservers of {domain.DisplayName} to {Ns(nameservers)}.", ct);

    private static string Ns(IReadOnlyList<string> ns) => ns.Count == 0 ? "(registrar default)" : string.Join(", ", ns);

    private async Task<RegistrarResult> TaskAsync(RegisteredDomain domain, DomainTaskKind kind, string details, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        scope.Db.DomainTasks.Add(new DomainTask(domain.Id, kind, details, clock.GetUtcNow()));
        await scope.Db.SaveChangesAsync(ct);
        return new RegistrarResult(false, "A staff task was created.");
    }
}
