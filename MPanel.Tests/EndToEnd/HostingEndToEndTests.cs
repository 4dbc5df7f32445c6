using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Features.Certificates;
using MPanel.Tests.Support;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Databases;
using MPanel.Web.Features.Orders;
using MPanel.Web.Features.Provisioning;
using MPanel.Web.Features.Subscriptions;
using Npgsql;
using Xunit;

namespace MPanel.Tests.EndToEnd;

/// <summary>The whole hosting stack, no mocks: an order for a hosting product runs its plan against the real PowerDNS,
/// agent + nginx + PHP-FPM, PostgreSQL and Pebble, and every effect is checked from outside MPanel (dig, HTTP to nginx,
/// a database login, a TLS handshake), then suspend, unsuspend and terminate.</summary>
public sealed class HostingEndToEndTests(HostingEndToEndTests.Factory factory) : IClassFixture<HostingEndToEndTests.Factory>
{
    public sealed class Factory : MPanelFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            With("Acme:DirectoryUrl", CertificatesFactory.PebbleDirectory);
            With("Acme:CaBundlePath", CertificatesFactory.PebbleListenerCa());
            With("Acme:ValidationTimeout", "00:00:45");
            base.ConfigureWebHost(builder);
            builder.UseSetting("CustomerDatabases:MariaDbAdmin", $"Server={Features.Databases.CustomerDatabasesTests.Factory.MariaDbSocket()};Protocol=Unix;User ID=root");
            builder.UseSetting("CustomerDatabases:DefaultEngine", "PostgreSql");
        }
    }

    private async Task<T> InTenantAsync<T>(Guid tenantId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "test");
        return await work(scope.ServiceProvider);
    }

    private static async Task<string> DigAsync(string name, string type)
    {
        var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "@127.0.0.1", "-p", "5300", "+short", "+norecurse", name, type }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output.Trim();
    }

    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:58080" + path);
        request.Headers.Host = host;
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls until the condition holds (nginx reloads and PowerDNS caches settle asynchronously).</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(100);
        }
    }

    private static async Task<bool> CanConnectAsync(string connectionString)
    {
        try
        {
            await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString);
            await c.OpenAsync();
            return true;
        }
        catch (PostgresException) { return false; }
    }

    private static async Task<X509Certificate2> ServedCertificateAsync(string host)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", 58443);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host });
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    [Fact]
    public async Task PaidHostingOrder_ProvisionsDnsSiteDatabaseAndCertificate_ThenSuspendUnsuspendAndTerminateAreVisibleFromOutside()
    {
        var clock = Stopwatch.StartNew();
        var run = Guid.NewGuid().ToString("N")[..8];
        var domain = $"e2e{run}.test";
        var tenant = await factory.CreateResellerAsync("e2e-" + run);
        var customer = await factory.CreateCustomerAsync(tenant.Id, "Erin", "Endtoend");
        var other = await factory.CreateCustomerAsync(tenant.Id, "Otto", "Other");
        var resources = new ProductResources { Sites = 1, DiskMb = 500, Databases = 1, DnsZones = 1, Certificates = 1 };
        async Task<Guid> OrderAsync(Guid customerId, string name) => (await InTenantAsync(tenant.Id, async sp =>
        {
            var product = await sp.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails("Hosting " + name, ProductType.SharedHosting, null, [],
                resources, ProductVisibility.Public, null, ProvisioningPolicy.OnOrder, [new ProductPrice(BillingCycle.Monthly, "EUR", 5m, 0m)], []));
            return await sp.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customerId, [new CartLine(product.Id, BillingCycle.Monthly, Domain: name)]), OrderChannel.Admin);
        })).Items[0].SubscriptionId;
        var sid = await OrderAsync(customer.Id, domain);
        Task<IReadOnlyList<ProvisioningTaskStatus>> RunAsync(Guid id) => InTenantAsync(tenant.Id, sp => sp.GetRequiredService<ProvisioningService>().RunPendingAsync(id));

        var statuses = await RunAsync(sid);
        var tasks = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<ProvisioningService>().ForSubscriptionAsync(sid));
        Assert.True(statuses.SequenceEqual([ProvisioningTaskStatus.Succeeded]), string.Join("; ", tasks.Select(t => $"{t.Status} {t}")));
        var provisioned = clock.Elapsed;

        // DNS, asked from outside with dig.
        Assert.Contains("ns", await DigAsync(domain, "SOA"));
        Assert.NotEqual("", await DigAsync(domain, "A"));

        // The page MPanel placed, through nginx with the site's host name.
        var (status, body) = await GetAsync(domain, "/");
        Assert.Equal(HttpStatusCode.OK, status);
        var page = body;

        // PHP runs as the account's own system user.
        var account = await factory.InSystemScopeAsync((_, db) => db.Subscriptions.Where(s => s.Id == sid).Select(s => s.AccountName).SingleAsync());
        var root = await factory.InSystemScopeAsync((_, db) => db.Sites.Where(s => s.SubscriptionId == sid).Select(s => s.DocumentRoot).SingleAsync());
        var php = Path.Combine(root!, "whoami.php");
        await File.WriteAllTextAsync(php, "<?php echo posix_getpwuid(posix_geteuid())['name'];");
        Assert.Equal((HttpStatusCode.OK, account), await GetAsync(domain, "/whoami.php"));

        // The customer's database accepts its credentials; another customer's credentials are refused on it.
        var otherSid = await OrderAsync(other.Id, $"e2eo{run}.test");
        await RunAsync(otherSid);
        var mine = await factory.InSystemScopeAsync((_, db) => db.CustomerDatabases.SingleAsync(d => d.SubscriptionId == sid));
        var theirs = await factory.InSystemScopeAsync((_, db) => db.CustomerDatabases.SingleAsync(d => d.SubscriptionId == otherSid));
        var myCredentials = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<DatabasesService>().RevealAsync(mine.Id));
        var theirCredentials = await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<DatabasesService>().RevealAsync(theirs.Id));
        Assert.True(await CanConnectAsync(myCredentials.ConnectionString));
        Assert.False(await CanConnectAsync(new NpgsqlConnectionStringBuilder(myCredentials.ConnectionString)
            { Username = theirCredentials.UserName, Password = theirCredentials.Password }.ConnectionString));

        // HTTPS on 58443 with a certificate from Pebble, chain checked against Pebble's root.
        using var served = await ServedCertificateAsync(domain);
        Assert.True(served.MatchesHostname(domain));
        var stored = await factory.InSystemScopeAsync((_, db) => db.Certificates.SingleAsync(c => c.SubscriptionId == sid));
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(stored.ChainPem);
        using var x509 = new X509Chain();
        x509.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509.ChainPolicy.CustomTrustStore.Add(await CertificatesFactory.PebbleRootAsync());
        x509.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        x509.ChainPolicy.ExtraStore.AddRange(chain.Skip(1).ToArray());
        Assert.True(x509.Build(served), string.Join("; ", x509.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(chain[0].SerialNumber, served.SerialNumber);

        // Suspend: the suspend page; unsuspend: the page is back.
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<SubscriptionsService>().SuspendAsync(sid, "e2e"));
        await RunAsync(sid);
        await WaitForAsync(async () => (await GetAsync(domain, "/")).Body != page, "the suspend page");
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<SubscriptionsService>().UnsuspendAsync(sid));
        await RunAsync(sid);
        await WaitForAsync(async () => (await GetAsync(domain, "/")).Body == page, "the site's page again");

        // Terminate: zone, site, database login and system user are gone.
        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<SubscriptionsService>().TerminateAsync(sid, "e2e"));
        Assert.Equal([ProvisioningTaskStatus.Succeeded], await RunAsync(sid));
        await WaitForAsync(async () => await DigAsync(domain, "SOA") == "", "the zone to disappear");
        await WaitForAsync(async () => (await GetAsync(domain, "/")).Body != page, "the site to disappear");
        Assert.False(await CanConnectAsync(myCredentials.ConnectionString));
        Assert.DoesNotContain($"\n{account}:", "\n" + await File.ReadAllTextAsync("/etc/passwd"));

        await InTenantAsync(tenant.Id, sp => sp.GetRequiredService<SubscriptionsService>().TerminateAsync(otherSid, "e2e"));
        await RunAsync(otherSid);
        Console.WriteLine($"e2e: provisioned in {provisioned.TotalSeconds:F1} s, whole test {clock.Elapsed.TotalSeconds:F1} s");
    }
}
