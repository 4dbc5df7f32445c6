// Renewal invoicing throughput (bench/run billing): one tenant, 1,000 customers, 100,000 active monthly subscriptions
// all due within the 14-day lead time. Times RenewalInvoicer.RunAsync as the billing-day job calls it (a tenant scope,
// one transaction), checks the invoices and their gap-free numbers, reruns it (must create nothing), and compares the
// run with a plain binary COPY of the same invoice and line rows into empty tables of the same shape.
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web;
using MPanel.Web.Features.Billing;
using Npgsql;

internal static class BillingBench
{
    private const int Customers = 1_000, Subscriptions = 100_000, Repeats = 3, LeadDays = 14;
    private const string Database = "mpanel_bench_billing";

    public static async Task RunAsync(string serverConnectionString)
    {
        var connectionString = await BenchSupport.CreateFreshDatabaseAsync(serverConnectionString, Database);
        await using var app = MPanelApp.Build(["--applicationName=MPanel.Web", "--urls=http://127.0.0.1:0", "--Jobs:RunServer=false",
            "--Logging:LogLevel:Default=Warning", $"--ConnectionStrings:Default={connectionString}"]);
        await app.StartAsync(); // migrations and the platform tenant, as PlatformBootstrapper runs them at every start

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var seedWatch = Stopwatch.StartNew();
        var tenantId = await SeedAsync(app.Services, today);
        Console.WriteLine($"data: 1 tenant, {Customers:N0} customers, {Subscriptions:N0} active monthly subscriptions due {today.AddDays(1):yyyy-MM-dd}..{today.AddDays(LeadDays):yyyy-MM-dd} " +
                          $"(lead {LeadDays} days), NL VAT 21%; seeded in {seedWatch.Elapsed.TotalSeconds:F1} s; {Environment.ProcessorCount} cores");

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        Console.WriteLine($"PostgreSQL {await ScalarAsync(dataSource, "SHOW server_version")}, fsync {await ScalarAsync(dataSource, "SHOW fsync")}, " +
                          $"synchronous_commit {await ScalarAsync(dataSource, "SHOW synchronous_commit")}, shared_buffers {await ScalarAsync(dataSource, "SHOW shared_buffers")}; " +
                          $".NET {Environment.Version}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC");
        var results = new List<Result>();
        for (var i = 1; i <= Repeats; i++)
        {
            results.Add(await MeasureOnceAsync(app.Services, dataSource, tenantId, today, i));
        }

        static double Median(IEnumerable<double> xs) { var a = xs.Order().ToArray(); return a[a.Length / 2]; }
        var run = Median(results.Select(r => r.RunSeconds));
        var baseline = Median(results.Select(r => r.BaselineSeconds));
        Console.WriteLine();
        Console.WriteLine($"medians of {Repeats} runs (each on the same {Subscriptions:N0} subscriptions, invoices/lines/emails/counters truncated between runs);");
        Console.WriteLine("memory during the first run: the process's working set and GC.GetTotalMemory sampled every 20 ms, and GC.GetTotalAllocatedBytes:");
        Console.WriteLine();
        Console.WriteLine("| case | median s | invoices/s | ratio to baseline | peak working set MB | peak managed heap MB | allocated MB |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| baseline: binary COPY of the same {Subscriptions:N0} invoice + {Subscriptions:N0} line rows into empty same-shaped tables | {baseline:F2} | {Subscriptions / baseline:N0} | 1.00x | | | |");
        Console.WriteLine($"| MPanel: RenewalInvoicer, first run ({Median(results.Select(r => (double)r.Created)):N0} invoices) | {run:F2} | {Median(results.Select(r => r.Created / r.RunSeconds)):N0} | {run / baseline:F2}x " +
                          $"| {Median(results.Select(r => r.PeakWorkingSetMb)):N0} | {Median(results.Select(r => r.PeakHeapMb)):N0} | {Median(results.Select(r => r.AllocatedMb)):N0} |");
        Console.WriteLine($"| MPanel: RenewalInvoicer, rerun ({results.Sum(r => r.RerunCreated)} invoices in all {Repeats} reruns) | {Median(results.Select(r => r.RerunSeconds)):F2} | – | – | | | |");
        Console.WriteLine();
        Console.WriteLine("runs: " + string.Join("; ", results.Select(r =>
            $"#{r.Index} run {r.RunSeconds:F2} s, rerun {r.RerunSeconds:F2} s, baseline {r.BaselineSeconds:F2} s, peak WS {r.PeakWorkingSetMb:N0} MB")));

        await app.StopAsync();
    }

    private sealed record Result(int Index, int Created, double RunSeconds, double PeakWorkingSetMb, double PeakHeapMb, double AllocatedMb,
        int RerunCreated, double RerunSeconds, double BaselineSeconds);

    private static async Task<Result> MeasureOnceAsync(IServiceProvider services, NpgsqlDataSource dataSource, Guid tenantId, DateOnly today, int index)
    {
        await ExecAsync(dataSource, "TRUNCATE invoice_lines, invoices, email_messages, document_counters CASCADE; DROP TABLE IF EXISTS baseline_invoice_lines, baseline_invoices");
        await ExecAsync(dataSource, "CHECKPOINT"); // start each timed part with no dirty buffers from the previous one

        // The first run: every subscription is due.
        // Start from a compacted heap with its free memory given back, so each run's working set is comparable.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var sampler = new MemorySampler();
        var watch = Stopwatch.StartNew();
        var created = await RenewAsync(services, tenantId, today);
        var runSeconds = watch.Elapsed.TotalSeconds;
        var (peakWorkingSet, peakHeap) = sampler.Stop();
        var startWorkingSet = sampler.StartWorkingSetMb;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        // What it wrote: one invoice, line and email per subscription; numbers 1..N with no gap and no duplicate.
        await using (var check = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM invoice_lines), (SELECT count(*) FROM email_messages WHERE template = 'invoice'),
                   count(DISTINCT n), min(n), max(n), (SELECT min(last_number) FROM document_counters),
                   (SELECT count(*) FROM invoices WHERE status <> 'Open' OR total <> 12.04 OR tax_total <> 2.09)
            FROM (SELECT substring(number FROM '(\d+)$')::bigint AS n FROM invoices) x
            """))
        await using (var r = await check.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            var (invoices, lines, emails, distinct, min, max, counter, odd) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7));
            Console.WriteLine($"run {index}: created {created:N0} in {runSeconds:F2} s ({created / runSeconds:N0}/s); invoices {invoices:N0}, lines {lines:N0}, invoice emails {emails:N0}; " +
                              $"numbers: {distinct:N0} distinct, {min}..{max}, counter at {counter}; invoices not Open/12.04 EUR/2.09 VAT: {odd}");
            if (created != Subscriptions || invoices != Subscriptions || lines != Subscriptions || emails != Subscriptions
                || distinct != Subscriptions || min != 1 || max != Subscriptions || counter != Subscriptions || odd != 0)
                throw new InvalidOperationException("The renewal run did not produce exactly one correct, gap-free numbered invoice per subscription.");
        }

        // The rerun: the same day again creates nothing.
        watch.Restart();
        var rerun = await RenewAsync(services, tenantId, today);
        var rerunSeconds = watch.Elapsed.TotalSeconds;
        var after = (long)(await ScalarAsync(dataSource, "SELECT count(*) FROM invoices"))!;
        Console.WriteLine($"run {index}: rerun created {rerun} in {rerunSeconds:F2} s; invoices still {after:N0}");
        if (rerun != 0 || after != Subscriptions) throw new InvalidOperationException("The rerun created invoices.");

        var baselineSeconds = await BaselineAsync(dataSource);
        Console.WriteLine($"run {index}: baseline COPY of {Subscriptions:N0} invoices + {Subscriptions:N0} lines in {baselineSeconds:F2} s; " +
                          $"working set {startWorkingSet:N0} MB before, peak {peakWorkingSet:N0} MB; peak managed heap {peakHeap:N0} MB, allocated {allocated / 1048576.0:N0} MB during the run");
        return new Result(index, created, runSeconds, peakWorkingSet, peakHeap, allocated / 1048576.0, rerun, rerunSeconds, baselineSeconds);
    }

    /// <summary>What the billing-day job does for this step: a tenant scope, one transaction, the invoicer, commit.</summary>
    private static async Task<int> RenewAsync(IServiceProvider services, Guid tenantId, DateOnly today)
    {
        await using var root = services.CreateAsyncScope();
        root.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "bench");
        await using var scope = root.ServiceProvider.GetRequiredService<TenantScopeFactory>().Create();
        await using var tx = await scope.Db.Database.BeginTransactionAsync();
        var n = await root.ServiceProvider.GetRequiredService<RenewalInvoicer>().RunAsync(scope, today, CancellationToken.None);
        await tx.CommitAsync();
        return n;
    }

    /// <summary>The physical floor: the rows the run created, already in memory as .NET values, written with binary COPY
    /// into empty tables of the same shape (same columns and indexes, no foreign keys) in one transaction.</summary>
    private static async Task<double> BaselineAsync(NpgsqlDataSource dataSource)
    {
        await ExecAsync(dataSource, "CREATE TABLE baseline_invoices (LIKE invoices INCLUDING ALL); CREATE TABLE baseline_invoice_lines (LIKE invoice_lines INCLUDING ALL)");
        var invoices = await LoadAsync(dataSource, "invoices");
        var lines = await LoadAsync(dataSource, "invoice_lines");
        await ExecAsync(dataSource, "CHECKPOINT");
        var watch = Stopwatch.StartNew();
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await CopyAsync(connection, "baseline_invoices", invoices);
            await CopyAsync(connection, "baseline_invoice_lines", lines);
            await tx.CommitAsync();
        }
        var seconds = watch.Elapsed.TotalSeconds;
        await ExecAsync(dataSource, "DROP TABLE baseline_invoice_lines, baseline_invoices");
        return seconds;
    }

    private sealed record Rows(string[] Columns, string[] Types, List<object[]> Values);

    private static async Task<Rows> LoadAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT * FROM {table}");
        await using var reader = await cmd.ExecuteReaderAsync();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var types = Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName).ToArray();
        var values = new List<object[]>(Subscriptions);
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            values.Add(row);
        }
        return new Rows(columns, types, values);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string table, Rows rows)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            $"COPY {table} ({string.Join(", ", rows.Columns.Select(c => $"\"{c}\""))}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows.Values)
        {
            await writer.StartRowAsync();
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] is DBNull) await writer.WriteNullAsync();
                else await writer.WriteAsync(row[i], rows.Types[i]);
            }
        }
        await writer.CompleteAsync();
    }

    private static async Task<Guid> SeedAsync(IServiceProvider services, DateOnly today)
    {
        var now = DateTimeOffset.UtcNow;
        Guid tenantId;
        await using (var system = services.CreateAsyncScope())
        {
            var db = system.ServiceProvider.GetRequiredService<MPanelDbContext>();
            using var _ = system.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
            var platform = await db.Tenants.SingleAsync(t => t.Kind == TenantKind.Platform);
            var tenant = Tenant.CreateReseller(platform, "Billing bench", "bench-billing", "EUR", now);
            db.Tenants.Add(tenant);
            await db.SaveChangesAsync();
            tenantId = tenant.Id;
        }

        await using var root = services.CreateAsyncScope();
        root.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "bench-seed");
        await using var scope = root.ServiceProvider.GetRequiredService<TenantScopeFactory>().Create();
        var tenantDb = scope.Db;
        var settings = await scope.Get<BillingLedger>().SettingsAsync(scope, CancellationToken.None); // defaults: NL seller, lead 14 days, INV-{yyyy}-{n:6}
        if (settings.InvoiceLeadDays != LeadDays || settings.IssueProformas) throw new InvalidOperationException("Unexpected default billing settings.");
        tenantDb.TaxRules.Add(TaxRule.Create(new TaxRuleDetails("VAT", "NL", null, 21m, false, 0), now));
        var product = Product.Create(new ProductDetails("Web Hosting Pro", ProductType.SharedHosting, "Shared hosting, 10 sites", ["10 sites", "20 GB disk"],
            new ProductResources { Sites = 10, DiskMb = 20_480, Mailboxes = 25, Databases = 10, DnsZones = 10 }, ProductVisibility.Public, null,
            ProvisioningPolicy.OnPayment, [new ProductPrice(BillingCycle.Monthly, "EUR", 9.95m, 0m)], []), now);
        tenantDb.Products.Add(product);
        string[] first = ["Anna", "Ben", "Clara", "Daan", "Eva", "Femke", "Guus", "Hanna", "Ivo", "Jan", "Kees", "Lotte", "Maarten", "Noor"];
        string[] last = ["Bakker", "de Vries", "Jansen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos", "Peters", "Hendriks"];
        var customers = new List<Customer>(Customers);
        for (var c = 0; c < Customers; c++)
        {
            var customer = Customer.Create(new CustomerDetails(first[c % first.Length], last[c % last.Length], $"customer{c}@bench.example",
                c % 4 == 0 ? $"Klant {c} B.V." : null, null, "NL"), now);
            customers.Add(customer);
            tenantDb.Customers.Add(customer);
        }
        await tenantDb.SaveChangesAsync();

        // Subscriptions straight into the table with BulkCopy: seeding speed is not what is measured. Each was ordered a
        // month before its due date and activated, so its current period ends within the next 14 days.
        var subscriptions = new List<Subscription>(Subscriptions);
        for (var i = 0; i < Subscriptions; i++)
        {
            var due = today.AddDays(1 + i % LeadDays);
            var s = Subscription.Create(tenantId, customers[i % Customers].Id, product, BillingCycle.Monthly, "EUR", 9.95m, [], 0m, null, null,
                due.AddMonths(-1), now.AddMonths(-1));
            s.Activate("Paid", "bench", now.AddMonths(-1));
            subscriptions.Add(s);
        }
        if (subscriptions.Any(s => s.CurrentPeriodEnd > today.AddDays(LeadDays))) throw new InvalidOperationException("A subscription is not due.");
        var connection = (NpgsqlConnection)tenantDb.Database.GetDbConnection();
        await tenantDb.Database.OpenConnectionAsync();
        await using (var tx = await tenantDb.Database.BeginTransactionAsync())
        {
            await BulkCopy.WriteAsync(tenantDb, connection, "subscriptions", subscriptions, CancellationToken.None);
            await BulkCopy.WriteAsync(tenantDb, connection, "subscription_transitions", subscriptions.SelectMany(s => s.Transitions).ToList(), CancellationToken.None);
            await tx.CommitAsync();
        }
        await tenantDb.Database.ExecuteSqlRawAsync("VACUUM ANALYZE subscriptions");
        await tenantDb.Database.ExecuteSqlRawAsync("VACUUM ANALYZE subscription_transitions");
        await tenantDb.Database.ExecuteSqlRawAsync("VACUUM ANALYZE customers");
        return tenantId;
    }

    private static async Task ExecAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>Samples the process's working set and the managed heap every 20 ms on its own thread.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _peakWorkingSet, _peakHeap;

        public double StartWorkingSetMb { get; }

        public MemorySampler()
        {
            using (var self = Process.GetCurrentProcess()) StartWorkingSetMb = self.WorkingSet64 / 1048576.0;
            _thread = new Thread(() =>
            {
                using var process = Process.GetCurrentProcess();
                while (!_stop)
                {
                    process.Refresh();
                    _peakWorkingSet = Math.Max(_peakWorkingSet, process.WorkingSet64);
                    _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                    Thread.Sleep(20);
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public (double WorkingSetMb, double HeapMb) Stop()
        {
            _stop = true;
            _thread.Join();
            return (_peakWorkingSet / 1048576.0, _peakHeap / 1048576.0);
        }

        public void Dispose() { _stop = true; }
    }
}
