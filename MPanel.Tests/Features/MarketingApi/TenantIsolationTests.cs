using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Persistence;
using MPanel.Web.Features.Payments;
using Npgsql;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>Another shop's key never reaches this shop's objects. Nothing here is a hand-written list: the id-bearing
/// routes come from the endpoint data source, and the ids are every row id of every tenant-owned table of the owning
/// shop (from the EF model), so a new route or a new entity is covered the day it lands. Every pair answers 404 as
/// problem details, and no row of either shop changes.</summary>
public sealed class TenantIsolationTests(ProvisioningApiFactory factory) : IClassFixture<ProvisioningApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    private sealed record Route(string Method, string Pattern);

    private Guid _owner;

    private IReadOnlyList<Route> IdRoutes() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith(Base + "/", StringComparison.Ordinal) && e.RoutePattern.Parameters.Count > 0)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => new Route(m, e.RoutePattern.RawText!)))
            .ToList();

    /// <summary>Tenant-owned tables with a single uuid key, from the EF model: (table, key column, tenant column, operational).</summary>
    private Task<List<(string Table, string Key, string Tenant, bool Log)>> TablesAsync() => factory.DbAsync(db => Task.FromResult(
        db.Model.GetEntityTypes()
            .Where(t => typeof(ITenantOwned).IsAssignableFrom(t.ClrType) && !t.IsOwned() && t.GetTableName() is not null
                        && t.FindPrimaryKey()?.Properties is [{ ClrType: var keyType }] && keyType == typeof(Guid))
            .Select(t => (Table: t.GetTableName()!, Key: t.FindPrimaryKey()!.Properties[0].GetColumnName(),
                Tenant: t.FindProperty(nameof(ITenantOwned.TenantId))!.GetColumnName(), Log: typeof(IOperationalRecord).IsAssignableFrom(t.ClrType)))
            .DistinctBy(t => t.Table)
            .ToList()));

    private async Task<List<T>> SqlAsync<T>(string sql, Guid tenantId, Func<NpgsqlDataReader, T> read)
    {
        return await factory.DbAsync(async db =>
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync();
            try
            {
                await using var command = new NpgsqlCommand(sql, connection);
                command.Parameters.AddWithValue(tenantId);
                await using var reader = await command.ExecuteReaderAsync();
                var rows = new List<T>();
                while (await reader.ReadAsync()) rows.Add(read(reader));
                return rows;
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });
    }

    /// <summary>Row count per table and a digest of each row (its text form), for the "nothing changed" check.</summary>
    private async Task<Dictionary<string, string>> SnapshotAsync(Guid tenantId, IEnumerable<(string Table, string Key, string Tenant, bool Log)> tables)
    {
        var snapshot = new Dictionary<string, string>();
        foreach (var t in tables.Where(t => !t.Log))
        {
            // A key records when it was last used: its rows are compared by count (revocation is checked by the digest of A's).
            var digest = t.Table == "api_keys" && tenantId != _owner ? "'keys'" : $"md5(string_agg(x::text, '|' ORDER BY x.\"{t.Key}\"))";
            var rows = await SqlAsync($"SELECT coalesce({digest}, '') || ':' || count(*) FROM \"{t.Table}\" x WHERE x.\"{t.Tenant}\" = $1",
                tenantId, r => r.GetString(0));
            snapshot[t.Table] = rows.Single();
        }
        return snapshot;
    }

    [Fact]
    public async Task AnotherShopsKey_Gets404_ForEveryIdOfThisShop_OnEveryIdBearingRoute_AndNothingChanges()
    {
        // Shop A with one of everything the API makes: customer, paid order and active service, pending order, key, promo.
        var a = await factory.ShopAsync("iso-owner");
        _owner = a.Tenant.Id;
        var b = await factory.ShopAsync("iso-other");
        var apiA = factory.ApiClient((await factory.KeyAsync(a.Tenant.Id)).Secret);
        var customer = await factory.AccountAsync(apiA, "ada@iso-owner.test");
        using var ordered = await apiA.PostAsJsonAsync($"{Base}/orders", new { customerId = customer, items = new[] { new { productId = a.StarterId, cycle = "Monthly" } } });
        Assert.True(ordered.IsSuccessStatusCode, $"POST orders answered {(int)ordered.StatusCode}: {await ordered.Content.ReadAsStringAsync()}");
        var paid = await ordered.Content.ReadFromJsonAsync<JsonElement>();
        await factory.InTenantAsync(a.Tenant.Id, sp => sp.GetRequiredService<PaymentsService>()
            .RecordManualAsync(paid.GetProperty("invoiceId").GetGuid(), paid.GetProperty("total").GetDecimal(), PaymentGatewayKind.BankTransfer, "ISO-A"));
        await apiA.PostAsJsonAsync($"{Base}/orders", new { customerId = customer, items = new[] { new { productId = a.ProId, cycle = "Monthly" } }, promoCode = "WELCOME10" });
        await factory.KeyAsync(a.Tenant.Id, [MPanel.Domain.Marketing.ApiScopes.CatalogRead]);

        var tables = await TablesAsync();
        var ids = new List<(string Table, Guid Id)>();
        foreach (var t in tables)
            ids.AddRange(await SqlAsync($"SELECT \"{t.Key}\" FROM \"{t.Table}\" WHERE \"{t.Tenant}\" = $1", a.Tenant.Id, r => (t.Table, r.GetGuid(0))));
        Assert.Contains(ids, i => i.Table == "subscriptions");
        Assert.Contains(ids, i => i.Table == "api_keys");
        Assert.True(ids.Select(i => i.Table).Distinct().Count() >= 8, string.Join(", ", ids.Select(i => i.Table).Distinct()));

        var routes = IdRoutes();
        Assert.True(routes.Count >= 5, $"only {routes.Count} id-bearing routes");
        var apiB = factory.ApiClient((await factory.KeyAsync(b.Tenant.Id)).Secret);
        var beforeA = await SnapshotAsync(a.Tenant.Id, tables);
        var beforeB = await SnapshotAsync(b.Tenant.Id, tables);
        var body = new { productId = b.ProId, cycle = "Monthly", url = "https://hooks.example.test/mpanel", events = new[] { "order.created" }, name = "probe", enabled = true };
        var failures = new List<string>();
        var calls = 0;
        foreach (var route in routes)
        {
            foreach (var (table, id) in ids)
            {
                var url = System.Text.RegularExpressions.Regex.Replace(route.Pattern, @"\{[^}]+\}", id.ToString());
                foreach (var query in route.Method == "POST" ? new[] { "?preview=true", "" } : [""])
                {
                    var request = new HttpRequestMessage(new HttpMethod(route.Method), url + query);
                    if (route.Method is "POST" or "PUT" or "PATCH") request.Content = JsonContent.Create(body);
                    var response = await apiB.SendAsync(request);
                    calls++;
                    if (response.StatusCode != HttpStatusCode.NotFound || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                        failures.Add($"{route.Method} {route.Pattern}{query} with {table} {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls did not answer 404:\n" + string.Join("\n", failures.Take(30)));
        var afterA = await SnapshotAsync(a.Tenant.Id, tables);
        var afterB = await SnapshotAsync(b.Tenant.Id, tables);
        Assert.Empty(beforeA.Where(kv => afterA[kv.Key] != kv.Value).Select(kv => "A " + kv.Key)
            .Concat(beforeB.Where(kv => afterB[kv.Key] != kv.Value).Select(kv => "B " + kv.Key)));
        Assert.Equal(1, factory.Port.Requests.Count(r => r.TenantId == a.Tenant.Id)); // only the payment's own request
    }
}
