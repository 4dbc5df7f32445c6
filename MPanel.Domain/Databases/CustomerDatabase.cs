using System.Security.Cryptography;
using MPanel.Domain.Common;

namespace MPanel.Domain.Databases;

public enum DatabaseEngine { PostgreSql, MariaDb }

/// <summary>A customer's database and its one login user. The password is generated (never chosen), shown once, and
/// kept only encrypted (<see cref="ProtectedPassword"/>) so a provisioning re-run can use it.</summary>
public sealed class CustomerDatabase : Entity, ITenantOwned
{
    private CustomerDatabase() { }

    public static CustomerDatabase Create(Guid tenantId, Guid customerId, Guid? subscriptionId, DatabaseEngine engine, string name, string userName,
        Guid? serverId, DateTimeOffset now)
    {
        new Validator()
            .Require(DatabaseNames.IsValid(name), "name", DatabaseNames.Rule)
            .Require(DatabaseNames.IsValid(userName), "userName", DatabaseNames.Rule)
            .ThrowIfInvalid();
        return new CustomerDatabase
        {
            TenantId = tenantId, CustomerId = customerId, SubscriptionId = subscriptionId, Engine = engine, Name = name, UserName = userName,
            ServerId = serverId, CreatedAt = now,
        };
    }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public Guid? SubscriptionId { get; private set; }
    public DatabaseEngine Engine { get; private set; }
    public string Name { get; private set; } = "";
    public string UserName { get; private set; } = "";
    public Guid? ServerId { get; private set; }
    public string? ProtectedPassword { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? PasswordChangedAt { get; private set; }
    public long? SizeBytes { get; private set; }
    public DateTimeOffset? SizeMeasuredAt { get; private set; }

    public void SetPassword(string protectedPassword, DateTimeOffset now)
    {
        ProtectedPassword = protectedPassword;
        PasswordChangedAt = now;
    }

    public void Measured(long bytes, DateTimeOffset now)
    {
        SizeBytes = bytes;
        SizeMeasuredAt = now;
    }
}

/// <summary>Database and user names: lower-case letters, digits and underscores, starting with a letter, at most 32
/// characters (MariaDB's user limit is 80, PostgreSQL's identifiers 63). Validated here and quoted again where used.</summary>
public static class DatabaseNames
{
    public const string Rule = "Use 1–32 lower-case letters, digits or underscores, starting with a letter.";

    public static bool IsValid(string? value) =>
        value is { Length: >= 1 and <= 32 } && char.IsAsciiLetterLower(value[0])
        && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    /// <summary>24 characters from a 62-letter alphabet (about 143 bits), no quotes or backslashes.</summary>
    public static string NewPassword(int length = 24)
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, Math.Max(20, length));
    }
}

/// <summary>Administers customer databases on one engine's server. Names arrive validated by <see cref="DatabaseNames"/>
/// and are quoted again as identifiers; passwords are sent as literals the driver escapes. Every method is idempotent.</summary>
public interface IDatabaseProvider
{
    DatabaseEngine Engine { get; }
    /// <summary>Creates (or updates the password of) the login user and creates its database owned by / granted to it only.</summary>
    Task EnsureAsync(string database, string user, string password, CancellationToken ct);
    Task SetPasswordAsync(string user, string password, CancellationToken ct);
    /// <summary>Suspend (false) or restore (true) the user's ability to log in; the data stays.</summary>
    Task SetLoginAsync(string user, bool enabled, CancellationToken ct);
    /// <summary>Drops the database and its user; missing ones are fine.</summary>
    Task DropAsync(string database, string user, CancellationToken ct);
    Task<bool> DatabaseExistsAsync(string database, CancellationToken ct);
    Task<bool> UserExistsAsync(string user, CancellationToken ct);
    Task<long?> SizeAsync(string database, CancellationToken ct);
    /// <summary>A connection string a customer would use (host, port, database, user, password).</summary>
    string CustomerConnectionString(string database, string user, string password);
}
