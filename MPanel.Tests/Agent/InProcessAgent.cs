using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using MPanel.Agent;
using MPanel.Domain.Agent;
using MPanel.Infrastructure.Agent;

namespace MPanel.Tests.Agent;

/// <summary>MPanel.Agent in-process on a test server, with every folder it writes to (data, homes, nginx config, pools)
/// under one temporary directory, and a private nginx.conf that <c>nginx -t</c> checks (nothing is served or reloaded:
/// there is no pid file). Runs as root like the real agent: accounts are real system users, removed at the end.</summary>
public sealed class InProcessAgent : IAsyncLifetime
{
    public const string Secret = "in-process-test-secret-0123456789";

    private WebApplication? _app;
    private readonly List<string> _accounts = [];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mpanel-agent-" + Guid.NewGuid().ToString("N")[..8]);
    public string DataDir => Path.Combine(Root, "data");
    public string SitesRoot => Path.Combine(Root, "sites");
    public string NginxDir => Path.Combine(Root, "nginx");
    public string NginxSites => Path.Combine(NginxDir, "sites");
    /// <summary>Included by nginx.conf after the sites: a test breaks the config by writing here.</summary>
    public string NginxExtra => Path.Combine(NginxDir, "extra", "extra.conf");
    public string PhpDir => Path.Combine(Root, "php-fpm");
    public string StateFile => Path.Combine(DataDir, "state.json");

    public HttpClient Http { get; private set; } = null!;
    public AgentClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(NginxSites);
        Directory.CreateDirectory(Path.GetDirectoryName(NginxExtra)!);
        await File.WriteAllTextAsync(NginxExtra, "# fine\n");
        await File.WriteAllTextAsync(Path.Combine(NginxDir, "nginx.conf"), $$"""
            user www-data;
            pid {{NginxDir}}/nginx.pid;
            error_log {{NginxDir}}/error.log;
            events { worker_connections 64; }
            http {
                include {{NginxSites}}/*.conf;
                include {{NginxDir}}/extra/*.conf;
            }
            """);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["Secret"] = Secret, ["DataDir"] = DataDir, ["SitesRoot"] = SitesRoot, ["NginxConfig"] = Path.Combine(NginxDir, "nginx.conf"),
                     ["NginxPrefix"] = NginxDir + "/", ["NginxSitesDir"] = NginxSites, ["NginxPidFile"] = Path.Combine(NginxDir, "nginx.pid"),
                     ["PhpFpmDir"] = PhpDir,
                 })
            builder.Configuration["Agent:" + key] = value;
        AgentProgram.Configure(builder);
        _app = builder.Build();
        AgentProgram.Map(_app);
        await _app.StartAsync();
        Http = _app.GetTestClient();
        Client = new AgentClient(Http, Http.BaseAddress!, Secret, TimeProvider.System);
    }

    /// <summary>A fresh account name, removed from the host when the fixture ends.</summary>
    public string NewAccount()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..10];
        _accounts.Add(name);
        return name;
    }

    /// <summary>Every file under the fixture's folders (relative), for "nothing was written" assertions.</summary>
    public IReadOnlyList<string> Files() =>
        Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Root, p)).Order().ToList();

    public async Task DisposeAsync()
    {
        // Accounts owned by a tenant in the state file go through the agent; stragglers are removed directly.
        foreach (var account in _accounts)
        {
            try
            {
                var state = File.Exists(StateFile) ? await File.ReadAllTextAsync(StateFile) : "";
                var tenant = System.Text.RegularExpressions.Regex.Match(state, $"\"{account}\":\\s*{{\\s*\"tenantId\":\\s*\"([0-9a-f-]+)\"").Groups[1].Value;
                if (Guid.TryParse(tenant, out var t)) await Client.DeleteAccountAsync(new AccountRequest(t, account));
            }
            catch (AgentCallException) { }
            using var userdel = System.Diagnostics.Process.Start("userdel", ["--", account]);
            await userdel.WaitForExitAsync();
        }
        if (_app is not null) await _app.DisposeAsync();
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
