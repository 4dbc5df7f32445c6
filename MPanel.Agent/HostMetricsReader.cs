using System.Globalization;
using Microsoft.Extensions.Options;
using MPanel.Domain.Agent;

namespace MPanel.Agent;

/// <summary>CPU, memory, disk and load of the host, read from /proc and the file system of the sites root.</summary>
public sealed class HostMetricsReader(IOptions<AgentOptions> options, PhpFpm php)
{
    public async Task<HostMetrics> ReadAsync(CancellationToken ct)
    {
        var (busy1, total1) = CpuTimes();
        await Task.Delay(200, ct);
        var (busy2, total2) = CpuTimes();
        var cpu = total2 > total1 ? Math.Round(100.0 * (busy2 - busy1) / (total2 - total1), 1) : 0;

        var mem = File.ReadAllLines("/proc/meminfo")
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024);
        var load = File.ReadAllText("/proc/loadavg").Split(' ');
        var drive = new DriveInfo(Directory.Exists(options.Value.SitesRoot) ? options.Value.SitesRoot : "/");
        var versions = php.InstalledVersions();
        return new HostMetrics(cpu, mem.GetValueOrDefault("MemTotal"), mem.GetValueOrDefault("MemAvailable"), drive.TotalSize,
            drive.AvailableFreeSpace, Parse(load[0]), Parse(load[1]), Parse(load[2]), versions.Count, versions);
    }

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static (long Busy, long Total) CpuTimes()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = values[3] + (values.Length > 4 ? values[4] : 0); // idle + iowait
        var total = values.Take(8).Sum();
        return (total - idle, total);
    }
}
