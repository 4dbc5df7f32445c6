using System.Text;
using Microsoft.Extensions.Options;
using MPanel.Domain.Agent;

namespace MPanel.Agent;

/// <summary>An expected refusal: answered as JSON <see cref="AgentError"/> with its status code.</summary>
public sealed class AgentException(int status, string code, string message, string? field = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Field { get; } = field;

    public static AgentException Invalid(string field, string message) => new(400, "invalid", message, field);
    public static AgentException Forbidden() => new(403, "forbidden", "This account belongs to another tenant.");
    public static AgentException NotFound(string what) => new(404, "not_found", $"{what} was not found.");
    public static AgentException Conflict(string message) => new(409, "conflict", message);
    public static AgentException ConfigRejected(string what, string output) => new(422, "config_rejected", $"{what} rejected the new configuration; the previous one was restored: {Trim(output)}");
    public static AgentException HostFailure(string message) => new(500, "host_failure", Trim(message));

    private static string Trim(string s) => s.Length > 2000 ? s[..2000] : s;
}

public sealed record SystemUser(string Name, int Uid, int Gid, string Home);

/// <summary>System users and groups through the standard tools (<c>getent</c>, <c>useradd</c>, <c>userdel</c>).</summary>
public sealed class SystemUsers(ProcessRunner runner)
{
    public async Task<SystemUser?> FindAsync(string name, CancellationToken ct)
    {
        var result = await runner.RunAsync("getent", ["passwd", name], ct);
        if (!result.Ok) return null;
        var parts = result.Output.Trim().Split(':');
        return parts.Length >= 7 ? new SystemUser(parts[0], int.Parse(parts[2]), int.Parse(parts[3]), parts[5]) : null;
    }

    public async Task<int> GroupIdAsync(string group, CancellationToken ct)
    {
        var result = await runner.RunAsync("getent", ["group", group], ct);
        var parts = result.Output.Trim().Split(':');
        if (!result.Ok || parts.Length < 3) throw AgentException.HostFailure($"Group {group} does not exist on this host.");
        return int.Parse(parts[2]);
    }

    public async Task<SystemUser> CreateAsync(string name, string home, CancellationToken ct)
    {
        var result = await runner.RunAsync("useradd",
            ["--system", "--user-group", "--home-dir", home, "--no-create-home", "--shell", "/usr/sbin/nologin",
             "--comment", "MPanel hosting account", "--", name], ct);
        if (!result.Ok) throw AgentException.HostFailure($"useradd failed: {result.Combined}");
        return await FindAsync(name, ct) ?? throw AgentException.HostFailure("useradd reported success but the user is missing.");
    }

    /// <summary>Removes the user and its group; waits (bounded) while processes of the user are still exiting.</summary>
    public async Task DeleteAsync(string name, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            if (await FindAsync(name, ct) is null) return;
            var result = await runner.RunAsync("userdel", ["--", name], ct);
            if (result.Ok) return;
            // 8: the user is logged in / has running processes (PHP-FPM workers finishing after a reload).
            if (result.ExitCode != 8 || DateTime.UtcNow > deadline) throw AgentException.HostFailure($"userdel failed: {result.Combined}");
            await runner.RunAsync("pkill", ["-KILL", "-u", name], ct);
            await Task.Delay(200, ct);
        }
    }
}

/// <summary>The private nginx master: <c>nginx -t</c> against its own config, reload by SIGHUP to its pid.</summary>
public sealed class Nginx(IOptions<AgentOptions> options, ProcessRunner runner, ILogger<Nginx> logger)
{
    private AgentOptions O => options.Value;

    public async Task<ProcessResult> TestAsync(CancellationToken ct) =>
        await runner.RunAsync(O.NginxBinary, ["-t", "-q", "-c", O.NginxConfig, "-p", O.NginxPrefix], ct);

    public void Reload()
    {
        if (Posix.ReadPid(O.NginxPidFile) is not { } pid)
        {
            logger.LogInformation("nginx is not running ({PidFile}); the new config applies when it starts", O.NginxPidFile);
            return;
        }
        if (!Posix.Signal(pid, Posix.SigHup)) throw AgentException.HostFailure("Could not signal nginx to reload.");
    }

    public string ServerBlockPath(string primary) => Path.Combine(O.NginxSitesDir, primary + ".conf");
}

/// <summary>PHP-FPM masters, one per installed version, each including its own pool directory.</summary>
public sealed class PhpFpm(IOptions<AgentOptions> options, ProcessRunner runner, ILogger<PhpFpm> logger)
{
    private AgentOptions O => options.Value;

    /// <summary>Versions with a <c>php-fpmX.Y</c> binary, newest first.</summary>
    public IReadOnlyList<string> InstalledVersions() =>
        Directory.Exists(O.PhpBinaryDir)
            ? Directory.EnumerateFiles(O.PhpBinaryDir, "php-fpm*")
                .Select(f => Path.GetFileName(f)["php-fpm".Length..])
                .Where(AgentNames.IsPhpVersion)
                .OrderByDescending(v => Version.Parse(v))
                .ToList()
            : [];

    public string Binary(string version) => Path.Combine(O.PhpBinaryDir, "php-fpm" + version);
    public string MasterConfig(string version) => Path.Combine(O.PhpFpmDir, version, "php-fpm.conf");
    public string PoolPath(string version, string account) => Path.Combine(O.PhpFpmDir, version, "pool.d", account + ".conf");
    public string SocketPath(string version, string account) => Path.Combine(O.DataDir, "run", $"php{version}-{account}.sock");

    public Task<ProcessResult> TestAsync(string version, CancellationToken ct) =>
        runner.RunAsync(Binary(version), ["-t", "--fpm-config", MasterConfig(version)], ct);

    /// <summary>SIGUSR2 (graceful reload) to the version's master; then waits until the expected sockets exist and the
    /// removed ones are gone, so the caller's next request finds the pool.</summary>
    public async Task ReloadAsync(string version, IReadOnlyCollection<string> expectSockets, IReadOnlyCollection<string> goneSockets, CancellationToken ct)
    {
        var pidFile = Path.Combine(O.PhpFpmDir, version, "php-fpm.pid");
        if (Posix.ReadPid(pidFile) is not { } pid)
        {
            logger.LogInformation("PHP-FPM {Version} is not running ({PidFile}); its pools apply when it starts", version, pidFile);
            return;
        }
        if (!Posix.Signal(pid, Posix.SigUsr2)) throw AgentException.HostFailure($"Could not signal PHP-FPM {version} to reload.");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(expectSockets.All(File.Exists) && !goneSockets.Any(File.Exists)))
        {
            if (DateTime.UtcNow > deadline) throw AgentException.HostFailure($"PHP-FPM {version} did not pick up its pools within 15 s.");
            await Task.Delay(50, ct);
        }
    }

    public string PoolConfig(string account, string home, string version) => new StringBuilder()
        .AppendLine("; Managed by MPanel agent: rewritten on every change.")
        .AppendLine($"[mpanel-{account}]")
        .AppendLine($"user = {account}")
        .AppendLine($"group = {account}")
        .AppendLine($"listen = {SocketPath(version, account)}")
        .AppendLine($"listen.owner = {O.WebUser}")
        .AppendLine($"listen.group = {O.WebUser}")
        .AppendLine("listen.mode = 0660")
        .AppendLine("pm = ondemand")
        .AppendLine("pm.max_children = 5")
        .AppendLine("pm.process_idle_timeout = 20s")
        .AppendLine("chdir = /")
        .AppendLine("security.limit_extensions = .php")
        .AppendLine($"php_admin_value[open_basedir] = {home}/")
        .AppendLine($"php_admin_value[upload_tmp_dir] = {home}/tmp")
        .AppendLine($"php_admin_value[sys_temp_dir] = {home}/tmp")
        .AppendLine($"php_admin_value[session.save_path] = {home}/tmp")
        .AppendLine("php_admin_flag[log_errors] = on")
        .ToString();
}
