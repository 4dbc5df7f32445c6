using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Dns;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Features.DnsZones;

namespace MPanel.Tests.Features.DnsZones;

/// <summary>The real PowerDNS of scripts/lib/powerdns.sh (DNS 127.0.0.1:5300, API 127.0.0.1:58081) and Debian's dig.</summary>
public static class PowerDns
{
    public const string ApiUrl = "http://127.0.0.1:58081";
    public const string ApiKey = "mpanel-dev-pdns-key";

    /// <summary>Fails the test class with a clear message when PowerDNS is not running (CI starts it; so does scripts/test).</summary>
    public static async Task EnsureReachableAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{ApiUrl}/api/v1/servers/localhost");
        request.Headers.Add("X-API-Key", ApiKey);
        try
        {
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"PowerDNS API at {ApiUrl} answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException($"PowerDNS is not reachable at {ApiUrl} ({ex.Message}). Start it with scripts/test, or `source scripts/lib/services.sh && start_powerdns`.", ex);
        }
        if (!File.Exists("/usr/bin/dig")) throw new InvalidOperationException("dig is missing: apt-get install dnsutils (scripts/lib/powerdns.sh does).");
    }

    /// <summary>A zone name no other run or helper uses.</summary>
    public static string UniqueZone(string prefix = "t") => $"{prefix}{Guid.NewGuid().ToString("N")[..10]}.mpanel-test.example";

    /// <summary><c>dig @127.0.0.1 -p 5300 +short NAME TYPE</c>, one line per answer.</summary>
    public static async Task<string[]> DigAsync(string name, string type)
    {
        var psi = new ProcessStartInfo("/usr/bin/dig") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "@127.0.0.1", "-p", "5300", "+short", "+time=2", "+tries=2", name, type }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"dig failed ({process.ExitCode}): {await process.StandardError.ReadToEndAsync()} {output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToArray();
    }

    public static PowerDnsClient Client(MPanelFactory factory) => factory.Services.GetRequiredService<PowerDnsClient>();

    /// <summary>The DNS feature service as a job of <paramref name="tenantId"/> would use it.</summary>
    public static async Task<T> AsTenantAsync<T>(MPanelFactory factory, Guid tenantId, Func<DnsZonesService, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider.GetRequiredService<DnsZonesService>());
    }

    public static async Task<(HttpClient Client, Customer Customer, Guid TenantId)> AdminWithCustomerAsync(MPanelFactory factory, string name)
    {
        var platform = await factory.PlatformAsync();
        var email = $"{name}-{Guid.NewGuid().ToString("N")[..6]}@platform.test";
        await factory.CreateUserAsync(platform.Id, email, Roles.Admin);
        var customer = await factory.CreateCustomerAsync(platform.Id, "Dora", name, $"{name}-{Guid.NewGuid().ToString("N")[..6]}@dns.example");
        return (await factory.SignedInAsync(email), customer, platform.Id);
    }
}
