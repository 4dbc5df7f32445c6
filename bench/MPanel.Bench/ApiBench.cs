// Marketing API throughput (bench/run api): MPanel in-process (Release) on loopback with a seeded shop, catalogue and API
// key; wrk against GET /api/marketing-api/products/catalog with the key, and against a baseline endpoint mapped only in
// this bench host that writes the same JSON bytes from memory with no key, no limits and no logging. Both go through the
// same Kestrel and the same app-wide middleware (security headers, forwarded headers, routing, authentication).
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web;
using MPanel.Web.Features.ApiKeys;
using MPanel.Web.Features.Catalog;
using Npgsql;

internal static partial class ApiBench
{
    private const string Database = "mpanel_bench_api";
    private const string CatalogPath = "/api/marketing-api/products/catalog";
    private const string BaselinePath = "/bench/baseline/catalog";
    private const int Runs = 3;

    public static async Task RunAsync(string serverConnectionString, string[] args)
    {
        var threads = BenchSupport.Option(args, "--threads", 2);
        var connections = BenchSupport.Option(args, "--connections", 64);
        var seconds = BenchSupport.Option(args, "--seconds", 10);
        var connectionString = await BenchSupport.CreateFreshDatabaseAsync(serverConnectionString, Database);
        await using var app = MPanelApp.Build(["--applicationName=MPanel.Web", "--urls=http://127.0.0.1:0", "--Jobs:RunServer=false",
            "--Logging:LogLevel:Default=Warning", $"--ConnectionStrings:Default={connectionString}"]);
        byte[] baseline = [];
        // The baseline: mapped only here, outside the marketing API's path, so no key, limit, body check or activity log.
        app.MapGet(BaselinePath, (HttpContext http) =>
        {
            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.ContentLength = baseline.Length;
            return http.Response.Body.WriteAsync(baseline).AsTask();
        }).AllowAnonymous();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var (tenantId, secret, products) = await SeedAsync(app.Services);
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Add(ApiKeyDefaults.Header, secret);
        var catalog = await http.GetAsync(CatalogPath);
        catalog.EnsureSuccessStatusCode();
        baseline = await catalog.Content.ReadAsByteArrayAsync();
        var check = await new HttpClient().GetByteArrayAsync(address + BaselinePath);
        if (!check.SequenceEqual(baseline)) throw new InvalidOperationException("The baseline does not answer the catalogue's bytes.");
        Console.WriteLine($"data: 1 shop, {products} products with prices in 2 cycles x 2 currencies, 1 API key (catalog:read, read limit raised to " +
                          $"{int.MaxValue:N0}/min so the bench measures throughput, not 429s); catalogue JSON {baseline.Length:N0} bytes; " +
                          $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, " +
                          $"rate limits counted {(app.Services.GetService<StackExchange.Redis.IConnectionMultiplexer>() is null ? "in process" : "in Redis")}");
        var wrk = $"wrk -t{threads} -c{connections} -d{seconds}s --latency";
        Console.WriteLine($"command: {wrk} -H 'X-API-Key: …' {address}{CatalogPath}   and   {wrk} {address}{BaselinePath}");

        // Warm-up (JIT, EF query cache, connection pool), then alternate the two targets.
        await WrkAsync($"-t{threads} -c{connections} -d3s -H \"X-API-Key: {secret}\" {address}{CatalogPath}");
        await WrkAsync($"-t{threads} -c{connections} -d3s {address}{BaselinePath}");
        var api = new List<WrkResult>();
        var bare = new List<WrkResult>();
        for (var i = 0; i < Runs; i++)
        {
            bare.Add(await WrkAsync($"-t{threads} -c{connections} -d{seconds}s --latency {address}{BaselinePath}"));
            api.Add(await WrkAsync($"-t{threads} -c{connections} -d{seconds}s --latency -H \"X-API-Key: {secret}\" {address}{CatalogPath}"));
            Console.WriteLine($"run {i + 1}: baseline {bare[^1]}; catalogue {api[^1]}");
        }

        static double Median(IEnumerable<double> xs) { var a = xs.Order().ToArray(); return a[a.Length / 2]; }
        var baseRps = Median(bare.Select(r => r.RequestsPerSecond));
        var apiRps = Median(api.Select(r => r.RequestsPerSecond));
        Console.WriteLine();
        Console.WriteLine($"medians of {Runs} runs of `{wrk}`:");
        Console.WriteLine();
        Console.WriteLine("| case | requests/s | p50 ms | p99 ms | ratio to baseline | non-2xx |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| baseline: same JSON bytes from memory, no key/limits/log | {baseRps:N0} | {Median(bare.Select(r => r.P50)):F2} | {Median(bare.Select(r => r.P99)):F2} | 1.00x | {bare.Sum(r => r.Non2xx)} |");
        Console.WriteLine($"| MPanel: GET products/catalog with X-API-Key | {apiRps:N0} | {Median(api.Select(r => r.P50)):F2} | {Median(api.Select(r => r.P99)):F2} | {apiRps / baseRps:P0} | {api.Sum(r => r.Non2xx)} |");
        var p99 = Median(api.Select(r => r.P99));
        Console.WriteLine();
        Console.WriteLine($"target: ≥ 50% of the baseline's requests/s and p99 < 25 ms → {(apiRps / baseRps >= 0.5 && p99 < 25 ? "met" : "NOT met")}");
        await app.StopAsync();
    }

    private sealed record WrkResult(double RequestsPerSecond, double P50, double P99, long Non2xx)
    {
        public override string ToString() => $"{RequestsPerSecond:N0} req/s, p50 {P50:F2} ms, p99 {P99:F2} ms{(Non2xx > 0 ? $", {Non2xx} non-2xx" : "")}";
    }

    private static async Task<WrkResult> WrkAsync(string arguments)
    {
        var start = new ProcessStartInfo("wrk", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start (bench/run api installs it).");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"wrk failed: {output}{await process.StandardError.ReadToEndAsync()}");
        var rps = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var non2xx = NonSuccess().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(rps, Percentile(output, "50%"), Percentile(output, "99%"), non2xx);
    }

    /// <summary>A line of wrk's "Latency Distribution" (e.g. <c>99%   12.34ms</c>) in milliseconds.</summary>
    private static double Percentile(string output, string label)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(label)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success) return double.NaN;
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();


    private static async Task<(Guid TenantId, string Secret, int Products)> SeedAsync(IServiceProvider services)
    {
        var tenantId = await BenchSupport.CreateShopAsync(services, "API bench", "bench-api", DateTimeOffset.UtcNow);
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "bench-seed");
        var catalog = scope.ServiceProvider.GetRequiredService<CatalogService>();
        var settings = await catalog.GetSettingsAsync();
        await catalog.UpdateSettingsAsync(settings.Details with { CurrencyRates = [new CurrencyRate("USD", 1.08m)] }, settings.Version);
        string[] names = ["Web Starter", "Web Plus", "Web Pro", "Business", "Mail Basic", "Mail Team", "Database S", "Database M"];
        for (var i = 0; i < names.Length; i++)
        {
            var price = 5m * (i + 1);
            await catalog.CreateProductAsync(new ProductDetails(names[i], i < 4 ? ProductType.SharedHosting : i < 6 ? ProductType.Email : ProductType.Database,
                $"{names[i]}: everything it says, and support.", [$"{i + 1} sites", $"{10 * (i + 1)} GB disk", "Free SSL"],
                new ProductResources { Sites = i + 1, DiskMb = 10240 * (i + 1), Mailboxes = 5 * (i + 1), Databases = i + 1, DnsZones = i + 1, Certificates = i + 1 },
                ProductVisibility.Public, i % 3 == 0 ? 1000 : null, ProvisioningPolicy.OnPayment,
                [new ProductPrice(BillingCycle.Monthly, "EUR", price, 0m), new ProductPrice(BillingCycle.Annual, "EUR", price * 10, 0m),
                 new ProductPrice(BillingCycle.Monthly, "USD", price + 1, 0m), new ProductPrice(BillingCycle.Annual, "USD", (price + 1) * 10, 0m)], []));
        }
        var key = await scope.ServiceProvider.GetRequiredService<ApiKeysService>().CreateAsync(
            new CreateApiKeyRequest("bench", [ApiScopes.CatalogRead], null, ApiKey.MaxPerMinute, 10));
        // The service caps a key at 100,000 reads a minute; wrk makes more than that. Raised here, for the bench only.
        await scope.ServiceProvider.GetRequiredService<MPanelDbContext>().Database
            .ExecuteSqlAsync($"UPDATE api_keys SET reads_per_minute = {int.MaxValue} WHERE id = {key.Key.Id}");
        return (tenantId, key.Secret, names.Length);
    }
}
