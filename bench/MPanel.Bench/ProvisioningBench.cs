// Provisioning (bench/run provisioning): MPanel in-process (Release) against the real PowerDNS, agent + nginx + PHP-FPM,
// MariaDB and Pebble that bench/run starts on loopback. (1) Ten paid orders one after another: the time from recording the
// payment until the plan (DNS zone, site, database, certificate) has finished AND the site answers from outside (nginx
// with the host name serves the page, dig answers the A record, 58443 serves a certificate for the name). (2) 50 orders
// paid at once and their plans run concurrently: wall time and failures. Everything created is terminated afterwards.
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Payments;
using MPanel.Web.Features.Provisioning;
using MPanel.Web.Features.Subscriptions;
using Npgsql;

internal static class ProvisioningBench
{
    private const string Database = "mpanel_bench_provisioning";
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task RunAsync(string serverConnectionString, string[] args)
    {
        var sequential = BenchSupport.Option(args, "--sequential", 10);
        var concurrent = BenchSupport.Option(args, "--concurrent", 50);
        var connectionString = await BenchSupport.CreateFreshDatabaseAsync(serverConnectionString, Database);
        await using var app = MPanelApp.Build(["--applicationName=MPanel.Web", "--urls=http://127.0.0.1:0", "--Jobs:RunServer=false",
            "--Logging:LogLevel:Default=Warning", $"--ConnectionStrings:Default={connectionString}"]);
        await app.StartAsync();
        var (tenantId, productId, customerId) = await SeedAsync(app.Services);
        var run = Guid.NewGuid().ToString("N")[..6];
        var subscriptions = new List<Guid>();
        Console.WriteLine($"data: 1 shop, a hosting product (1 DNS zone, 1 site, 1 MariaDB database, 1 certificate for the domain and www), " +
                          $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        try
        {
            // One warm-up order (JIT, pools, the ACME account), not counted.
            var warm = await OrderAsync(app.Services, tenantId, customerId, productId, $"pbw{run}.test");
            subscriptions.Add(warm.SubscriptionId);
            await PayAndProvisionAsync(app.Services, tenantId, warm);

            var times = new List<double>();
            for (var i = 0; i < sequential; i++)
            {
                var order = await OrderAsync(app.Services, tenantId, customerId, productId, $"pb{i}{run}.test");
                subscriptions.Add(order.SubscriptionId);
                var clock = Stopwatch.StartNew();
                var status = await PayAndProvisionAsync(app.Services, tenantId, order);
                if (status != ProvisioningTaskStatus.Succeeded) throw new InvalidOperationException($"{order.Domain}: plan ended {status}");
                await WorkingSiteAsync(order.Domain);
                times.Add(clock.Elapsed.TotalMilliseconds);
                Console.WriteLine($"order {i + 1}: {order.Domain} working after {clock.Elapsed.TotalMilliseconds:N0} ms");
            }

            var batch = new List<Order>();
            for (var i = 0; i < concurrent; i++)
                batch.Add(await OrderAsync(app.Services, tenantId, customerId, productId, $"pc{i}{run}.test"));
            subscriptions.AddRange(batch.Select(o => o.SubscriptionId));
            var wall = Stopwatch.StartNew();
            var statuses = await Task.WhenAll(batch.Select(o => PayAndProvisionAsync(app.Services, tenantId, o)));
            var planned = wall.Elapsed;
            var failed = statuses.Count(s => s != ProvisioningTaskStatus.Succeeded);
            var notWorking = 0;
            foreach (var o in batch)
            {
                try { await WorkingSiteAsync(o.Domain); }
                catch (Exception) { notWorking++; }
            }
            var attempts = await InTenantAsync(app.Services, tenantId, sp => sp.GetRequiredService<MPanelDbContext>().ProvisioningSteps
                .Where(s => s.Attempts > 1).CountAsync());

            var sorted = times.Order().ToArray();
            Console.WriteLine();
            Console.WriteLine("| case | result |");
            Console.WriteLine("| --- | ---: |");
            Console.WriteLine($"| paid order → working site (DNS + site + database + certificate), median of {sequential} | {sorted[sorted.Length / 2] / 1000:F2} s |");
            Console.WriteLine($"| same, fastest / slowest | {sorted[0] / 1000:F2} s / {sorted[^1] / 1000:F2} s |");
            Console.WriteLine($"| {concurrent} plans paid at once: wall time until all finished | {planned.TotalSeconds:F1} s ({concurrent / planned.TotalSeconds:F1} plans/s) |");
            Console.WriteLine($"| {concurrent} plans: failed plans / sites not working afterwards | {failed} / {notWorking} |");
            Console.WriteLine($"| steps that needed a retry (all {sequential + concurrent + 1} plans) | {attempts} |");
            Console.WriteLine();
            Console.WriteLine($"target: median < 5 s and {concurrent} concurrent plans without failures → " +
                              $"{(sorted[sorted.Length / 2] < 5000 && failed == 0 && notWorking == 0 ? "met" : "NOT met")}");
        }
        finally
        {
            Console.WriteLine($"terminating {subscriptions.Count} subscriptions…");
            foreach (var sid in subscriptions)
            {
                try
                {
                    await InTenantAsync(app.Services, tenantId, sp => sp.GetRequiredService<SubscriptionsService>().TerminateAsync(sid, "bench cleanup"));
                    await InTenantAsync(app.Services, tenantId, sp => sp.GetRequiredService<ProvisioningService>().RunPendingAsync(sid));
                }
                catch (Exception e) { Console.WriteLine($"cleanup of {sid}: {e.Message}"); }
            }
            await app.StopAsync();
        }
    }

    private sealed record Order(Guid SubscriptionId, Guid InvoiceId, decimal Total, string Domain);

    private static async Task<Order> OrderAsync(IServiceProvider services, Guid tenantId, Guid customerId, Guid productId, string domain)
    {
        var view = await InTenantAsync(services, tenantId, sp => sp.GetRequiredService<OrdersService>()
            .PlaceAsync(new PlaceOrder(customerId, [new CartLine(productId, BillingCycle.Monthly, Domain: domain)]), OrderChannel.Admin));
        return new Order(view.Items[0].SubscriptionId, view.InvoiceId ?? throw new InvalidOperationException("no invoice"),
            view.Total, domain);
    }

    /// <summary>Records the payment (which queues the provision task, the product provisioning on payment) and runs the
    /// subscription's queued tasks in-process, as a Hangfire worker would.</summary>
    private static async Task<ProvisioningTaskStatus> PayAndProvisionAsync(IServiceProvider services, Guid tenantId, Order order)
    {
        await InTenantAsync(services, tenantId, sp => sp.GetRequiredService<PaymentsService>()
            .RecordManualAsync(order.InvoiceId, order.Total, PaymentGatewayKind.BankTransfer, "BENCH-" + order.Domain));
        var statuses = await InTenantAsync(services, tenantId, sp => sp.GetRequiredService<ProvisioningService>().RunPendingAsync(order.SubscriptionId));
        return statuses.Count == 0 ? ProvisioningTaskStatus.Failed : statuses[^1];
    }

    /// <summary>From outside MPanel: nginx serves the page for the host name, PowerDNS answers its A record, and 58443 serves
    /// a certificate for the name. Polls briefly (nginx reloads asynchronously); throws when it does not become true.</summary>
    private static async Task WorkingSiteAsync(string domain)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            string? missing = null;
            using (var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:58080/") { Headers = { Host = domain } })
            using (var response = await Http.SendAsync(request))
                if (response.StatusCode != HttpStatusCode.OK) missing = $"HTTP {(int)response.StatusCode}";
            if (missing is null && await DigAsync(domain) == "") missing = "no A record";
            if (missing is null && !await ServesCertificateAsync(domain)) missing = "no certificate on 58443";
            if (missing is null) return;
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"{domain} is not working: {missing}");
            await Task.Delay(50);
        }
    }

    private static async Task<string> DigAsync(string name)
    {
        var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "@127.0.0.1", "-p", "5300", "+short", "+norecurse", name, "A" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output.Trim();
    }

    private static async Task<bool> ServesCertificateAsync(string host)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", 58443);
            await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host });
            using var served = new X509Certificate2(tls.RemoteCertificate!);
            return served.MatchesHostname(host);
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException) { return false; }
    }

    private static async Task<T> InTenantAsync<T>(IServiceProvider services, Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "bench");
        return await work(scope.ServiceProvider);
    }

    private static async Task<(Guid TenantId, Guid ProductId, Guid CustomerId)> SeedAsync(IServiceProvider services)
    {
        var tenantId = await BenchSupport.CreateShopAsync(services, "Provisioning bench", "bench-prov", DateTimeOffset.UtcNow);
        var product = await InTenantAsync(services, tenantId, sp => sp.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails(
            "Web Bench", ProductType.SharedHosting, null, [], new ProductResources { Sites = 1, DiskMb = 500, Databases = 1, DnsZones = 1, Certificates = 1 },
            ProductVisibility.Public, null, ProvisioningPolicy.OnPayment, [new ProductPrice(BillingCycle.Monthly, "EUR", 5m, 0m)], [])));
        var customer = await InTenantAsync(services, tenantId, sp => sp.GetRequiredService<CustomersService>()
            .CreateAsync(new CustomerDetails("Bea", "Bench", $"bench-{Guid.NewGuid():N}@bench.example", null, null, "DE")));
        return (tenantId, product.Id, customer.Id);
    }

}
