using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Databases;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Databases;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Provisioning;
using MPanel.Web.Features.Subscriptions;
using MySqlConnector;
using Npgsql;
using Xunit;

namespace MPanel.Tests.Features.Databases;

/// <summary>Customer databases on the real PostgreSQL cluster (127.0.0.1:55432) and the real MariaDB (127.0.0.1:53306,
/// admin over its unix socket): least privilege, isolation between customers, password reset, drop on terminate.</summary>
public sealed class CustomerDatabasesTests(CustomerDatabasesTests.Factory factory) : IClassFixture<CustomerDatabasesTests.Factory>
{
    public sealed class Factory : MPanelFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("CustomerDatabases:MariaDbAdmin", $"Server={MariaDbSocket()};Protocol=Unix;User ID=root");
            builder.UseSetting("CustomerDatabases:DefaultEngine", "MariaDb");
        }

        /// <summary>MPANEL_TEST_MARIADB_SOCKET (scripts/test sets it), else the checkout's .data/mariadb socket.</summary>
        public static string MariaDbSocket()
        {
            if (Environment.GetEnvironmentVariable("MPANEL_TEST_MARIADB_SOCKET") is { Length: > 0 } env) return env;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ".data", "mariadb", "run", "mysqld.sock");
                if (File.Exists(candidate)) return candidate;
            }
            throw new InvalidOperationException("MariaDB is not running: start it with scripts/test (start_mariadb in scripts/lib/mariadb.sh) or set MPANEL_TEST_MARIADB_SOCKET.");
        }
    }

    private async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider);
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private static async Task<bool> CanConnectAsync(DatabaseEngine engine, string connectionString)
    {
        try
        {
            if (engine == DatabaseEngine.PostgreSql)
            {
                await using var pg = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString);
                await pg.OpenAsync();
                await using var cmd = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS t (id int); INSERT INTO t VALUES (1); SELECT count(*) FROM t", pg);
                return await cmd.ExecuteScalarAsync() is long n && n >= 1;
            }
            await using var my = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 5 }.ConnectionString);
            await my.OpenAsync();
            await using var mcmd = new MySqlCommand("CREATE TABLE IF NOT EXISTS t (id int); INSERT INTO t VALUES (1); SELECT count(*) FROM t", my);
            return Convert.ToInt64(await mcmd.ExecuteScalarAsync()) >= 1;
        }
        catch (Exception ex) when (ex is NpgsqlException or MySqlException)
        {
            return false;
        }
    }

    private static string Swap(DatabaseEngine engine, string connectionString, string database) => engine == DatabaseEngine.PostgreSql
        ? new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString
        : new MySqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    private async Task<string?> PgVerifierAsync(DatabaseEngine engine, string role)
    {
        if (engine != DatabaseEngine.PostgreSql) return null;
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(factory.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT rolpassword FROM pg_authid WHERE rolname = $1", admin) { Parameters = { new() { Value = role } } };
        var v = (string?)await cmd.ExecuteScalarAsync();
        Assert.StartsWith("SCRAM-SHA-256$", v);
        return v;
    }

    [Theory]
    [InlineData(DatabaseEngine.PostgreSql)]
    [InlineData(DatabaseEngine.MariaDb)]
    public async Task CustomerCredentials_OpenTheirOwnDatabase_AndAreRefusedOnAnotherCustomers(DatabaseEngine engine)
    {
        var tenant = await factory.CreateResellerAsync(Unique("db-"));
        var alice = await factory.CreateCustomerAsync(tenant.Id, "Alice", "Db");
        var bob = await factory.CreateCustomerAsync(tenant.Id, "Bob", "Db");
        var (a, b) = await InTenantAsync(tenant.Id, async sp =>
        {
            var service = sp.GetRequiredService<DatabasesService>();
            return (await service.CreateAsync(new NewDatabase(alice.Id, engine, Unique("a_"))), await service.CreateAsync(new NewDatabase(bob.Id, engine, Unique("b_"))));
        });

        Assert.True(a.Password.Length >= 20);
        Assert.True(await CanConnectAsync(engine, a.ConnectionString), "Alice opens her own database");
        Assert.True(await CanConnectAsync(engine, b.ConnectionString), "Bob opens his own database");
        Assert.False(await CanConnectAsync(engine, Swap(engine, a.ConnectionString, b.Name)), "Alice is refused on Bob's database");
        Assert.False(await CanConnectAsync(engine, Swap(engine, b.ConnectionString, a.Name)), "Bob is refused on Alice's database");
        // The dev/test PostgreSQL cluster trusts loopback logins (initdb --auth=trust), so passwords are checked on MariaDB
        // here; on PostgreSQL the role's SCRAM verifier is compared instead.
        if (engine == DatabaseEngine.MariaDb)
            Assert.False(await CanConnectAsync(engine, a.ConnectionString.Replace(a.Password, "wrong-password-000000", StringComparison.Ordinal)));
        var verifier = await PgVerifierAsync(engine, a.UserName);

        // Least privilege: no superuser or role/database creation.
        if (engine == DatabaseEngine.PostgreSql)
        {
            await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(factory.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls FROM pg_roles WHERE rolname = $1", admin) { Parameters = { new() { Value = a.UserName } } };
            Assert.Equal(false, await cmd.ExecuteScalarAsync());
        }
        else
        {
            await using var my = new MySqlConnection(new MySqlConnectionStringBuilder(a.ConnectionString) { Pooling = false }.ConnectionString);
            await my.OpenAsync();
            await using var cmd = new MySqlCommand("SHOW GRANTS", my);
            var grants = new List<string>();
            await using (var reader = await cmd.ExecuteReaderAsync()) while (await reader.ReadAsync()) grants.Add(reader.GetString(0));
            Assert.Contains(grants, g => g.Contains($"ON `{a.Name}`.*", StringComparison.Ordinal));
            Assert.DoesNotContain(grants, g => g.Contains("ON *.*", StringComparison.Ordinal) && !g.StartsWith("GRANT USAGE", StringComparison.Ordinal));
        }

        // A password reset takes effect at once; the old one stops working.
        var reset = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<DatabasesService>().ResetPasswordAsync(a.Id));
        Assert.NotEqual(a.Password, reset.Password);
        if (engine == DatabaseEngine.MariaDb) Assert.False(await CanConnectAsync(engine, a.ConnectionString));
        else Assert.NotEqual(verifier, await PgVerifierAsync(engine, a.UserName));
        Assert.True(await CanConnectAsync(engine, reset.ConnectionString));

        // Sizes are measured; drop removes the database and the user.
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<DatabasesService>().RefreshSizesAsync());
        var rows = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<DatabasesService>().ListAsync(new PageQuery()));
        Assert.All(rows.Items, r => Assert.NotNull(r.SizeBytes));
        await InTenantAsync(tenant.Id, async sp => { await sp.GetRequiredService<DatabasesService>().DropAsync(b.Id); return 0; });
        var provider = factory.Services.GetRequiredService<DatabaseProviders>().For(engine);
        Assert.False(await provider.DatabaseExistsAsync(b.Name, CancellationToken.None));
        Assert.False(await provider.UserExistsAsync(b.UserName, CancellationToken.None));
        Assert.False(await CanConnectAsync(engine, b.ConnectionString));
    }

    [Theory]
    [InlineData("a`b")]
    [InlineData("x'; drop database mysql; --")]
    [InlineData("has space")]
    [InlineData("1abc")]
    [InlineData("")]
    public async Task UnsafeNames_AreRejectedBeforeReachingTheServer(string name)
    {
        var tenant = await factory.CreateResellerAsync(Unique("dbn-"));
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Eve", "Db");
        var error = await Assert.ThrowsAsync<DomainException>(() => InTenantAsync(tenant.Id, sp =>
            sp.GetRequiredService<DatabasesService>().CreateAsync(new NewDatabase(customer.Id, DatabaseEngine.MariaDb, name))));
        Assert.IsType<ValidationError>(error.Error);
    }

    [Fact]
    public async Task DatabaseStep_CreatesTheProductsDatabases_ReportsDrift_AndDropsThemOnTerminate()
    {
        var tenant = await factory.CreateResellerAsync(Unique("dbs-"));
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Carol", "Db");
        var order = await InTenantAsync(tenant.Id, async sp =>
        {
            var product = await sp.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails("DB Plan", ProductType.SharedHosting, null, [],
                new ProductResources { Databases = 1 }, ProductVisibility.Public, null, ProvisioningPolicy.OnOrder, [new ProductPrice(BillingCycle.Monthly, "EUR", 5m, 0m)], []));
            return await sp.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customer.Id, [new CartLine(product.Id, BillingCycle.Monthly, Domain: "carol.example")]), OrderChannel.Admin);
        });
        var sid = order.Items[0].SubscriptionId;
        var provisioning = (Func<Task<IReadOnlyList<ProvisioningTaskStatus>>>)(() => InTenantAsync(tenant.Id, sp => sp.GetRequiredService<ProvisioningService>().RunPendingAsync(sid)));
        Assert.Equal([ProvisioningTaskStatus.Succeeded], await provisioning());

        var account = await factory.InSystemScopeAsync((_, db) => db.Subscriptions.Where(s => s.Id == sid).Select(s => s.AccountName).SingleAsync());
        var row = await factory.InSystemScopeAsync((_, db) => db.CustomerDatabases.SingleAsync(d => d.SubscriptionId == sid));
        Assert.Equal(($"{account}_db", DatabaseEngine.MariaDb), (row.Name, row.Engine));
        var credentials = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<DatabasesService>().RevealAsync(row.Id));
        Assert.True(await CanConnectAsync(DatabaseEngine.MariaDb, credentials.ConnectionString));

        // Provisioning again changes nothing (same password, no second database).
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<ProvisioningService>().RequestAsync(sid, ProvisioningAction.Provision, "again"));
        await provisioning();
        Assert.Equal(1, await factory.InSystemScopeAsync((_, db) => db.CustomerDatabases.CountAsync(d => d.SubscriptionId == sid)));
        Assert.True(await CanConnectAsync(DatabaseEngine.MariaDb, credentials.ConnectionString));

        // Someone drops the database behind MPanel's back: reconcile sees it, repair brings it back.
        var provider = factory.Services.GetRequiredService<DatabaseProviders>().For(DatabaseEngine.MariaDb);
        await provider.DropAsync(row.Name, row.UserName, CancellationToken.None);
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<ProvisioningService>().RequestAsync(sid, ProvisioningAction.Reconcile, "check"));
        await provisioning();
        var drift = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<ProvisioningService>().DriftAsync(sid));
        Assert.Equal(2, drift.Count(d => d.Kind == "database"));
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<ProvisioningService>().RepairAsync(sid));
        await provisioning();
        Assert.True(await CanConnectAsync(DatabaseEngine.MariaDb, credentials.ConnectionString));

        // Terminate drops database and user.
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<SubscriptionsService>().TerminateAsync(sid, "test"));
        Assert.Equal([ProvisioningTaskStatus.Succeeded], await provisioning());
        Assert.False(await provider.DatabaseExistsAsync(row.Name, CancellationToken.None));
        Assert.False(await provider.UserExistsAsync(row.UserName, CancellationToken.None));
        Assert.Equal(0, await factory.InSystemScopeAsync((_, db) => db.CustomerDatabases.CountAsync(d => d.SubscriptionId == sid)));
    }
}
