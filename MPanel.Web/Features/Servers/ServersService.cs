using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Servers;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Servers;

public sealed record ServerDetails(string Name, string Host, ServerRoles Roles, int Capacity);

public sealed record ServerConnectionInput(ServerRoles Role, string Endpoint, string? UserName, string? Secret);

public sealed record ServerConnectionView(ServerRoles Role, string Endpoint, string? UserName, bool HasSecret);

public sealed record ServerRow(Guid Id, string Name, string Host, ServerRoles Roles, int Capacity, int Accounts, ServerStatus Status);

public sealed record ServerView(Guid Id, string Name, string Host, ServerRoles Roles, int Capacity, int Accounts, ServerStatus Status,
    IReadOnlyList<ServerConnectionView> Connections, IReadOnlyList<ServerDriftSummary> DriftHistory, DateTimeOffset CreatedAt);

/// <summary>A probe of one role's endpoint, shown on the server page.</summary>
public sealed record ServerHealth(ServerRoles Role, string Endpoint, bool Reachable, string Detail);

/// <summary>Server inventory (platform staff): servers are global rows; accounts on each are counted across tenants in
/// an explicit system scope. Connection secrets are encrypted with Data Protection and never leave this service.</summary>
public sealed class ServersService(TenantScopeFactory scopes, TimeProvider clock, IDataProtectionProvider protection, IHttpClientFactory http)
{
    private IDataProtector Secrets => protection.CreateProtector("MPanel.Servers.Secrets.v1");

    public async Task<IReadOnlyList<ServerRow>> ListAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var load = await LoadAsync(scope, ct);
        var servers = await scope.Db.Servers.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
        return servers.Select(s => new ServerRow(s.Id, s.Name, s.Host, s.Roles, s.Capacity, load.GetValueOrDefault(s.Id), s.Status)).ToList();
    }

    public async Task<ServerView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var s = await scope.Db.Servers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct) ?? throw new NotFoundError("Server", id).ToException();
        var load = await LoadAsync(scope, ct);
        var drift = await scope.Db.ServerDriftSummaries.AsNoTracking().Where(d => d.ServerId == id).OrderByDescending(d => d.StartedAt).Take(14).ToListAsync(ct);
        return new ServerView(s.Id, s.Name, s.Host, s.Roles, s.Capacity, load.GetValueOrDefault(s.Id), s.Status,
            s.Connections.OrderBy(c => c.Role).Select(c => new ServerConnectionView(c.Role, c.Endpoint, c.UserName, c.ProtectedSecret is not null)).ToList(),
            drift, s.CreatedAt);
    }

    public async Task<ServerView> CreateAsync(ServerDetails details, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var name = Text.Clean(details.Name);
        if (name is not null && await scope.Db.Servers.AnyAsync(s => s.Name == name, ct))
            throw ValidationError.For("name", "A server with this name exists.").ToException();
        var server = Server.Create(details.Name, details.Host, details.Roles, details.Capacity, clock.GetUtcNow());
        scope.Db.Servers.Add(server);
        await scope.Db.SaveChangesAsync(ct);
        return await GetAsync(server.Id, ct);
    }

    public async Task<ServerView> UpdateAsync(Guid id, ServerDetails details, ServerStatus status, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var server = await scope.Db.Servers.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundError("Server", id).ToException();
        server.Update(details.Name, details.Host, details.Roles, details.Capacity);
        server.SetStatus(status);
        await scope.Db.SaveChangesAsync(ct);
        return await GetAsync(id, ct);
    }

    public async Task<ServerView> SetConnectionAsync(Guid id, ServerConnectionInput input, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var server = await scope.Db.Servers.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundError("Server", id).ToException();
        server.SetConnection(input.Role, input.Endpoint, input.UserName, string.IsNullOrEmpty(input.Secret) ? null : Secrets.Protect(input.Secret));
        await scope.Db.SaveChangesAsync(ct);
        return await GetAsync(id, ct);
    }

    /// <summary>For adapters (agent client, PowerDNS, database admin): a role's endpoint with its secret decrypted.</summary>
    public async Task<(string Endpoint, string? UserName, string? Secret)?> ConnectionAsync(Guid serverId, ServerRoles role, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var server = await scope.Db.Servers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == serverId, ct);
        var c = server?.ConnectionFor(role);
        return c is null ? null : (c.Endpoint, c.UserName, c.ProtectedSecret is { } p ? Secrets.Unprotect(p) : null);
    }

    /// <summary>Health: each role's endpoint is probed (HTTP GET for URLs — the agent's <c>/metrics</c> for web — or a
    /// TCP connect for host:port). Until the agent client lands, the web role shows what its endpoint answers.</summary>
    public async Task<IReadOnlyList<ServerHealth>> HealthAsync(Guid id, CancellationToken ct = default)
    {
        var server = await GetAsync(id, ct);
        var results = new List<ServerHealth>();
        foreach (var c in server.Connections)
            results.Add(await ProbeAsync(c, ct));
        return results;
    }

    private async Task<ServerHealth> ProbeAsync(ServerConnectionView c, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            if (Uri.TryCreate(c.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                var target = c.Role == ServerRoles.Web ? new Uri(uri, "/metrics") : uri;
                using var response = await http.CreateClient("servers-health").GetAsync(target, timeout.Token);
                return new ServerHealth(c.Role, c.Endpoint, true, $"HTTP {(int)response.StatusCode} from {target.AbsolutePath}");
            }
            var (host, port) = SplitHostPort(c.Endpoint);
            if (port is null) return new ServerHealth(c.Role, c.Endpoint, false, "Configured (no port to probe)");
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(host, port.Value, timeout.Token);
            return new ServerHealth(c.Role, c.Endpoint, true, $"TCP {port} open");
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return new ServerHealth(c.Role, c.Endpoint, false, ex is OperationCanceledException ? "No answer within 3 s" : ex.Message);
        }
    }

    private static (string Host, int? Port) SplitHostPort(string endpoint)
    {
        var i = endpoint.LastIndexOf(':');
        return i > 0 && int.TryParse(endpoint[(i + 1)..], out var port) ? (endpoint[..i], port) : (endpoint, null);
    }

    private static async Task<Dictionary<Guid, int>> LoadAsync(TenantScope scope, CancellationToken ct)
    {
        using var _ = scope.Get<CrossTenantAccess>().BeginSystem();
        return await scope.Db.HostingAccounts.Where(a => a.ServerId != null).GroupBy(a => a.ServerId!.Value)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
    }
}

/// <summary>Chooses the server for a new hosting account: the least loaded active server with the role (accounts per
/// capacity, across all tenants), skipping full ones. None configured: null (dev without an inventory).</summary>
public sealed class ServerPlacement
{
    public static ServerRoles RoleFor(ProductResources r) =>
        r.Sites > 0 ? ServerRoles.Web : r.Databases > 0 ? ServerRoles.Database : r.Mailboxes > 0 ? ServerRoles.Mail : ServerRoles.Dns;

    public async Task<Server?> ChooseAsync(TenantScope scope, ServerRoles role, CancellationToken ct)
    {
        var db = scope.Db;
        var candidates = (await db.Servers.AsNoTracking().Where(s => s.Status == ServerStatus.Active).ToListAsync(ct)).Where(s => s.Has(role)).ToList();
        if (candidates.Count == 0) return null;
        Dictionary<Guid, int> load;
        using (scope.Get<CrossTenantAccess>().BeginSystem())
        {
            var ids = candidates.Select(c => c.Id).ToList();
            load = await db.HostingAccounts.Where(a => a.ServerId != null && ids.Contains(a.ServerId.Value)).GroupBy(a => a.ServerId!.Value)
                .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        }
        return candidates.Where(s => load.GetValueOrDefault(s.Id) < s.Capacity)
            .OrderBy(s => (double)load.GetValueOrDefault(s.Id) / s.Capacity).ThenBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault();
    }
}
