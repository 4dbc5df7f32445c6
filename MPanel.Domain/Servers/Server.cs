using MPanel.Domain.Common;

namespace MPanel.Domain.Servers;

[Flags]
public enum ServerRoles { None = 0, Web = 1, Dns = 2, Database = 4, Mail = 8 }

public enum ServerStatus { Active, Maintenance, Retired }

/// <summary>How MPanel reaches one role's service on a server (agent URL, PowerDNS API, database admin…).
/// <see cref="ProtectedSecret"/> is encrypted with ASP.NET Data Protection; the plain secret never reaches the database.</summary>
public sealed record ServerConnection(ServerRoles Role, string Endpoint, string? UserName, string? ProtectedSecret);

/// <summary>A machine that hosts customers' services. Servers are platform infrastructure shared by every tenant (a
/// reseller's customers live on the platform's servers), so they are global rows guarded by the <c>servers.*</c>
/// permissions, which only platform staff hold; a tenant-owned row would hide them from the other tenants'
/// provisioning jobs that must place accounts on them.</summary>
public sealed class Server : Entity, IGlobalEntity, IVersioned
{
    private Server() { }

    public static Server Create(string name, string host, ServerRoles roles, int capacity, DateTimeOffset now)
    {
        var server = new Server { CreatedAt = now, Status = ServerStatus.Active };
        server.Update(name, host, roles, capacity);
        return server;
    }

    public string Name { get; private set; } = "";
    public string Host { get; private set; } = "";
    public ServerRoles Roles { get; private set; }
    /// <summary>How many hosting accounts the server takes.</summary>
    public int Capacity { get; private set; }
    public ServerStatus Status { get; private set; }
    public List<ServerConnection> Connections { get; private set; } = [];
    public DateTimeOffset CreatedAt { get; private set; }
    public uint Version { get; private set; }

    public bool Has(ServerRoles role) => (Roles & role) == role;

    public void Update(string name, string host, ServerRoles roles, int capacity)
    {
        var cleanName = Text.Clean(name);
        var cleanHost = host?.Trim().ToLowerInvariant();
        new Validator()
            .Require(cleanName is { Length: <= 120 }, "name", "Give the server a name (at most 120 characters).")
            .Require(cleanHost is { Length: > 0 and <= 253 } && (System.Net.IPAddress.TryParse(cleanHost, out _) || Provisioning.HostingNames.TryNormalizeDomain(cleanHost) is not null || cleanHost == "localhost"),
                "host", "Enter a host name or IP address.")
            .Require(roles != ServerRoles.None && (roles & ~(ServerRoles.Web | ServerRoles.Dns | ServerRoles.Database | ServerRoles.Mail)) == 0, "roles", "Choose at least one role.")
            .Require(capacity is >= 1 and <= 100_000, "capacity", "Capacity is between 1 and 100,000 accounts.")
            .ThrowIfInvalid();
        Name = cleanName!;
        Host = cleanHost!;
        Roles = roles;
        Capacity = capacity;
    }

    public void SetStatus(ServerStatus status) => Status = status;

    /// <summary>Sets one role's connection; a null <paramref name="protectedSecret"/> keeps the stored one.</summary>
    public void SetConnection(ServerRoles role, string endpoint, string? userName, string? protectedSecret)
    {
        new Validator()
            .Require(role is ServerRoles.Web or ServerRoles.Dns or ServerRoles.Database or ServerRoles.Mail, "role", "Choose one role.")
            .Require(!string.IsNullOrWhiteSpace(endpoint) && endpoint.Length <= 500, "endpoint", "Enter the endpoint (at most 500 characters).")
            .ThrowIfInvalid();
        var existing = Connections.FirstOrDefault(c => c.Role == role);
        var secret = protectedSecret ?? existing?.ProtectedSecret;
        Connections = [.. Connections.Where(c => c.Role != role), new ServerConnection(role, endpoint.Trim(), Text.Clean(userName), secret)];
    }

    public ServerConnection? ConnectionFor(ServerRoles role) => Connections.FirstOrDefault(c => c.Role == role);
}
