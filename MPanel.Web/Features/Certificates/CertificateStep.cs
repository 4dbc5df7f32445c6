using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Billing;
using MPanel.Domain.Certificates;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Acme;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Certificates;

/// <summary>Provisioning step "certificate" (order 40, after DNS, site and database): on create, issues a certificate for
/// the primary domain and its www name over http-01 and installs it on the account's site; on terminate, optionally
/// revokes it, uninstalls and deletes it. Drift: the serial installed on the server against the database's.
/// Idempotent: the certificate is found by its state key or its subscription, issued only when not yet issued, and
/// installed only when the server holds another serial.</summary>
public sealed class CertificateStep(IServiceScopeFactory services, ICertificateInstaller installer, ICertificateAuthority authority,
    IOptions<AcmeOptions> options, TimeProvider clock) : IProvisioningStep
{
    public const string StateKey = "certificate.id";

    public string Kind => "certificate";
    public int Order => 40;
    public string Title => "Certificate";

    public bool AppliesTo(ProvisioningStepContext context) =>
        context.Resources.Certificates > 0 && !string.IsNullOrWhiteSpace(context.PrimaryDomain);

    public static IReadOnlyList<string> NamesFor(string primaryDomain) =>
        primaryDomain.StartsWith("www.", StringComparison.Ordinal) ? [primaryDomain] : [primaryDomain, "www." + primaryDomain];

    public async Task RunAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(context.TenantId, "provisioning:" + Kind);
        var scopes = scope.ServiceProvider.GetRequiredService<TenantScopeFactory>();
        switch (context.Action)
        {
            case ServiceAction.Provision:
                await ProvisionAsync(context, scope.ServiceProvider, scopes, ct);
                break;
            case ServiceAction.Terminate:
                await TerminateAsync(context, scope.ServiceProvider, scopes, ct);
                break;
            // Suspension is the site's business (the suspend page is served over the same certificate); plan changes
            // do not change the names.
        }
    }

    private async Task ProvisionAsync(ProvisioningStepContext context, IServiceProvider sp, TenantScopeFactory scopes, CancellationToken ct)
    {
        var certificate = await FindAsync(context, scopes, ct);
        if (certificate is null)
        {
            await using var scope = scopes.Create();
            certificate = Certificate.Request(NamesFor(context.PrimaryDomain), ChallengeType.Http01, context.SubscriptionId, clock.GetUtcNow());
            scope.Db.Certificates.Add(certificate);
            await scope.Db.SaveChangesAsync(ct);
        }
        context.State[StateKey] = certificate.Id.ToString();
        if (certificate.Status != CertificateStatus.Issued)
            certificate = await sp.GetRequiredService<CertificateIssuer>().IssueAsync(certificate.Id, ct);

        var installed = await installer.GetInstalledSerialAsync(context.TenantId, context.AccountName, certificate.PrimaryDomain, ct);
        if (installed != certificate.SerialNumber)
        {
            var keyPem = sp.GetRequiredService<CertificateKeyProtector>().UnprotectPrivateKey(certificate.TenantId, certificate.ProtectedPrivateKey!);
            await installer.InstallAsync(new CertificateInstallation(context.TenantId, context.AccountName, certificate.PrimaryDomain,
                certificate.ChainPem!, keyPem), ct);
        }
        if (certificate.InstalledAccount != context.AccountName)
        {
            await using var scope = scopes.Create();
            var tracked = await scope.Db.Certificates.FirstAsync(c => c.Id == certificate.Id, ct);
            tracked.MarkInstalled(context.AccountName, clock.GetUtcNow());
            await scope.Db.SaveChangesAsync(ct);
        }
    }

    private async Task TerminateAsync(ProvisioningStepContext context, IServiceProvider sp, TenantScopeFactory scopes, CancellationToken ct)
    {
        var certificate = await FindAsync(context, scopes, ct);
        await installer.RemoveAsync(context.TenantId, context.AccountName, certificate?.PrimaryDomain ?? context.PrimaryDomain, ct);
        if (certificate is null) return;
        if (options.Value.RevokeOnTerminate && certificate is { Source: CertificateSource.Acme, Status: CertificateStatus.Issued, ChainPem: not null })
        {
            await using var read = scopes.Create();
            var account = await read.Db.AcmeAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.DirectoryUrl == authority.DirectoryUrl, ct);
            if (account?.AccountUrl is { } accountUrl)
            {
                var accountKey = sp.GetRequiredService<CertificateKeyProtector>().UnprotectAccountKey(context.TenantId, account.ProtectedKey);
                await authority.RevokeAsync(accountKey, accountUrl, certificate.ChainPem, ct);
            }
        }
        await using var scope = scopes.Create();
        await scope.Db.Certificates.Where(c => c.Id == certificate.Id).ExecuteDeleteAsync(ct);
        context.State.Remove(StateKey);
    }

    public async Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(context.TenantId, "reconcile:" + Kind);
        var certificate = await FindAsync(context, scope.ServiceProvider.GetRequiredService<TenantScopeFactory>(), ct);
        if (certificate is null || certificate.Status is not (CertificateStatus.Issued or CertificateStatus.Expired)) return [];
        var installed = await installer.GetInstalledSerialAsync(context.TenantId, context.AccountName, certificate.PrimaryDomain, ct);
        return installed == certificate.SerialNumber
            ? []
            : [new ProvisioningDrift(Kind, certificate.PrimaryDomain, certificate.SerialNumber ?? "(none)", installed ?? "(not installed)")];
    }

    private static async Task<Certificate?> FindAsync(ProvisioningStepContext context, TenantScopeFactory scopes, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        if (context.State.TryGetValue(StateKey, out var text) && Guid.TryParse(text, out var id)
            && await scope.Db.Certificates.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is { } byId)
            return byId;
        return await scope.Db.Certificates.AsNoTracking()
            .Where(c => c.SubscriptionId == context.SubscriptionId).OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(ct);
    }
}
