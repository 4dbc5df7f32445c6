namespace MPanel.Domain.Certificates;

/// <summary>Places an http-01 key authorization where the CA will fetch it:
/// <c>http://&lt;domain&gt;/.well-known/acme-challenge/&lt;token&gt;</c> (the agent's put-acme-challenge in production).</summary>
public interface IHttpChallengePublisher
{
    Task PublishAsync(Guid tenantId, string domain, string token, string keyAuthorization, CancellationToken ct);
    Task RemoveAsync(Guid tenantId, string domain, string token, CancellationToken ct);
}

/// <summary>Sets the TXT record <c>_acme-challenge.&lt;domain&gt;</c> to exactly <paramref name="values"/> (a wildcard and its
/// base name share one record name, so both values go in together), and removes it afterwards.</summary>
public interface IDnsChallengePublisher
{
    Task PublishTxtAsync(string domain, IReadOnlyCollection<string> values, CancellationToken ct);
    Task RemoveTxtAsync(string domain, CancellationToken ct);
}

/// <summary>Puts a certificate and its key where the web server serves them for a hosting account's site
/// (the agent's install-certificate in production).</summary>
public interface ICertificateInstaller
{
    Task InstallAsync(CertificateInstallation installation, CancellationToken ct);
    Task RemoveAsync(Guid tenantId, string accountName, string domain, CancellationToken ct);
    /// <summary>The serial number (hex, upper case) of the certificate installed for the site, or null if none.</summary>
    Task<string?> GetInstalledSerialAsync(Guid tenantId, string accountName, string domain, CancellationToken ct);
}

public sealed record CertificateInstallation(Guid TenantId, string AccountName, string Domain, string ChainPem, string PrivateKeyPem);

/// <summary>An ACME certificate authority: one call issues a certificate for names it validates with the given challenge.</summary>
public interface ICertificateAuthority
{
    /// <summary>The directory URL; accounts are kept per directory.</summary>
    string DirectoryUrl { get; }
    Task<IssuedCertificate> IssueAsync(CertificateOrderRequest request, CancellationToken ct);
    Task RevokeAsync(string accountKeyPem, string accountUrl, string certificatePem, CancellationToken ct);
}

/// <param name="AccountKeyPem">The tenant's ACME account key in clear (decrypted by the caller, never stored so).</param>
/// <param name="AccountUrl">Null for a new account: the CA registers it and returns its URL.</param>
public sealed record CertificateOrderRequest(Guid TenantId, string AccountKeyPem, string? AccountUrl, string? ContactEmail,
    IReadOnlyList<string> Domains, ChallengeType Challenge);

public sealed record IssuedCertificate(string ChainPem, string PrivateKeyPem, string AccountUrl);
