using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Certificates;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Acme;
using MPanel.Infrastructure.Tenancy;
using Npgsql;

namespace MPanel.Web.Features.Certificates;

/// <summary>Issues (or renews) one certificate of the current tenant from the ACME CA and stores the result: the tenant's
/// ACME account is created on first use, the new key is stored encrypted, a failure is recorded on the certificate with
/// its backoff and rethrown. A certificate installed on a site is re-installed there after a renewal.</summary>
public sealed class CertificateIssuer(TenantScopeFactory scopes, ICertificateAuthority authority, ICertificateInstaller installer,
    CertificateKeyProtector keys, IOptions<AcmeOptions> options, TimeProvider clock, ILogger<CertificateIssuer> logger)
{
    public async Task<Certificate> IssueAsync(Guid certificateId, CancellationToken ct)
    {
        Certificate certificate;
        await using (var scope = scopes.Create())
        {
            certificate = await scope.Db.Certificates.AsNoTracking().FirstOrDefaultAsync(c => c.Id == certificateId, ct)
                ?? throw new NotFoundError("Certificate", certificateId).ToException();
        }
        if (certificate.Source != CertificateSource.Acme)
            throw new ConflictError("certificate_uploaded", "Uploaded certificates are renewed by uploading a new one.").ToException();

        IssuedCertificate issued;
        try
        {
            var account = await AccountAsync(certificate.TenantId, ct);
            issued = await authority.IssueAsync(new CertificateOrderRequest(certificate.TenantId,
                keys.UnprotectAccountKey(certificate.TenantId, account.ProtectedKey), account.AccountUrl, options.Value.ContactEmail,
                certificate.Domains, certificate.Challenge), ct);
            if (account.AccountUrl != issued.AccountUrl) await SaveAccountUrlAsync(account.Id, issued.AccountUrl, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Issuing certificate {CertificateId} for {Domains} failed", certificateId, string.Join(", ", certificate.Domains));
            await UpdateAsync(certificateId, c => c.MarkFailed(Describe(ex), clock.GetUtcNow()), ct);
            throw;
        }

        var bundle = CertificateBundle.FromChain(issued.ChainPem);
        var saved = await UpdateAsync(certificateId,
            c => c.MarkIssued(bundle, keys.ProtectPrivateKey(c.TenantId, issued.PrivateKeyPem), clock.GetUtcNow()), ct);
        if (saved.InstalledAccount is { } accountName)
            await installer.InstallAsync(new CertificateInstallation(saved.TenantId, accountName, saved.PrimaryDomain, issued.ChainPem, issued.PrivateKeyPem), ct);
        return saved;
    }

    /// <summary>The error as staff should read it: the CA's problem document, or the exception's message.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        AcmeProblemException p => $"The CA refused: {p.Problem}",
        AcmeOrderFailedException o => o.Message,
        HttpRequestException h => $"Could not reach a service: {h.Message}",
        _ => ex.Message,
    };

    private async Task<Certificate> UpdateAsync(Guid id, Action<Certificate> change, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var certificate = await scope.Db.Certificates.FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? throw new NotFoundError("Certificate", id).ToException();
        change(certificate);
        await scope.Db.SaveChangesAsync(ct);
        return certificate;
    }

    private async Task<AcmeAccount> AccountAsync(Guid tenantId, CancellationToken ct)
    {
        var directory = authority.DirectoryUrl;
        await using var scope = scopes.Create();
        var account = await scope.Db.AcmeAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.DirectoryUrl == directory, ct);
        if (account is not null) return account;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        account = AcmeAccount.Create(directory, keys.ProtectAccountKey(tenantId, key.ExportPkcs8PrivateKeyPem()), options.Value.ContactEmail, clock.GetUtcNow());
        scope.Db.AcmeAccounts.Add(account);
        try
        {
            await scope.Db.SaveChangesAsync(ct);
            return account;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two issuances of one tenant created the account at once: use the one that won.
            await using var again = scopes.Create();
            return await again.Db.AcmeAccounts.AsNoTracking().FirstAsync(a => a.DirectoryUrl == directory, ct);
        }
    }

    private async Task SaveAccountUrlAsync(Guid accountId, string url, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var account = await scope.Db.AcmeAccounts.FirstAsync(a => a.Id == accountId, ct);
        account.Registered(url);
        await scope.Db.SaveChangesAsync(ct);
    }
}
