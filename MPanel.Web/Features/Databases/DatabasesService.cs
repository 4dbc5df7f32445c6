using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Common;
using MPanel.Domain.Databases;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Databases;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Databases;

public sealed record DatabaseRow(Guid Id, Guid CustomerId, string CustomerName, Guid? SubscriptionId, DatabaseEngine Engine, string Name, string UserName,
    long? SizeBytes, DateTimeOffset? SizeMeasuredAt, DateTimeOffset CreatedAt, DateTimeOffset? PasswordChangedAt);

/// <summary>A password shown once (after create or reset), with a ready connection string.</summary>
public sealed record DatabaseCredentials(Guid Id, DatabaseEngine Engine, string Name, string UserName, string Password, string ConnectionString);

public sealed record NewDatabase(Guid CustomerId, DatabaseEngine Engine, string Name, Guid? SubscriptionId = null);

public sealed class DatabaseEngineOptions
{
    /// <summary>The engine provisioning uses for a product's databases.</summary>
    public DatabaseEngine DefaultEngine { get; set; } = DatabaseEngine.MariaDb;
    /// <summary>How many of the product's databases (its quota) provisioning creates up front; the customer makes the rest.</summary>
    public int ProvisionedPerSubscription { get; set; } = 1;
}

/// <summary>The two engines' providers, built from <c>CustomerDatabases:*</c>.</summary>
public sealed class DatabaseProviders(IOptions<CustomerDatabasesOptions> options, IConfiguration configuration)
{
    private readonly Lazy<IDatabaseProvider> _postgres = new(() => new PostgresDatabaseProvider(options.Value.PostgresAdminConnection(configuration)));
    private readonly Lazy<IDatabaseProvider> _mariadb = new(() => new MariaDbDatabaseProvider(
        (string.IsNullOrWhiteSpace(options.Value.MariaDbAdmin) ? throw new PermanentProvisioningException("CustomerDatabases:MariaDbAdmin is not configured (scripts/run and scripts/test set it).") : options.Value.MariaDbAdmin),
        options.Value.MariaDbHost, options.Value.MariaDbPort));

    public IDatabaseProvider For(DatabaseEngine engine) => engine == DatabaseEngine.PostgreSql ? _postgres.Value : _mariadb.Value;
}

/// <summary>Customer databases of the current tenant, for staff now and the client area later: create (a generated
/// password shown once), reset the password, measure sizes, drop. Names are validated by <see cref="DatabaseNames"/>
/// and unique per engine across tenants (one shared server).</summary>
public sealed class DatabasesService(TenantScopeFactory scopes, TimeProvider clock, DatabaseProviders providers, IDataProtectionProvider protection)
{
    private IDataProtector Passwords => protection.CreateProtector("MPanel.Databases.Passwords.v1");

    public async Task<Paged<DatabaseRow>> ListAsync(PageQuery page, Guid? customerId = null, Guid? subscriptionId = null, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var db = scope.Db;
        var q = db.CustomerDatabases.AsNoTracking();
        if (customerId is { } cid) q = q.Where(d => d.CustomerId == cid);
        if (subscriptionId is { } sid) q = q.Where(d => d.SubscriptionId == sid);
        if (page.SearchTerm is { } term) q = q.Where(d => EF.Functions.ILike(d.Name, PagingExtensions.LikePattern(term)));
        var total = await q.CountAsync(ct);
        var rows = await (from d in q
                          join c in db.Customers on d.CustomerId equals c.Id
                          orderby d.CreatedAt descending
                          select new DatabaseRow(d.Id, d.CustomerId, c.FirstName + " " + c.LastName, d.SubscriptionId, d.Engine, d.Name, d.UserName,
                              d.SizeBytes, d.SizeMeasuredAt, d.CreatedAt, d.PasswordChangedAt)).Page(page).ToListAsync(ct);
        return new Paged<DatabaseRow>(rows, total);
    }

    public async Task<DatabaseCredentials> CreateAsync(NewDatabase request, CancellationToken ct = default)
    {
        var name = request.Name?.Trim().ToLowerInvariant() ?? "";
        new Validator().Require(DatabaseNames.IsValid(name), "name", DatabaseNames.Rule).ThrowIfInvalid();
        await using var scope = scopes.Create();
        var customer = await scope.Db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == request.CustomerId, ct)
            ?? throw ValidationError.For("customerId", "Choose a customer.").ToException();
        return await CreateInScopeAsync(scope, customer.TenantId, customer.Id, request.SubscriptionId, request.Engine, name, name, ct);
    }

    /// <summary>Creates (or, on a re-run, re-ensures with the stored password) one database and its user.</summary>
    internal async Task<DatabaseCredentials> CreateInScopeAsync(TenantScope scope, Guid tenantId, Guid customerId, Guid? subscriptionId, DatabaseEngine engine,
        string name, string user, CancellationToken ct)
    {
        var db = scope.Db;
        var row = await db.CustomerDatabases.FirstOrDefaultAsync(d => d.Engine == engine && d.Name == name, ct);
        string password;
        if (row is null)
        {
            row = CustomerDatabase.Create(tenantId, customerId, subscriptionId, engine, name, user, null, clock.GetUtcNow());
            password = DatabaseNames.NewPassword();
            row.SetPassword(Passwords.Protect(password), clock.GetUtcNow());
            db.CustomerDatabases.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: "23505" })
            {
                throw ValidationError.For("name", "This database or user name is taken.").ToException();
            }
        }
        else
        {
            password = Passwords.Unprotect(row.ProtectedPassword!);
        }
        var provider = providers.For(engine);
        await provider.EnsureAsync(row.Name, row.UserName, password, ct);
        if (await provider.SizeAsync(row.Name, ct) is { } size) row.Measured(size, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return new DatabaseCredentials(row.Id, engine, row.Name, row.UserName, password, provider.CustomerConnectionString(row.Name, row.UserName, password));
    }

    public async Task<DatabaseCredentials> ResetPasswordAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var row = await scope.Db.CustomerDatabases.FirstOrDefaultAsync(d => d.Id == id, ct) ?? throw new NotFoundError("Database", id).ToException();
        var password = DatabaseNames.NewPassword();
        var provider = providers.For(row.Engine);
        await provider.SetPasswordAsync(row.UserName, password, ct);
        row.SetPassword(Passwords.Protect(password), clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        return new DatabaseCredentials(row.Id, row.Engine, row.Name, row.UserName, password, provider.CustomerConnectionString(row.Name, row.UserName, password));
    }

    /// <summary>The stored credentials (staff with services.manage; the end-to-end test uses this to log in as the customer).</summary>
    public async Task<DatabaseCredentials> RevealAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var row = await scope.Db.CustomerDatabases.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) ?? throw new NotFoundError("Database", id).ToException();
        var password = Passwords.Unprotect(row.ProtectedPassword!);
        return new DatabaseCredentials(row.Id, row.Engine, row.Name, row.UserName, password, providers.For(row.Engine).CustomerConnectionString(row.Name, row.UserName, password));
    }

    public async Task<int> RefreshSizesAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var rows = await scope.Db.CustomerDatabases.ToListAsync(ct);
        foreach (var row in rows)
            if (await providers.For(row.Engine).SizeAsync(row.Name, ct) is { } size) row.Measured(size, clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        return rows.Count;
    }

    public async Task DropAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var row = await scope.Db.CustomerDatabases.FirstOrDefaultAsync(d => d.Id == id, ct) ?? throw new NotFoundError("Database", id).ToException();
        await providers.For(row.Engine).DropAsync(row.Name, row.UserName, ct);
        scope.Db.CustomerDatabases.Remove(row);
        await scope.Db.SaveChangesAsync(ct);
    }
}

/// <summary>The product's first databases (one by default, never more than its <see cref="Domain.Billing.ProductResources.Databases"/>
/// quota; named <c>{account}_db</c>, <c>{account}_db2</c>, …) on the default engine. Provision/change plan/unsuspend ensure them, suspend locks the users,
/// terminate drops them; drift is a missing database or user.</summary>
public sealed class DatabaseStep(TenantScopeFactory scopes, DatabasesService databases, DatabaseProviders providers, IOptions<DatabaseEngineOptions> options) : IProvisioningStep
{
    public string Kind => "database";
    public int Order => 30;
    public string Title => "Databases";

    public bool AppliesTo(ProvisioningStepContext context) => context.Resources.Databases > 0;

    private IReadOnlyList<string> Names(ProvisioningStepContext context) => Names(context, options.Value.ProvisionedPerSubscription);

    public static IReadOnlyList<string> Names(ProvisioningStepContext context, int provisioned) =>
        Enumerable.Range(1, Math.Clamp(Math.Min(context.Resources.Databases, provisioned), 0, 100)).Select(i => i == 1 ? $"{context.AccountName}_db" : $"{context.AccountName}_db{i}").ToList();

    public async Task RunAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var existing = await scope.Db.CustomerDatabases.Where(d => d.SubscriptionId == context.SubscriptionId).ToListAsync(ct);
        switch (context.Action)
        {
            case Domain.Billing.ServiceAction.Terminate:
                foreach (var row in existing)
                {
                    await providers.For(row.Engine).DropAsync(row.Name, row.UserName, ct);
                    scope.Db.CustomerDatabases.Remove(row);
                }
                await scope.Db.SaveChangesAsync(ct);
                return;
            case Domain.Billing.ServiceAction.Suspend:
                foreach (var row in existing) await providers.For(row.Engine).SetLoginAsync(row.UserName, false, ct);
                return;
            default:
                var engine = options.Value.DefaultEngine;
                foreach (var name in Names(context))
                {
                    var row = existing.FirstOrDefault(d => d.Name == name);
                    await databases.CreateInScopeAsync(scope, context.TenantId, context.CustomerId, context.SubscriptionId, row?.Engine ?? engine, name, name, ct);
                }
                foreach (var row in existing) await providers.For(row.Engine).SetLoginAsync(row.UserName, true, ct);
                return;
        }
    }

    public async Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var rows = await scope.Db.CustomerDatabases.AsNoTracking().Where(d => d.SubscriptionId == context.SubscriptionId).ToListAsync(ct);
        var drift = new List<ProvisioningDrift>();
        foreach (var name in Names(context).Where(n => rows.All(r => r.Name != n)))
            drift.Add(new ProvisioningDrift(Kind, name, "database recorded", "no record in MPanel"));
        foreach (var row in rows)
        {
            var provider = providers.For(row.Engine);
            if (!await provider.DatabaseExistsAsync(row.Name, ct)) drift.Add(new ProvisioningDrift(Kind, $"{row.Engine}:{row.Name}", "database exists", "missing"));
            if (!await provider.UserExistsAsync(row.UserName, ct)) drift.Add(new ProvisioningDrift(Kind, $"{row.Engine}:user {row.UserName}", "user exists", "missing"));
        }
        return drift;
    }
}
