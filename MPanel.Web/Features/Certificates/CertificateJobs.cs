using Hangfire;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Certificates;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Certificates;

/// <summary>Issues one certificate (a new request or "renew now"). Reentrant: a second run re-orders, which is harmless;
/// failures are recorded on the certificate (with backoff) and left to the renewal job, so Hangfire does not retry.</summary>
public sealed class CertificateIssueJob(IServiceScopeFactory services)
{
    public const string Job = "certificate-issue";

    public static string Enqueue(IBackgroundJobClient jobs, Guid tenantId, Guid certificateId) =>
        jobs.Enqueue<CertificateIssueJob>(j => j.RunAsync(tenantId, certificateId, CancellationToken.None));

    [Queue("provisioning")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(600)]
    public async Task RunAsync(Guid tenantId, Guid certificateId, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, Job);
        await scope.ServiceProvider.GetRequiredService<CertificateIssuer>().IssueAsync(certificateId, ct);
    }
}

public sealed record CertificateRenewalResult(int Due, int Renewed, int Failed, int Expired);

/// <summary>Daily: marks certificates past their end as expired, then renews every ACME certificate within 30 days of
/// expiry (or never issued) that is outside its failure backoff, one at a time, each in its own tenant. Idempotent: a
/// renewed certificate is not due again, and a certificate issued within a day is never renewed twice.</summary>
public sealed class CertificateRenewalJob(IServiceScopeFactory services, MPanelDbContext db, CrossTenantAccess crossTenant,
    TimeProvider clock, ILogger<CertificateRenewalJob> logger)
{
    public const string RecurringId = "certificates:renew";
    public const string Job = "certificates-renew";

    public static void Register(IRecurringJobManager recurring) =>
        recurring.AddOrUpdate<CertificateRenewalJob>(RecurringId, "default", j => j.RunAsync(CancellationToken.None), Cron.Daily(4, 30));

    [Queue("default")]
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(3600)]
    public async Task<CertificateRenewalResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var renewFrom = now + Certificate.RenewBefore;
        var issuedBefore = now - Certificate.MinRenewalInterval;
        var freshPending = now.AddHours(-1); // a request's own issuance job is still on it
        List<(Guid TenantId, Guid Id)> due;
        int expired;
        using (crossTenant.BeginSystem())
        {
            expired = await db.Certificates
                .Where(c => c.Status == CertificateStatus.Issued && c.NotAfter <= now)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CertificateStatus.Expired).SetProperty(c => c.UpdatedAt, now), ct);
            // Same rule as Certificate.IsDueForRenewal, in SQL.
            due = (await db.Certificates.AsNoTracking()
                    .Where(c => c.Source == CertificateSource.Acme
                                && (c.NextAttemptAt == null || c.NextAttemptAt <= now)
                                && (c.IssuedAt == null || c.IssuedAt <= issuedBefore)
                                && ((c.Status == CertificateStatus.Pending && c.CreatedAt <= freshPending)
                                    || c.Status == CertificateStatus.Failed
                                    || c.NotAfter == null || c.NotAfter <= renewFrom))
                    .OrderBy(c => c.NotAfter)
                    .Select(c => new { c.TenantId, c.Id })
                    .ToListAsync(ct))
                .Select(c => (c.TenantId, c.Id)).ToList();
        }

        int renewed = 0, failed = 0;
        foreach (var (tenantId, id) in due)
        {
            await using var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, Job);
            try
            {
                await scope.ServiceProvider.GetRequiredService<CertificateIssuer>().IssueAsync(id, ct);
                renewed++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++; // recorded on the certificate with its backoff; the next certificate still gets its turn
                logger.LogWarning("Renewing certificate {CertificateId} of tenant {TenantId} failed: {Error}", id, tenantId, ex.Message);
            }
        }
        logger.LogInformation("Certificate renewal: {Due} due, {Renewed} renewed, {Failed} failed, {Expired} marked expired", due.Count, renewed, failed, expired);
        return new CertificateRenewalResult(due.Count, renewed, failed, expired);
    }
}
