using Hangfire;
using MPanel.Infrastructure.Jobs;
using MPanel.Infrastructure.Seeding;

namespace MPanel.Web;

/// <summary>Start-up work that needs the database, run before the server accepts requests: migrations, roles, the
/// platform tenant, recurring jobs, and demo data when <c>Demo:Seed</c> is on.</summary>
public sealed class StartupTasks(IServiceProvider services, IConfiguration configuration, IHostApplicationLifetime lifetime) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var platform = await scope.ServiceProvider.GetRequiredService<PlatformBootstrapper>().RunAsync(cancellationToken);
        scope.ServiceProvider.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<AuditRetentionJob>(AuditRetentionJob.RecurringId, "default", j => j.RunAsync(CancellationToken.None), Cron.Daily(3));
        Features.MarketingApi.MarketingMaintenanceJob.Register(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>());
        Features.Webhooks.WebhookDispatchJob.Register(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>());
        Features.Provisioning.ProvisioningJob.Register(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>(), configuration["Provisioning:ReconcileCron"] ?? "30 3 * * *");
        Features.Certificates.CertificateRenewalJob.Register(scope.ServiceProvider.GetRequiredService<IRecurringJobManager>());
        await RegisterBillingJobsAsync(scope.ServiceProvider, cancellationToken);
        if (configuration.GetValue("Demo:Seed", false))
        {
            var logins = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(platform, cancellationToken);
            var demoTenants = await SystemQueryAsync(scope.ServiceProvider, db => db.Tenants.Select(t => t.Id), cancellationToken);
            await scope.ServiceProvider.GetRequiredService<Features.Billing.BillingDemoSeeder>().SeedAsync(demoTenants, cancellationToken);
            lifetime.ApplicationStarted.Register(() => DemoBanner.Print(services, logins));
        }
    }

    private async Task RegisterBillingJobsAsync(IServiceProvider sp, CancellationToken ct)
    {
        var tenants = await SystemQueryAsync(sp, db => db.Tenants.Where(t => t.Status == MPanel.Domain.Tenants.TenantStatus.Active).Select(t => new { t.Id, t.Slug }), ct);
        Features.Billing.BillingSchedule.Register(sp.GetRequiredService<IRecurringJobManager>(), tenants.Select(t => (t.Id, t.Slug)),
            configuration["Billing:DailyCron"] ?? "0 2 * * *");
    }

    private static async Task<List<T>> SystemQueryAsync<T>(IServiceProvider sp, Func<MPanel.Infrastructure.Persistence.MPanelDbContext, IQueryable<T>> query, CancellationToken ct)
    {
        var db = sp.GetRequiredService<MPanel.Infrastructure.Persistence.MPanelDbContext>();
        using var _ = sp.GetRequiredService<MPanel.Infrastructure.Tenancy.CrossTenantAccess>().BeginSystem();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(query(db), ct);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
