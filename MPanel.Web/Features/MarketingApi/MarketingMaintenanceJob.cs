using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>Deletes marketing-API activity past its retention and idempotency records past their 24 hours, in batches,
/// for every tenant; safe to run again at any time.</summary>
public sealed class MarketingMaintenanceJob(MPanelDbContext db, CrossTenantAccess crossTenant, IOptions<MarketingApiOptions> options,
    TimeProvider clock, ILogger<MarketingMaintenanceJob> logger)
{
    public const string RecurringId = "maintenance:marketing-api";

    public static void Register(IRecurringJobManager recurring) =>
        recurring.AddOrUpdate<MarketingMaintenanceJob>(RecurringId, "default", j => j.RunAsync(CancellationToken.None), Cron.Hourly(17));

    [Queue("default")]
    [AutomaticRetry(Attempts = 3)]
    public async Task<(int Activity, int Idempotency)> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var cutoff = now.AddDays(-options.Value.ActivityRetentionDays);
        using var _ = crossTenant.BeginSystem();
        var activity = 0;
        while (true)
        {
            var ids = await db.ApiActivity.Where(a => a.At < cutoff).OrderBy(a => a.At).Select(a => a.Id).Take(5000).ToListAsync(ct);
            if (ids.Count == 0) break;
            activity += await db.ApiActivity.Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(ct);
        }
        var idempotency = await db.ApiIdempotencyRecords.Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        logger.LogInformation("Marketing API maintenance removed {Activity} activity rows older than {Cutoff:u} and {Idempotency} expired idempotency records",
            activity, cutoff, idempotency);
        return (activity, idempotency);
    }
}
