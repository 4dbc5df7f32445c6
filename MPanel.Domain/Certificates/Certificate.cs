using MPanel.Domain.Common;

namespace MPanel.Domain.Certificates;

public enum CertificateStatus { Pending, Issued, Failed, Expired }

public enum CertificateSource { Acme, Uploaded }

public enum ChallengeType { Http01, Dns01 }

/// <summary>A TLS certificate of one tenant: requested from an ACME CA (and renewed by MPanel) or uploaded by a user.
/// The private key is stored only in protected (encrypted) form; this entity never sees it in clear.</summary>
public sealed class Certificate : Entity, ITenantOwned
{
    /// <summary>Renew this long before expiry.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromDays(3);

    private List<string> _domains = [];

    private Certificate() { }

    public Guid TenantId { get; private set; }
    /// <summary>The subscription whose provisioning created it (null for certificates made by hand).</summary>
    public Guid? SubscriptionId { get; private set; }
    public IReadOnlyList<string> Domains => _domains;
    public CertificateStatus Status { get; private set; }
    public CertificateSource Source { get; private set; }
    public ChallengeType Challenge { get; private set; }
    public string? Issuer { get; private set; }
    public DateTimeOffset? NotBefore { get; private set; }
    public DateTimeOffset? NotAfter { get; private set; }
    public string? SerialNumber { get; private set; }
    public string? ChainPem { get; private set; }
    /// <summary>The PKCS#8 PEM private key, encrypted with ASP.NET Data Protection. Never plaintext.</summary>
    public string? ProtectedPrivateKey { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset? LastErrorAt { get; private set; }
    /// <summary>Failed issuance attempts since the last success; drives the backoff.</summary>
    public int RenewalAttempts { get; private set; }
    /// <summary>After a failure, the renewal job leaves the certificate alone until then.</summary>
    public DateTimeOffset? NextAttemptAt { get; private set; }
    public DateTimeOffset? IssuedAt { get; private set; }
    /// <summary>The hosting account whose site serves it (set by provisioning); renewals re-install it there.</summary>
    public string? InstalledAccount { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public string PrimaryDomain => _domains[0];

    /// <summary>A certificate to be issued by ACME. Wildcards can only be proven over DNS (RFC 8555 §7.1.3).</summary>
    public static Certificate Request(IEnumerable<string> domains, ChallengeType challenge, Guid? subscriptionId, DateTimeOffset now)
    {
        var list = NormalizeDomains(domains);
        var v = new Validator();
        ValidateDomains(v, list);
        v.Require(challenge == ChallengeType.Dns01 || !list.Any(d => d.StartsWith("*.", StringComparison.Ordinal)),
            "challenge", "Wildcard names can only be validated with dns-01.");
        v.ThrowIfInvalid();
        return new Certificate
        {
            _domains = list, Status = CertificateStatus.Pending, Source = CertificateSource.Acme, Challenge = challenge,
            SubscriptionId = subscriptionId, CreatedAt = now, UpdatedAt = now,
        };
    }

    /// <summary>A certificate a user uploaded, already validated (<see cref="CertificateBundle"/>).</summary>
    public static Certificate Upload(CertificateBundle bundle, string protectedPrivateKey, DateTimeOffset now)
    {
        var certificate = new Certificate
        {
            _domains = bundle.Domains.ToList(), Source = CertificateSource.Uploaded, Challenge = ChallengeType.Http01,
            CreatedAt = now, UpdatedAt = now,
        };
        certificate.Store(bundle, protectedPrivateKey, now);
        return certificate;
    }

    public void MarkIssued(CertificateBundle bundle, string protectedPrivateKey, DateTimeOffset now) => Store(bundle, protectedPrivateKey, now);

    private void Store(CertificateBundle bundle, string protectedPrivateKey, DateTimeOffset now)
    {
        Status = bundle.NotAfter <= now ? CertificateStatus.Expired : CertificateStatus.Issued;
        Issuer = bundle.Issuer;
        NotBefore = bundle.NotBefore;
        NotAfter = bundle.NotAfter;
        SerialNumber = bundle.SerialNumber;
        ChainPem = bundle.ChainPem;
        ProtectedPrivateKey = protectedPrivateKey;
        IssuedAt = now;
        RenewalAttempts = 0;
        NextAttemptAt = null;
        LastError = null;
        LastErrorAt = null;
        UpdatedAt = now;
    }

    /// <summary>Records a failed issuance or renewal. A certificate that was never issued becomes Failed; an issued one stays
    /// usable (it still works until it expires) with the error shown. Backoff: 1 h, 2 h, 4 h … at most 3 days.</summary>
    public void MarkFailed(string error, DateTimeOffset now)
    {
        RenewalAttempts++;
        LastError = error.Length > 2000 ? error[..2000] : error;
        LastErrorAt = now;
        var backoff = TimeSpan.FromHours(Math.Pow(2, Math.Min(RenewalAttempts - 1, 10)));
        NextAttemptAt = now + (backoff > MaxBackoff ? MaxBackoff : backoff);
        if (Status == CertificateStatus.Pending) Status = CertificateStatus.Failed;
        UpdatedAt = now;
    }

    /// <summary>Renew now, whatever the backoff said (staff pressed "Renew now").</summary>
    public void ClearBackoff(DateTimeOffset now)
    {
        NextAttemptAt = null;
        UpdatedAt = now;
    }

    public void MarkInstalled(string accountName, DateTimeOffset now)
    {
        InstalledAccount = accountName;
        UpdatedAt = now;
    }

    public void MarkExpiredIfPast(DateTimeOffset now)
    {
        if (Status == CertificateStatus.Issued && NotAfter <= now)
        {
            Status = CertificateStatus.Expired;
            UpdatedAt = now;
        }
    }

    /// <summary>Issued within this long: not renewed again, whatever its dates say (a rerun on the same day changes nothing).</summary>
    public static readonly TimeSpan MinRenewalInterval = TimeSpan.FromDays(1);

    /// <summary>ACME certificates within <see cref="RenewBefore"/> of expiry (or never issued), outside any backoff, and
    /// not issued within <see cref="MinRenewalInterval"/>. The renewal job's query says the same in SQL.</summary>
    public bool IsDueForRenewal(DateTimeOffset now) =>
        Source == CertificateSource.Acme
        && (NextAttemptAt is null || NextAttemptAt <= now)
        && (IssuedAt is null || IssuedAt <= now - MinRenewalInterval)
        && (Status is CertificateStatus.Pending or CertificateStatus.Failed || NotAfter is null || NotAfter - RenewBefore <= now);

    public static List<string> NormalizeDomains(IEnumerable<string> domains) =>
        domains.Select(d => d.Trim().TrimEnd('.').ToLowerInvariant()).Where(d => d.Length > 0)
            .Distinct(StringComparer.Ordinal).ToList();

    private static void ValidateDomains(Validator v, List<string> domains)
    {
        v.Require(domains.Count is > 0 and <= 100, "domains", "Name between 1 and 100 domains.");
        foreach (var d in domains)
            v.Require(IsValidName(d), "domains", $"'{d}' is not a valid domain name.");
    }

    /// <summary>An ASCII (punycode) host name with at least two labels; a wildcard only as the whole first label.</summary>
    public static bool IsValidName(string name)
    {
        var labels = name.Split('.');
        if (name.Length > 253 || labels.Length < 2) return false;
        for (var i = 0; i < labels.Length; i++)
        {
            var l = labels[i];
            if (i == 0 && l == "*" ) continue;
            if (l.Length is 0 or > 63 || l[0] == '-' || l[^1] == '-') return false;
            if (!l.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')) return false;
        }
        return true;
    }
}

/// <summary>One ACME account per tenant and CA directory; its P-256 key is stored encrypted.</summary>
public sealed class AcmeAccount : Entity, ITenantOwned
{
    private AcmeAccount() { }

    public Guid TenantId { get; private set; }
    public string DirectoryUrl { get; private set; } = "";
    public string? AccountUrl { get; private set; }
    /// <summary>The account's PKCS#8 PEM key, encrypted with ASP.NET Data Protection.</summary>
    public string ProtectedKey { get; private set; } = "";
    public string? Contact { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public static AcmeAccount Create(string directoryUrl, string protectedKey, string? contact, DateTimeOffset now) =>
        new() { DirectoryUrl = directoryUrl, ProtectedKey = protectedKey, Contact = contact, CreatedAt = now };

    public void Registered(string accountUrl) => AccountUrl = accountUrl;
}
