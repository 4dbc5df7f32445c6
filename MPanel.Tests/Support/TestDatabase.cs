using Microsoft.EntityFrameworkCore;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using Npgsql;

namespace MPanel.Tests.Support;

/// <summary>The real PostgreSQL that scripts/test starts. Once per test run a template database is migrated
/// (EF migrations and Hangfire's schema); each test class then gets its own database, copied from the template
/// in a few milliseconds with CREATE DATABASE … TEMPLATE.</summary>
public static class TestDatabase
{
    public static readonly string AdminConnectionString =
        Environment.GetEnvironmentVariable("MPANEL_TEST_PG")
        ?? "Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres;Database=postgres";

    private static readonly string RunId = $"{DateTime.UtcNow:MMddHHmmss}_{Environment.ProcessId}";
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? _template;

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true, MaxPoolSize = 20 }.ConnectionString;

    /// <summary>Creates a fresh, migrated database and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string purpose)
    {
        var template = await EnsureTemplateAsync();
        var name = $"mpt_{RunId}_{Sanitize(purpose)}_{Guid.NewGuid().ToString("N")[..6]}";
        await ExecuteAdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return ConnectionStringFor(name);
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await ExecuteAdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static async Task<string> EnsureTemplateAsync()
    {
        if (_template is not null) return _template;
        await TemplateLock.WaitAsync();
        try
        {
            if (_template is not null) return _template;
            await DropStaleAsync();
            var name = $"mpt_{RunId}_template";
            await ExecuteAdminAsync($"CREATE DATABASE \"{name}\"");
            var cs = ConnectionStringFor(name);
            var options = new DbContextOptionsBuilder<MPanelDbContext>()
                .UseNpgsql(cs, o => o.MigrationsHistoryTable("__ef_migrations_history"))
                .UseSnakeCaseNamingConvention().Options;
            await using (var db = new MPanelDbContext(options, new CurrentTenant()))
            {
                await db.Database.MigrateAsync();
            }
            await using (var connection = new NpgsqlConnection(cs))
            {
                await connection.OpenAsync();
                Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, "hangfire");
            }
            NpgsqlConnection.ClearAllPools();
            _template = name;
            return name;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    /// <summary>Databases left by earlier runs that were killed before they could clean up.</summary>
    private static async Task DropStaleAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        var stale = new List<string>();
        await using (var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'mpt\\_%'", connection))
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                // mpt_<time>_<pid>_…: only databases whose test process has ended.
                var parts = reader.GetString(0).Split('_');
                if (parts.Length > 2 && int.TryParse(parts[2], out var pid) && !Directory.Exists($"/proc/{pid}"))
                    stale.Add(reader.GetString(0));
            }
        }
        foreach (var name in stale)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Sanitize(string s) =>
        new string(s.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(20).ToArray());
}
