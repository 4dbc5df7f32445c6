using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;
using MPanel.Domain.Customers;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using Npgsql;

namespace MPanel.Web.Features.Customers;

public sealed record CustomerRow(Guid Id, string FirstName, string LastName, string Email, string? Company, string Country,
    CustomerStatus Status, DateTimeOffset CreatedAt)
{
    public string Name => $"{FirstName} {LastName}";
}

public sealed record CustomerNoteView(Guid Id, string Text, string Author, DateTimeOffset CreatedAt);

public sealed record CustomerView(Guid Id, string FirstName, string LastName, string Email, string? Company, string? Phone,
    string Country, CustomerStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, uint Version,
    IReadOnlyList<CustomerNoteView> Notes)
{
    public CustomerDetails Details => new(FirstName, LastName, Email, Company, Phone, Country);
}

public sealed record CustomerListQuery(CustomerStatus? Status = null);

/// <summary>Customers of the current tenant: list, view, create, edit, status, notes. Used by pages and the API alike.</summary>
public sealed class CustomersService(TenantScopeFactory scopes, TimeProvider clock)
{
    public async Task<Paged<CustomerRow>> ListAsync(PageQuery page, CustomerListQuery filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.Customers.AsNoTracking();
        if (filter.Status is { } status) query = query.Where(c => c.Status == status);
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(c => EF.Functions.ILike(c.FirstName + " " + c.LastName, like) || EF.Functions.ILike(c.Email, like)
                                     || (c.Company != null && EF.Functions.ILike(c.Company, like)));
        }
        var total = await query.CountAsync(ct);
        IOrderedQueryable<Customer> ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("name", false) => query.OrderBy(c => c.LastName).ThenBy(c => c.FirstName),
            ("name", true) => query.OrderByDescending(c => c.LastName).ThenByDescending(c => c.FirstName),
            ("email", false) => query.OrderBy(c => c.Email),
            ("email", true) => query.OrderByDescending(c => c.Email),
            ("company", false) => query.OrderBy(c => c.Company),
            ("company", true) => query.OrderByDescending(c => c.Company),
            ("country", false) => query.OrderBy(c => c.Country),
            ("country", true) => query.OrderByDescending(c => c.Country),
            ("status", false) => query.OrderBy(c => c.Status),
            ("status", true) => query.OrderByDescending(c => c.Status),
            ("createdat", false) => query.OrderBy(c => c.CreatedAt),
            _ => query.OrderByDescending(c => c.CreatedAt),
        };
        var items = await ordered.ThenBy(c => c.Id).Page(page)
            .Select(c => new CustomerRow(c.Id, c.FirstName, c.LastName, c.Email, c.Company, c.Country, c.Status, c.CreatedAt))
            .ToListAsync(ct);
        return new Paged<CustomerRow>(items, total);
    }

    public async Task<CustomerView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var customer = await scope.Db.Customers.AsNoTracking().Include(c => c.Notes).FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? throw new NotFoundError("Customer", id).ToException();
        return ToView(customer);
    }

    public async Task<CustomerView> CreateAsync(CustomerDetails details, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return ToView(await AddInScopeAsync(scope, details, ct));
    }

    /// <summary>Creates a customer in the caller's unit of work: saved, but committed by the caller's transaction (a signup
    /// writes the customer, its acquisition and its login together).</summary>
    internal async Task<Customer> AddInScopeAsync(TenantScope scope, CustomerDetails details, CancellationToken ct)
    {
        var customer = Customer.Create(details, clock.GetUtcNow());
        await EnsureEmailFreeAsync(scope, customer.Email, null, ct);
        await Tenants.TenantLimitGuard.EnsureRoomForCustomerAsync(scope, ct);
        scope.Db.Customers.Add(customer);
        await SaveAsync(scope, ct);
        return customer;
    }

    public async Task<CustomerView> UpdateAsync(Guid id, CustomerDetails details, uint expectedVersion, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var customer = await LoadAsync(scope, id, ct);
        scope.Db.Entry(customer).Property(c => c.Version).OriginalValue = expectedVersion;
        customer.UpdateDetails(details, clock.GetUtcNow());
        await EnsureEmailFreeAsync(scope, customer.Email, id, ct);
        await SaveAsync(scope, ct);
        return await GetAsync(id, ct);
    }

    public async Task<CustomerView> ChangeStatusAsync(Guid id, CustomerStatus status, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var customer = await LoadAsync(scope, id, ct);
        customer.ChangeStatus(status, clock.GetUtcNow());
        await SaveAsync(scope, ct);
        return await GetAsync(id, ct);
    }

    public async Task<CustomerNoteView> AddNoteAsync(Guid id, string text, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var customer = await LoadAsync(scope, id, ct);
        var note = customer.AddNote(text, scope.Tenant.Actor.UserName ?? "system", clock.GetUtcNow());
        await SaveAsync(scope, ct);
        return new CustomerNoteView(note.Id, note.Text, note.Author, note.CreatedAt);
    }

    private static async Task<Customer> LoadAsync(TenantScope scope, Guid id, CancellationToken ct) =>
        await scope.Db.Customers.FirstOrDefaultAsync(c => c.Id == id, ct)
        ?? throw new NotFoundError("Customer", id).ToException();

    private static async Task EnsureEmailFreeAsync(TenantScope scope, string email, Guid? exceptId, CancellationToken ct)
    {
        if (await scope.Db.Customers.AnyAsync(c => c.Email == email && c.Id != exceptId, ct))
            throw ValidationError.For("email", "Another customer already uses this email address.").ToException();
    }

    private static async Task SaveAsync(TenantScope scope, CancellationToken ct)
    {
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two people creating the same email at once: the unique index decides, the user gets a field error.
            throw ValidationError.For("email", "Another customer already uses this email address.").ToException();
        }
    }

    private static CustomerView ToView(Customer c) => new(c.Id, c.FirstName, c.LastName, c.Email, c.Company, c.Phone, c.Country,
        c.Status, c.CreatedAt, c.UpdatedAt, c.Version,
        c.Notes.OrderByDescending(n => n.CreatedAt).Select(n => new CustomerNoteView(n.Id, n.Text, n.Author, n.CreatedAt)).ToList());
}
