using Microsoft.Extensions.Configuration;
using MPanel.Domain.Databases;
using MySqlConnector;
using Npgsql;

namespace MPanel.Infrastructure.Databases;

public sealed class CustomerDatabasesOptions
{
    public const string Section = "CustomerDatabases";
    /// <summary>An Npgsql connection string of a role that may create roles and databases. Defaults to the main
    /// connection's server (database <c>postgres</c>), which is what dev and tests use.</summary>
    public string? PostgresAdmin { get; set; }
    /// <summary>A MySqlConnector connection string for the MariaDB admin, e.g. <c>Server=/path/mysqld.sock;Protocol=Unix;User ID=root</c>.</summary>
    public string? MariaDbAdmin { get; set; }
    /// <summary>Where customers connect to MariaDB.</summary>
    public string MariaDbHost { get; set; } = "127.0.0.1";
    public int MariaDbPort { get; set; } = 53306;

    public string PostgresAdminConnection(IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(PostgresAdmin)) return PostgresAdmin;
        var main = configuration.GetConnectionString("Default") ?? throw new InvalidOperationException("CustomerDatabases:PostgresAdmin is not configured.");
        return new NpgsqlConnectionStringBuilder(main) { Database = "postgres", Pooling = true, MaxPoolSize = 10 }.ConnectionString;
    }
}

/// <summary>Customer databases on PostgreSQL: one LOGIN role per database (no superuser, no createdb, no createrole),
/// the database owned by it, CONNECT revoked from PUBLIC. Statements are built by the server's own <c>format(%I, %L)</c>
/// from parameters, so no user input is concatenated into SQL.</summary>
public sealed class PostgresDatabaseProvider(string adminConnectionString) : IDatabaseProvider
{
    public DatabaseEngine Engine => DatabaseEngine.PostgreSql;

    public async Task EnsureAsync(string database, string user, string password, CancellationToken ct)
    {
        Check(database, user);
        await using var conn = await OpenAsync(ct);
        if (!await ExistsAsync(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", user, ct))
            await ExecFormattedAsync(conn, "CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT 50 PASSWORD %L", [user, password], ct, "42710");
        else
            await ExecFormattedAsync(conn, "ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L", [user, password], ct);
        if (!await ExistsAsync(conn, "SELECT 1 FROM pg_database WHERE datname = $1", database, ct))
            await ExecFormattedAsync(conn, "CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING 'UTF8'", [database, user], ct, "42P04");
        await ExecFormattedAsync(conn, "ALTER DATABASE %I OWNER TO %I", [database, user], ct);
        await ExecFormattedAsync(conn, "REVOKE ALL ON DATABASE %I FROM PUBLIC", [database], ct);
        await ExecFormattedAsync(conn, "GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I", [database, user], ct);
    }

    public async Task SetPasswordAsync(string user, string password, CancellationToken ct)
    {
        Check(user, user);
        await using var conn = await OpenAsync(ct);
        await ExecFormattedAsync(conn, "ALTER ROLE %I PASSWORD %L", [user, password], ct);
    }

    public async Task SetLoginAsync(string user, bool enabled, CancellationToken ct)
    {
        Check(user, user);
        await using var conn = await OpenAsync(ct);
        if (!await ExistsAsync(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", user, ct)) return;
        await ExecFormattedAsync(conn, enabled ? "ALTER ROLE %I LOGIN" : "ALTER ROLE %I NOLOGIN", [user], ct);
    }

    public async Task DropAsync(string database, string user, CancellationToken ct)
    {
        Check(database, user);
        await using var conn = await OpenAsync(ct);
        await ExecFormattedAsync(conn, "DROP DATABASE IF EXISTS %I WITH (FORCE)", [database], ct);
        await ExecFormattedAsync(conn, "DROP ROLE IF EXISTS %I", [user], ct);
    }

    public async Task<bool> DatabaseExistsAsync(string database, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        return await ExistsAsync(conn, "SELECT 1 FROM pg_database WHERE datname = $1", database, ct);
    }

    public async Task<bool> UserExistsAsync(string user, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        return await ExistsAsync(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", user, ct);
    }

    public async Task<long?> SizeAsync(string database, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_database_size(datname) FROM pg_database WHERE datname = $1", conn) { Parameters = { new() { Value = database } } };
        return await cmd.ExecuteScalarAsync(ct) is long size ? size : null;
    }

    public string CustomerConnectionString(string database, string user, string password)
    {
        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString);
        return new NpgsqlConnectionStringBuilder { Host = admin.Host, Port = admin.Port, Database = database, Username = user, Password = password }.ConnectionString;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new NpgsqlConnection(adminConnectionString);
        await conn.OpenAsync(ct);
        return conn;
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection conn, string sql, string value, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { Parameters = { new() { Value = value } } };
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Asks the server to build the statement with <c>format()</c> (identifiers quoted with %I, literals with %L),
    /// then runs it. <paramref name="ignoreSqlState"/> tolerates a concurrent creator winning the race.</summary>
    private static async Task ExecFormattedAsync(NpgsqlConnection conn, string template, string[] args, CancellationToken ct, string? ignoreSqlState = null)
    {
        var placeholders = string.Join(", ", args.Select((_, i) => $"${i + 2}"));
        await using var build = new NpgsqlCommand($"SELECT format($1, {placeholders})", conn);
        build.Parameters.Add(new() { Value = template });
        foreach (var a in args) build.Parameters.Add(new() { Value = a });
        var sql = (string)(await build.ExecuteScalarAsync(ct))!;
        try
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == ignoreSqlState || ex.SqlState == "23505" && ignoreSqlState is not null)
        {
        }
    }

    private static void Check(string database, string user)
    {
        if (!DatabaseNames.IsValid(database) || !DatabaseNames.IsValid(user)) throw new ArgumentException("Invalid database or user name.");
    }
}

/// <summary>Customer databases on MariaDB: <c>CREATE USER 'x'@'%'</c> with a generated password and
/// <c>GRANT ALL ON `db`.*</c> only. Identifiers are validated and back-quoted; passwords and names in comparisons are
/// parameters.</summary>
public sealed class MariaDbDatabaseProvider(string adminConnectionString, string publicHost, int publicPort) : IDatabaseProvider
{
    public DatabaseEngine Engine => DatabaseEngine.MariaDb;

    public async Task EnsureAsync(string database, string user, string password, CancellationToken ct)
    {
        Check(database, user);
        await using var conn = await OpenAsync(ct);
        await ExecAsync(conn, $"CREATE USER IF NOT EXISTS {Account(user)} IDENTIFIED BY @pw", ct, ("@pw", password));
        await ExecAsync(conn, $"ALTER USER {Account(user)} IDENTIFIED BY @pw", ct, ("@pw", password));
        await ExecAsync(conn, $"CREATE DATABASE IF NOT EXISTS {Ident(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", ct);
        await ExecAsync(conn, $"GRANT ALL PRIVILEGES ON {Ident(database)}.* TO {Account(user)}", ct);
    }

    public async Task SetPasswordAsync(string user, string password, CancellationToken ct)
    {
        Check(user, user);
        await using var conn = await OpenAsync(ct);
        await ExecAsync(conn, $"ALTER USER {Account(user)} IDENTIFIED BY @pw", ct, ("@pw", password));
    }

    public async Task SetLoginAsync(string user, bool enabled, CancellationToken ct)
    {
        Check(user, user);
        await using var conn = await OpenAsync(ct);
        if (await ScalarAsync(conn, "SELECT 1 FROM mysql.user WHERE User = @n AND Host = '%'", ct, ("@n", user)) is null) return;
        await ExecAsync(conn, $"ALTER USER {Account(user)} ACCOUNT {(enabled ? "UNLOCK" : "LOCK")}", ct);
    }

    public async Task DropAsync(string database, string user, CancellationToken ct)
    {
        Check(database, user);
        await using var conn = await OpenAsync(ct);
        await ExecAsync(conn, $"DROP DATABASE IF EXISTS {Ident(database)}", ct);
        await ExecAsync(conn, $"DROP USER IF EXISTS {Account(user)}", ct);
    }

    public async Task<bool> DatabaseExistsAsync(string database, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        return await ScalarAsync(conn, "SELECT 1 FROM information_schema.schemata WHERE schema_name = @n", ct, ("@n", database)) is not null;
    }

    public async Task<bool> UserExistsAsync(string user, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        return await ScalarAsync(conn, "SELECT 1 FROM mysql.user WHERE User = @n AND Host = '%'", ct, ("@n", user)) is not null;
    }

    public async Task<long?> SizeAsync(string database, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        if (await ScalarAsync(conn, "SELECT 1 FROM information_schema.schemata WHERE schema_name = @n", ct, ("@n", database)) is null) return null;
        var size = await ScalarAsync(conn, "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = @n", ct, ("@n", database));
        return Convert.ToInt64(size, System.Globalization.CultureInfo.InvariantCulture);
    }

    public string CustomerConnectionString(string database, string user, string password) =>
        new MySqlConnectionStringBuilder { Server = publicHost, Port = (uint)publicPort, Database = database, UserID = user, Password = password }.ConnectionString;

    private async Task<MySqlConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new MySqlConnection(adminConnectionString);
        await conn.OpenAsync(ct);
        return conn;
    }

    private static string Ident(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    private static string Account(string user) => "'" + user.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'@'%'";

    private static async Task ExecAsync(MySqlConnection conn, string sql, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var cmd = new MySqlCommand(sql, conn);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(MySqlConnection conn, string sql, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var cmd = new MySqlCommand(sql, conn);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        return await cmd.ExecuteScalarAsync(ct);
    }

    private static void Check(string database, string user)
    {
        if (!DatabaseNames.IsValid(database) || !DatabaseNames.IsValid(user)) throw new ArgumentException("Invalid database or user name.");
    }
}
