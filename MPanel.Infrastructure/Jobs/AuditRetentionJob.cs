using System.ComponentModel.DataAnnotations;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Infrastructure.Jobs;

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Audit rows older than this are deleted by the nightly maintenance job.</summary>
    [Range(30, 3650)]
    public int RetentionDays { get; set; } = 400;
}

/// <summary>Deletes audit rows past the retention period, in batches; safe to run again at any time.</summary>
public sealed class AuditRetentionJob(MPanelDbContext db, CrossTenantAccess crossTenant, IOptions<AuditOptions> options,
    TimeProvider clock, ILogger<AuditRetentionJob> logger)
{
    public const string RecurringId = "maintenance:audit-retention";

    [Queue("default")]
    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().AddDays(-options.Value.RetentionDays);
        using var _ = crossTenant.BeginSystem();
        var total = 0;
        while (true)
        {
            var ids = await db.AuditEntries.Where(a => a.At < cutoff).OrderBy(a => a.At).Select(a => a.Id).Take(5000).ToListAsync(ct);
            if (ids.Count == 0) break;
            total += await db.AuditEntries.Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(ct);
        }
        logger.LogInformation("Audit retention removed {Count} entries older than {Cutoff:u}", total, cutoff);
    }
}
