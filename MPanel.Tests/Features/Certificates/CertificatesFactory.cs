using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Infrastructure.Acme;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Certificates;

/// <summary>MPanel against the real Pebble (https://127.0.0.1:14000/dir, started by scripts/test) and PowerDNS
/// (127.0.0.1:5300, API 58081), with a clock the tests move. Fails with a clear message when either is down.</summary>
public class CertificatesFactory : MPanelFactory
{
    public const string PebbleDirectory = "https://127.0.0.1:14000/dir";
    public const string PowerDnsApi = "http://127.0.0.1:58081";
    public const string PowerDnsKey = "mpanel-dev-pdns-key";

    public MovableClock Clock { get; } = new();
    public string InstallDirectory { get; } = Path.Combine(Path.GetTempPath(), "mpanel-certs-" + Guid.NewGuid().ToString("N")[..8]);
    public string UploadRootsPath { get; } = Path.Combine(Path.GetTempPath(), "mpanel-upload-roots-" + Guid.NewGuid().ToString("N")[..8] + ".pem");

    /// <summary>Pebble's listener certificate (self-signed, made by scripts/lib/pebble.sh).</summary>
    public static string PebbleListenerCa()
    {
        if (Environment.GetEnvironmentVariable("MPANEL_TEST_PEBBLE_CA") is { Length: > 0 } fromEnv) return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".data", "pebble", "cert.pem");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("Pebble's listener certificate was not found: start Pebble with scripts/test (start_pebble) or set MPANEL_TEST_PEBBLE_CA.");
    }

    public override async Task InitializeAsync()
    {
        await RequireServicesAsync();
        await File.WriteAllTextAsync(UploadRootsPath, TestCa.Shared.Root.ExportCertificatePem());
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(InstallDirectory)) Directory.Delete(InstallDirectory, recursive: true);
        File.Delete(UploadRootsPath);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        With("Acme:DirectoryUrl", PebbleDirectory);
        With("Acme:CaBundlePath", PebbleListenerCa());
        With("Acme:PowerDnsApiUrl", PowerDnsApi);
        With("Acme:PowerDnsApiKey", PowerDnsKey);
        With("Acme:InstallDirectory", InstallDirectory);
        With("Acme:UploadTrustedRootsPath", UploadRootsPath);
        With("Acme:ValidationTimeout", "00:00:45");
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock).UseInProcessAcmeStandIns());
    }

    /// <summary>Runs <paramref name="work"/> in a fresh scope acting for <paramref name="tenantId"/>, as a job would.</summary>
    public async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider);
    }

    /// <summary>Pebble's current root (it changes at every start), fetched now from the management port.</summary>
    public static async Task<X509Certificate2> PebbleRootAsync()
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        return X509Certificate2.CreateFromPem(await http.GetStringAsync("https://127.0.0.1:15000/roots/0"));
    }

    private static async Task RequireServicesAsync()
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            (await http.GetAsync(PebbleDirectory)).EnsureSuccessStatusCode();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Pebble is not answering {PebbleDirectory} (start it with scripts/lib/pebble.sh start_pebble): {ex.Message}", ex);
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{PowerDnsApi}/api/v1/servers/localhost");
            request.Headers.Add("X-API-Key", PowerDnsKey);
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"PowerDNS's API is not answering {PowerDnsApi} (start it with scripts/lib/powerdns.sh): {ex.Message}", ex);
        }
    }
}

/// <summary>A throw-away zone in the real PowerDNS, written through its HTTP API; Pebble resolves through it.</summary>
public sealed class PowerDnsTestZone : IAsyncDisposable
{
    private static readonly HttpClient Http = CreateClient();

    public string Name { get; }

    private PowerDnsTestZone(string name) => Name = name;

    /// <summary>Creates <c>{prefix}{random}.test</c> with A records for the apex and www pointing at <paramref name="address"/>.</summary>
    public static async Task<PowerDnsTestZone> CreateAsync(string prefix, string address = "127.0.0.1")
    {
        var name = $"{prefix}{Guid.NewGuid().ToString("N")[..8]}.test";
        var body = new JsonObject
        {
            ["name"] = name + ".", ["kind"] = "Native", ["nameservers"] = new JsonArray("ns1." + name + "."),
            ["rrsets"] = new JsonArray(
                ARecord(name + ".", address), ARecord("www." + name + ".", address), ARecord("ns1." + name + ".", "127.0.0.1")),
        };
        var response = await Http.PostAsJsonAsync("api/v1/servers/localhost/zones", body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PowerDNS did not create {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return new PowerDnsTestZone(name);
    }

    /// <summary>The TXT values at <paramref name="recordName"/> (absolute, without the trailing dot), read through the API.</summary>
    public async Task<IReadOnlyList<string>> TxtAsync(string recordName)
    {
        var zone = await Http.GetFromJsonAsync<JsonObject>($"api/v1/servers/localhost/zones/{Name}.");
        return zone!["rrsets"]!.AsArray()
            .Where(r => (string?)r!["name"] == recordName + "." && (string?)r["type"] == "TXT")
            .SelectMany(r => r!["records"]!.AsArray().Select(x => (string)x!["content"]!)).ToList();
    }

    private static JsonObject ARecord(string name, string address) => new()
    {
        ["name"] = name, ["type"] = "A", ["ttl"] = 60, ["changetype"] = "REPLACE",
        ["records"] = new JsonArray(new JsonObject { ["content"] = address, ["disabled"] = false }),
    };

    private static HttpClient CreateClient()
    {
        var http = new HttpClient { BaseAddress = new Uri(CertificatesFactory.PowerDnsApi + "/") };
        http.DefaultRequestHeaders.Add("X-API-Key", CertificatesFactory.PowerDnsKey);
        return http;
    }

    public async ValueTask DisposeAsync() => await Http.DeleteAsync($"api/v1/servers/localhost/zones/{Name}.");
}
