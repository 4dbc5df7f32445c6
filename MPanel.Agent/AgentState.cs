using System.Text.Json;
using System.Text.Json.Serialization;
using MPanel.Domain.Agent;

namespace MPanel.Agent;

public sealed class SiteState
{
    public List<string> Aliases { get; set; } = [];
    public SiteKind Kind { get; set; }
    public string? PhpVersion { get; set; }
    public bool Suspended { get; set; }
    public bool Https { get; set; }

    public SiteState Clone() => new() { Aliases = [.. Aliases], Kind = Kind, PhpVersion = PhpVersion, Suspended = Suspended, Https = Https };
}

public sealed class AccountState
{
    public Guid TenantId { get; set; }
    public int QuotaMb { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Sites by primary domain.</summary>
    public Dictionary<string, SiteState> Sites { get; set; } = new(StringComparer.Ordinal);
}

public sealed class AgentStateData
{
    public Dictionary<string, AccountState> Accounts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The agent's own record of which tenant owns which account and what each site should be: a small JSON file
/// under the data dir, written atomically (root-only). Every mutation runs under <see cref="LockAsync"/>.</summary>
public sealed class AgentState
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly string _path;

    public AgentState(AgentOptions options)
    {
        _path = Path.Combine(options.DataDir, "state.json");
        Data = File.Exists(_path)
            ? JsonSerializer.Deserialize<AgentStateData>(File.ReadAllText(_path), Json) ?? new AgentStateData()
            : new AgentStateData();
    }

    public AgentStateData Data { get; }

    public async Task<IDisposable> LockAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        return new Releaser(_lock);
    }

    public void Save() =>
        FileTransaction.AtomicWrite(_path, JsonSerializer.SerializeToUtf8Bytes(Data, Json), UnixFileMode.UserRead | UnixFileMode.UserWrite);

    /// <summary>The account that serves a domain (as primary or alias), if any.</summary>
    public (string Account, string Primary)? FindDomain(string domain)
    {
        foreach (var (account, a) in Data.Accounts)
            foreach (var (primary, site) in a.Sites)
                if (primary == domain || site.Aliases.Contains(domain)) return (account, primary);
        return null;
    }

    private sealed class Releaser(SemaphoreSlim s) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) s.Release();
        }
    }
}
