// Customer list latency: MPanel's tenant-filtered feature service against a hand-written SQL baseline on the same
// PostgreSQL, same data, same process. Run with bench/run (which starts PostgreSQL and creates the database).
// `bench/run billing` measures the renewal-invoice run instead (BillingBench.cs).
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Customers;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web;
using MPanel.Web.Common;
using MPanel.Web.Features.Customers;
using Npgsql;

var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Default")
    ?? throw new InvalidOperationException("Set ConnectionStrings__Default (bench/run does).");
if (args.Contains("provisioning"))
{
    await ProvisioningBench.RunAsync(connectionString, args);
    return;
}
if (args.Contains("api"))
{
    await ApiBench.RunAsync(connectionString, args);
    return;
}
if (args.Contains("billing")) // dotnet run also forwards options it does not know (--nologo)
{
    await BillingBench.RunAsync(connectionString);
    return;
}
const int Tenants = 20, CustomersPerTenant = 5_000, Iterations = 300, Warmup = 30;

await using var app = MPanelApp.Build(["--applicationName=MPanel.Web", "--urls=http://127.0.0.1:0", "--Jobs:RunServer=false", "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync(); // migrations and the platform tenant

var tenantId = await SeedAsync(app.Services);
Console.WriteLine($"data: {Tenants} tenants x {CustomersPerTenant:N0} customers; {Iterations} timed calls each after {Warmup} warm-up calls");

await using var dataSource = NpgsqlDataSource.Create(connectionString);
var rows = new List<(string Name, double Median, double P95, double Alloc)>();

rows.Add(await MeasureAsync("baseline: raw SQL, page 1 by newest (Npgsql)", async () =>
{
    await using var count = dataSource.CreateCommand("SELECT count(*) FROM customers WHERE tenant_id = $1");
    count.Parameters.AddWithValue(tenantId);
    await count.ExecuteScalarAsync();
    await using var page = dataSource.CreateCommand(
        "SELECT id, first_name, last_name, email, company, country, status, created_at FROM customers " +
        "WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT 25");
    page.Parameters.AddWithValue(tenantId);
    await using var reader = await page.ExecuteReaderAsync();
    var list = new List<CustomerRow>(25);
    while (await reader.ReadAsync())
        list.Add(new CustomerRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), Enum.Parse<CustomerStatus>(reader.GetString(6)),
            reader.GetFieldValue<DateTimeOffset>(7)));
}));

rows.Add(await MeasureAsync("MPanel: CustomersService, page 1 by newest", () =>
    WithTenantAsync(app.Services, tenantId, s => s.ListAsync(new PageQuery(0, 25), new CustomerListQuery()))));

rows.Add(await MeasureAsync("MPanel: CustomersService, page 100 by name", () =>
    WithTenantAsync(app.Services, tenantId, s => s.ListAsync(new PageQuery(99, 25, "name"), new CustomerListQuery()))));

rows.Add(await MeasureAsync("MPanel: CustomersService, search \"ann\"", () =>
    WithTenantAsync(app.Services, tenantId, s => s.ListAsync(new PageQuery(0, 25, Search: "ann"), new CustomerListQuery()))));

var baseline = rows[0].Median;
Console.WriteLine();
Console.WriteLine("| case | median ms | p95 ms | ratio to baseline | allocated KB/call |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
foreach (var (name, median, p95, alloc) in rows)
    Console.WriteLine($"| {name} | {median:F2} | {p95:F2} | {median / baseline:F2}x | {alloc / 1024:F1} |");

await app.StopAsync();

static async Task WithTenantAsync(IServiceProvider services, Guid tenantId, Func<CustomersService, Task> call)
{
    // What a request does: a scope with its tenant resolved, then the feature service.
    await using var scope = services.CreateAsyncScope();
    scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "bench");
    await call(scope.ServiceProvider.GetRequiredService<CustomersService>());
}

static async Task<(string, double, double, double)> MeasureAsync(string name, Func<Task> call)
{
    for (var i = 0; i < Warmup; i++) await call();
    var times = new double[Iterations];
    long allocated = 0;
    for (var i = 0; i < Iterations; i++)
    {
        var before = GC.GetTotalAllocatedBytes(precise: false);
        var watch = Stopwatch.StartNew();
        await call();
        times[i] = watch.Elapsed.TotalMilliseconds;
        allocated += GC.GetTotalAllocatedBytes(precise: false) - before;
    }
    Array.Sort(times);
    Console.WriteLine($"  measured: {name}");
    return (name, times[Iterations / 2], times[(int)(Iterations * 0.95)], (double)allocated / Iterations);
}

static async Task<Guid> SeedAsync(IServiceProvider services)
{
    await using var scope = services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
    using var _ = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>().BeginSystem();
    var existing = await db.Tenants.Where(t => t.Slug.StartsWith("bench-")).OrderBy(t => t.Slug).Select(t => t.Id).ToListAsync();
    if (existing.Count == Tenants) return existing[Tenants / 2];
    if (existing.Count > 0)
    {
        // An interrupted earlier seeding: start over.
        await db.Customers.Where(c => existing.Contains(c.TenantId)).ExecuteDeleteAsync();
        await db.Tenants.Where(t => existing.Contains(t.Id)).ExecuteDeleteAsync();
    }
    await db.Database.OpenConnectionAsync();

    var platform = await db.Tenants.SingleAsync(t => t.Kind == TenantKind.Platform);
    var random = new Random(42);
    string[] first = ["Anna", "Ben", "Clara", "Dmitri", "Elif", "Farah", "Goran", "Hanna", "Ivo", "Jana", "Karl", "Lena", "Marek", "Nadia"];
    string[] last = ["Berg", "Costa", "Dahl", "Eriksen", "Fontaine", "Gruber", "Hansen", "Ivanova", "Janssen", "Kowal", "Lund", "Mann"];
    var ids = new List<Guid>();
    for (var t = 0; t < Tenants; t++)
    {
        var tenant = Tenant.CreateReseller(platform, $"Bench {t:00}", $"bench-{t:00}", "EUR", DateTimeOffset.UtcNow);
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync();
        ids.Add(tenant.Id);
        // Bulk rows straight into the table: seeding speed is not what is measured.
        await using var writer = await ((NpgsqlConnection)db.Database.GetDbConnection()).BeginBinaryImportAsync(
            "COPY customers (id, tenant_id, first_name, last_name, email, company, phone, country, status, created_at, updated_at) FROM STDIN (FORMAT BINARY)");
        for (var c = 0; c < CustomersPerTenant; c++)
        {
            var created = DateTimeOffset.UtcNow.AddMinutes(-random.Next(0, 1_000_000));
            await writer.StartRowAsync();
            await writer.WriteAsync(Guid.CreateVersion7());
            await writer.WriteAsync(tenant.Id);
            await writer.WriteAsync(first[random.Next(first.Length)]);
            await writer.WriteAsync(last[random.Next(last.Length)]);
            await writer.WriteAsync($"c{c}@t{t}.bench.example");
            await writer.WriteAsync(random.Next(4) == 0 ? "Acme Ltd" : (object)DBNull.Value, NpgsqlTypes.NpgsqlDbType.Varchar);
            await writer.WriteAsync(DBNull.Value, NpgsqlTypes.NpgsqlDbType.Varchar);
            await writer.WriteAsync("DE", NpgsqlTypes.NpgsqlDbType.Char);
            await writer.WriteAsync("Active", NpgsqlTypes.NpgsqlDbType.Varchar);
            await writer.WriteAsync(created, NpgsqlTypes.NpgsqlDbType.TimestampTz);
            await writer.WriteAsync(created, NpgsqlTypes.NpgsqlDbType.TimestampTz);
        }
        await writer.CompleteAsync();
    }
    await db.Database.ExecuteSqlRawAsync("ANALYZE customers");
    return ids[Tenants / 2];
}
