using System.Globalization;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Persistence;
using MPanel.Domain.Marketing;
using MPanel.Web.Features.Catalog;
using Npgsql;

namespace MPanel.Web.Features.MarketingApi;

public enum ReportBucket { Day, Month, Year }

/// <summary>One bucket of revenue in one currency: money received (<c>gross</c>, succeeded payments other than account
/// credit), money refunded in that bucket (<c>refunds</c>) and <c>net</c> = gross − refunds.</summary>
public sealed record RevenueBucket(DateOnly Start, decimal Gross, decimal Refunds, decimal Net, int Payments);

public sealed record RevenueSeries(string Currency, decimal Gross, decimal Refunds, decimal Net, IReadOnlyList<RevenueBucket> Buckets);

/// <summary>Revenue between <c>from</c> and <c>to</c> (inclusive, in <c>timeZone</c>) per bucket and currency; every bucket
/// of the range is present, empty ones with zeros.</summary>
public sealed record RevenueReport(DateOnly From, DateOnly To, string Bucket, string TimeZone, IReadOnlyList<RevenueSeries> Currencies);

public sealed record SignupGroup(string? Source, string? Medium, string? Campaign, int Signups);

/// <summary>Signups between <c>from</c> and <c>to</c> (inclusive, UTC days) grouped by UTM source, medium and campaign
/// (null: not given); <c>withoutUtm</c> counts the signups with none of the three.</summary>
public sealed record CustomersReport(DateOnly From, DateOnly To, int Signups, int WithUtm, int WithoutUtm, IReadOnlyList<SignupGroup> Groups);

public sealed record ProductUsage(Guid ProductId, string ProductName, int ActiveSubscriptions, ProductResources ResourcesEach);

/// <summary>What the shop's active subscriptions grant, summed: sites, disk (MiB), mailboxes, databases, DNS zones and
/// certificates.</summary>
public sealed record ResourceTotals(int Sites, long DiskMb, long Mailboxes, long Databases, long DnsZones, long Certificates);

public sealed record UsageReport(DateTimeOffset At, int ActiveSubscriptions, ResourceTotals Resources, IReadOnlyList<ProductUsage> Products);

/// <summary>The reports behind <c>reports/*</c>. Revenue is aggregated in PostgreSQL (date_trunc in the shop's time zone,
/// generate_series for empty buckets); the raw SQL names the tenant explicitly, since it bypasses the EF query filter.</summary>
public sealed class MarketingReportsService(MPanelDbContext db, ICurrentTenant tenant, CatalogService catalog, TimeProvider clock)
{
    /// <summary>Shops store no time zone yet: buckets are UTC days. When one is stored, pass it here.</summary>
    public const string DefaultTimeZone = "UTC";

    public static readonly IReadOnlyDictionary<ReportBucket, int> MaxBuckets = new Dictionary<ReportBucket, int>
    {
        [ReportBucket.Day] = 3 * 366, // three years of days
        [ReportBucket.Month] = 10 * 12,
        [ReportBucket.Year] = 50,
    };

    private Guid TenantId => tenant.TenantId ?? throw new InvalidOperationException("No tenant.");

    public async Task<RevenueReport> RevenueAsync(string? from, string? to, string? bucket, string? currency, CancellationToken ct)
    {
        var v = new Validator();
        var unit = (bucket?.Trim().ToLowerInvariant() ?? "month") switch
        {
            "day" => ReportBucket.Day,
            "month" => ReportBucket.Month,
            "year" => ReportBucket.Year,
            _ => (ReportBucket?)null,
        };
        v.Require(unit is not null, "bucket", "Use day, month or year.");
        var cur = currency?.Trim().ToUpperInvariant();
        v.Require(cur is null || cur.Length == 3 && cur.All(char.IsAsciiLetterUpper), "currency", "A three-letter ISO 4217 code, e.g. EUR.");
        var (start, end) = Range(v, from, to, unit ?? ReportBucket.Month);
        v.ThrowIfInvalid();

        var tz = DefaultTimeZone;
        var pgUnit = unit!.Value.ToString().ToLowerInvariant();
        var wanted = cur ?? (await catalog.GetSettingsAsync(ct)).Details.BaseCurrency;
        const string sql = """
            WITH bounds AS (
                SELECT ($2::date::timestamp AT TIME ZONE $4) AS lo, (($3::date + 1)::timestamp AT TIME ZONE $4) AS hi
            ), paid AS (
                SELECT date_trunc($5, p.completed_at AT TIME ZONE $4) AS bucket, p.currency, sum(p.amount) AS gross, count(*)::int AS n
                FROM payments p, bounds
                WHERE p.tenant_id = $1 AND p.status = 'Succeeded' AND p.gateway <> 'Credit'
                  AND p.completed_at >= bounds.lo AND p.completed_at < bounds.hi
                GROUP BY 1, 2
            ), refunded AS (
                SELECT date_trunc($5, r.created_at AT TIME ZONE $4) AS bucket, r.currency, sum(r.amount) AS amount
                FROM refunds r JOIN payments p ON p.id = r.payment_id AND p.tenant_id = r.tenant_id, bounds
                WHERE r.tenant_id = $1 AND p.gateway <> 'Credit' AND r.created_at >= bounds.lo AND r.created_at < bounds.hi
                GROUP BY 1, 2
            ), currencies AS (
                SELECT $6::text AS currency
                UNION SELECT currency FROM paid UNION SELECT currency FROM refunded
            ), buckets AS (
                SELECT generate_series(date_trunc($5, $2::date::timestamp), date_trunc($5, $3::date::timestamp), ('1 ' || $5)::interval) AS bucket
            )
            SELECT c.currency, b.bucket::date, coalesce(paid.gross, 0), coalesce(refunded.amount, 0), coalesce(paid.n, 0)
            FROM buckets b CROSS JOIN currencies c
            LEFT JOIN paid ON paid.bucket = b.bucket AND paid.currency = c.currency
            LEFT JOIN refunded ON refunded.bucket = b.bucket AND refunded.currency = c.currency
            WHERE $7::text IS NULL OR c.currency = $7
            ORDER BY c.currency, b.bucket
            """;
        var rows = new List<(string Currency, RevenueBucket Bucket)>();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = start });
        command.Parameters.Add(new NpgsqlParameter { Value = end });
        command.Parameters.Add(new NpgsqlParameter { Value = tz });
        command.Parameters.Add(new NpgsqlParameter { Value = pgUnit });
        command.Parameters.Add(new NpgsqlParameter { Value = wanted });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cur ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var c = reader.GetString(0);
                var minor = Money.MinorUnits(c);
                var gross = Math.Round(reader.GetDecimal(2), minor);
                var refunds = Math.Round(reader.GetDecimal(3), minor);
                rows.Add((c, new RevenueBucket(reader.GetFieldValue<DateOnly>(1), gross, refunds, gross - refunds, reader.GetInt32(4))));
            }
        }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        var series = rows.GroupBy(r => r.Currency).Select(g =>
        {
            var buckets = g.Select(r => r.Bucket).ToList();
            var gross = buckets.Sum(b => b.Gross);
            var refunds = buckets.Sum(b => b.Refunds);
            return new RevenueSeries(g.Key, gross, refunds, gross - refunds, buckets);
        }).ToList();
        return new RevenueReport(start, end, pgUnit, tz, series);
    }

    public async Task<CustomersReport> CustomersAsync(string? from, string? to, CancellationToken ct)
    {
        var v = new Validator();
        var (start, end) = Range(v, from, to, ReportBucket.Day);
        v.ThrowIfInvalid();
        var lo = new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var hi = new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var groups = await db.CustomerAcquisitions.AsNoTracking()
            .Where(a => a.CreatedAt >= lo && a.CreatedAt < hi)
            .GroupBy(a => new { a.UtmSource, a.UtmMedium, a.UtmCampaign })
            .Select(g => new SignupGroup(g.Key.UtmSource, g.Key.UtmMedium, g.Key.UtmCampaign, g.Count()))
            .ToListAsync(ct);
        groups = groups.OrderByDescending(g => g.Signups).ThenBy(g => g.Source).ThenBy(g => g.Medium).ThenBy(g => g.Campaign).ToList();
        var total = groups.Sum(g => g.Signups);
        var without = groups.Where(g => g is { Source: null, Medium: null, Campaign: null }).Sum(g => g.Signups);
        return new CustomersReport(start, end, total, total - without, without, groups);
    }

    public async Task<UsageReport> UsageAsync(CancellationToken ct)
    {
        var counts = await db.Subscriptions.AsNoTracking().Where(s => s.Status == SubscriptionStatus.Active)
            .GroupBy(s => s.ProductId).Select(g => new { ProductId = g.Key, Count = g.Count() }).ToListAsync(ct);
        var ids = counts.Select(c => c.ProductId).ToList();
        var products = await db.Products.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var rows = counts.Where(c => products.ContainsKey(c.ProductId))
            .Select(c => new ProductUsage(c.ProductId, products[c.ProductId].Name, c.Count, products[c.ProductId].Resources))
            .OrderByDescending(p => p.ActiveSubscriptions).ThenBy(p => p.ProductName, StringComparer.Ordinal).ToList();
        var totals = new ResourceTotals(
            rows.Sum(r => r.ActiveSubscriptions * r.ResourcesEach.Sites),
            rows.Sum(r => (long)r.ActiveSubscriptions * r.ResourcesEach.DiskMb),
            rows.Sum(r => (long)r.ActiveSubscriptions * r.ResourcesEach.Mailboxes),
            rows.Sum(r => (long)r.ActiveSubscriptions * r.ResourcesEach.Databases),
            rows.Sum(r => (long)r.ActiveSubscriptions * r.ResourcesEach.DnsZones),
            rows.Sum(r => (long)r.ActiveSubscriptions * r.ResourcesEach.Certificates));
        return new UsageReport(clock.GetUtcNow(), rows.Sum(r => r.ActiveSubscriptions), totals, rows);
    }

    /// <summary>Parses <c>from</c>/<c>to</c> (yyyy-MM-dd, inclusive). Defaults: <c>to</c> today (UTC); <c>from</c> 30 days,
    /// 12 months or 5 years before, by bucket. Errors name the field.</summary>
    private (DateOnly From, DateOnly To) Range(Validator v, string? from, string? to, ReportBucket unit)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        DateOnly? Parse(string? text, string field)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
            v.Require(false, field, "A date as yyyy-MM-dd.");
            return null;
        }
        var end = Parse(to, "to") ?? today;
        var start = Parse(from, "from") ?? unit switch
        {
            ReportBucket.Day => end.AddDays(-29),
            ReportBucket.Month => new DateOnly(end.Year, end.Month, 1).AddMonths(-11),
            _ => new DateOnly(end.Year - 4, 1, 1),
        };
        if (start > end)
        {
            v.Require(false, "from", "from must not be after to.");
            return (start, end);
        }
        var count = unit switch
        {
            ReportBucket.Day => end.DayNumber - start.DayNumber + 1,
            ReportBucket.Month => (end.Year - start.Year) * 12 + end.Month - start.Month + 1,
            _ => end.Year - start.Year + 1,
        };
        var max = MaxBuckets[unit];
        v.Require(count <= max, "to", $"At most {max} {unit.ToString().ToLowerInvariant()} buckets per call ({count} asked); narrow from/to or use a larger bucket.");
        return (start, end);
    }
}

public static class MarketingReportsEndpoints
{
    public static void MapMarketingReports(this RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/reports").WithTags("Reports").RequireAuthorization(ApiScopes.ReportsRead)
            .ProducesValidationProblem();
        reports.MapGet("/revenue", async (MarketingReportsService service, string? from, string? to, string? bucket, string? currency, CancellationToken ct) =>
                TypedResults.Ok(await service.RevenueAsync(from, to, bucket, currency, ct)))
            .WithName("GetRevenueReport").WithSummary("Revenue per day, month or year and currency")
            .WithDescription("""
                Money received between `from` and `to` (inclusive, `yyyy-MM-dd`, in the shop's time zone: UTC today), per bucket
                (`day`, `month` (default) or `year`) and currency. `gross` sums succeeded payments by the time they completed
                (Stripe, bank transfer, manual; payments from account credit are not new money and are left out), `refunds` sums
                refunds by the time they were made, `net` = gross − refunds. Every bucket of the range is present; the shop's
                base currency (or `currency`) is always listed. At most 1098 day, 120 month or 50 year buckets per call.
                """);
        reports.MapGet("/customers", async (MarketingReportsService service, string? from, string? to, CancellationToken ct) =>
                TypedResults.Ok(await service.CustomersAsync(from, to, ct)))
            .WithName("GetCustomersReport").WithSummary("Signups by UTM source, medium and campaign")
            .WithDescription("Accounts created between `from` and `to` (inclusive UTC days, default the last 30) grouped by the UTM parameters stored at signup.");
        reports.MapGet("/usage", async (MarketingReportsService service, CancellationToken ct) => TypedResults.Ok(await service.UsageAsync(ct)))
            .WithName("GetUsageReport").WithSummary("Resources in use")
            .WithDescription("Active subscriptions per product, and what they grant summed: sites, disk (MiB), mailboxes, databases, DNS zones, certificates.");
    }
}
