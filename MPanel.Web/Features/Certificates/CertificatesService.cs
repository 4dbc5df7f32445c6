using System.Security.Cryptography.X509Certificates;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Certificates;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Acme;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;

namespace MPanel.Web.Features.Certificates;

public sealed record CertificateRow(Guid Id, IReadOnlyList<string> Domains, CertificateStatus Status, CertificateSource Source,
    string? Issuer, DateTimeOffset? NotAfter, string? LastError)
{
    public string PrimaryDomain => Domains.Count > 0 ? Domains[0] : "";
}

public sealed record CertificateView(Guid Id, IReadOnlyList<string> Domains, CertificateStatus Status, CertificateSource Source,
    ChallengeType Challenge, string? Issuer, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter, string? SerialNumber,
    string? LastError, DateTimeOffset? LastErrorAt, int RenewalAttempts, DateTimeOffset? NextAttemptAt, DateTimeOffset? IssuedAt,
    DateTimeOffset CreatedAt, string? InstalledAccount, bool HasChain);

public sealed record RequestCertificateRequest(IReadOnlyList<string> Domains, ChallengeType Challenge = ChallengeType.Http01);

/// <param name="Certificate">PEM: the certificate, then its intermediates.</param>
/// <param name="PrivateKey">PEM, unencrypted.</param>
/// <param name="Domains">Names it must cover (optional; by default the names it carries).</param>
public sealed record UploadCertificateRequest(string? Certificate, string? PrivateKey, IReadOnlyList<string>? Domains = null);

public sealed record CertificateListQuery(CertificateStatus? Status = null);

/// <summary>Certificates of the current tenant: list, view, request from ACME (issued by a job), upload, renew now,
/// download the chain, delete. Used by the pages and the API alike.</summary>
public sealed class CertificatesService(TenantScopeFactory scopes, IBackgroundJobClient jobs, CertificateKeyProtector keys,
    IOptions<AcmeOptions> options, TimeProvider clock)
{
    public async Task<Paged<CertificateRow>> ListAsync(PageQuery page, CertificateListQuery filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.Certificates.AsNoTracking();
        if (filter.Status is { } status) query = query.Where(c => c.Status == status);
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(c => EF.Property<List<string>>(c, "_domains").Any(d => EF.Functions.ILike(d, like)));
        }
        var total = await query.CountAsync(ct);
        IOrderedQueryable<Certificate> ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("status", false) => query.OrderBy(c => c.Status),
            ("status", true) => query.OrderByDescending(c => c.Status),
            ("createdat", false) => query.OrderBy(c => c.CreatedAt),
            ("createdat", true) => query.OrderByDescending(c => c.CreatedAt),
            ("notafter", true) => query.OrderByDescending(c => c.NotAfter),
            _ => query.OrderBy(c => c.NotAfter == null ? 0 : 1).ThenBy(c => c.NotAfter), // soonest expiry first
        };
        var items = await ordered.ThenBy(c => c.Id).Page(page)
            .Select(c => new CertificateRow(c.Id, EF.Property<List<string>>(c, "_domains"), c.Status, c.Source, c.Issuer, c.NotAfter, c.LastError))
            .ToListAsync(ct);
        return new Paged<CertificateRow>(items, total);
    }

    public async Task<CertificateView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        return ToView(await LoadAsync(scope, id, tracking: false, ct));
    }

    /// <summary>Records the request and enqueues its issuance; the certificate shows Pending until the job finishes.</summary>
    public async Task<CertificateView> RequestAsync(RequestCertificateRequest request, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var certificate = Certificate.Request(request.Domains ?? [], request.Challenge, subscriptionId: null, clock.GetUtcNow());
        scope.Db.Certificates.Add(certificate);
        await scope.Db.SaveChangesAsync(ct);
        CertificateIssueJob.Enqueue(jobs, certificate.TenantId, certificate.Id);
        return ToView(certificate);
    }

    /// <summary>Renews now (the backoff is cleared): enqueues the issuance job.</summary>
    public async Task<CertificateView> RenewAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var certificate = await LoadAsync(scope, id, tracking: true, ct);
        if (certificate.Source != CertificateSource.Acme)
            throw new ConflictError("certificate_uploaded", "Uploaded certificates are renewed by uploading a new one.").ToException();
        certificate.ClearBackoff(clock.GetUtcNow());
        await scope.Db.SaveChangesAsync(ct);
        CertificateIssueJob.Enqueue(jobs, certificate.TenantId, certificate.Id);
        return ToView(certificate);
    }

    public async Task<CertificateView> UploadAsync(UploadCertificateRequest request, CancellationToken ct = default)
    {
        var required = request.Domains is { Count: > 0 } ? Certificate.NormalizeDomains(request.Domains) : null;
        var (bundle, keyPem) = CertificateBundle.ValidateUpload(request.Certificate, request.PrivateKey, required, clock.GetUtcNow(), ExtraRoots());
        await using var scope = scopes.Create();
        var tenantId = scope.Tenant.TenantId ?? throw new ForbiddenError("No tenant is selected.").ToException();
        var certificate = Certificate.Upload(bundle, keys.ProtectPrivateKey(tenantId, keyPem), clock.GetUtcNow());
        scope.Db.Certificates.Add(certificate);
        await scope.Db.SaveChangesAsync(ct);
        return ToView(certificate);
    }

    /// <summary>The PEM chain (leaf first), never the key.</summary>
    public async Task<(string FileName, string Pem)> DownloadChainAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var certificate = await LoadAsync(scope, id, tracking: false, ct);
        if (certificate.ChainPem is null) throw new ConflictError("certificate_not_issued", "This certificate has not been issued yet.").ToException();
        return ($"{certificate.PrimaryDomain.Replace("*", "wildcard")}-fullchain.pem", certificate.ChainPem);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var certificate = await LoadAsync(scope, id, tracking: true, ct);
        if (certificate.InstalledAccount is not null)
            throw new ConflictError("certificate_installed", "This certificate is installed on a site: terminate or change the service instead.").ToException();
        scope.Db.Certificates.Remove(certificate);
        await scope.Db.SaveChangesAsync(ct);
    }

    private List<X509Certificate2>? ExtraRoots()
    {
        var path = options.Value.UploadTrustedRootsPath;
        if (string.IsNullOrWhiteSpace(path)) return null;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        return roots.ToList();
    }

    private static async Task<Certificate> LoadAsync(TenantScope scope, Guid id, bool tracking, CancellationToken ct)
    {
        var query = tracking ? scope.Db.Certificates : scope.Db.Certificates.AsNoTracking();
        return await query.FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundError("Certificate", id).ToException();
    }

    public static CertificateView ToView(Certificate c) => new(c.Id, c.Domains.ToList(), c.Status, c.Source, c.Challenge, c.Issuer,
        c.NotBefore, c.NotAfter, c.SerialNumber, c.LastError, c.LastErrorAt, c.RenewalAttempts, c.NextAttemptAt, c.IssuedAt, c.CreatedAt,
        c.InstalledAccount, c.ChainPem is not null);
}

/// <summary>Expiry colours used by the list and the detail page.</summary>
public static class CertificateExpiry
{
    public static MudBlazor.Color Color(DateTimeOffset? notAfter, DateTimeOffset now) => notAfter switch
    {
        null => MudBlazor.Color.Default,
        { } t when t <= now.AddDays(7) => MudBlazor.Color.Error,
        { } t when t <= now + Certificate.RenewBefore => MudBlazor.Color.Warning,
        _ => MudBlazor.Color.Success,
    };

    public static string Describe(DateTimeOffset? notAfter, DateTimeOffset now) => notAfter switch
    {
        null => "—",
        { } t when t <= now => $"expired {t:yyyy-MM-dd}",
        { } t => $"{t:yyyy-MM-dd} ({(int)(t - now).TotalDays} days)",
    };
}
