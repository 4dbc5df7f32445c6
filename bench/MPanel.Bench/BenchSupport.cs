// What every bench mode shares: a fresh database per run, numeric command-line options, and a reseller shop under the platform.
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using Npgsql;

internal static class BenchSupport
{
    /// <summary>Drops and creates <paramref name="database"/> on the server; returns its connection string.</summary>
    public static async Task<string> CreateFreshDatabaseAsync(string serverConnectionString, string database)
    {
        var admin = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres" };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;
    }

    /// <summary><c>--name N</c> from the arguments, or <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;

    /// <summary>A reseller tenant under the platform tenant, created in a system scope; returns its id.</summary>
    public static async Task<Guid> CreateShopAsync(IServiceProvider services, string name, string slug, DateTimeOffset now)
    {
        await using var system = services.CreateAsyncScope();
        var db = system.ServiceProvider.GetRequiredService<MPanelDbContext>();
        using var _ = system.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
        var platform = await db.Tenants.SingleAsync(t => t.Kind == TenantKind.Platform);
        var tenant = Tenant.CreateReseller(platform, name, slug, "EUR", now);
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync();
        return tenant.Id;
    }
}
