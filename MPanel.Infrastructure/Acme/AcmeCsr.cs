using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MPanel.Infrastructure.Acme;

/// <summary>Certificate keys and signing requests for finalize (RFC 8555 §7.4): SANs carry every name, the subject's CN
/// the first one when it fits (64 characters).</summary>
public static class AcmeCsr
{
    public static AsymmetricAlgorithm CreateKey(CertificateKeyType type) => type switch
    {
        CertificateKeyType.Rsa2048 => RSA.Create(2048),
        _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
    };

    /// <summary>DER-encoded PKCS#10 request for <paramref name="domains"/> signed by <paramref name="key"/>.</summary>
    public static byte[] Create(IReadOnlyList<string> domains, AsymmetricAlgorithm key)
    {
        if (domains.Count == 0) throw new ArgumentException("A CSR needs at least one name.", nameof(domains));
        var subject = domains[0].Length <= 64 ? new X500DistinguishedName($"CN={domains[0]}") : new X500DistinguishedName("");
        var request = key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("Certificate keys are ECDSA P-256 or RSA.", nameof(key)),
        };
        var san = new SubjectAlternativeNameBuilder();
        foreach (var domain in domains.Distinct(StringComparer.OrdinalIgnoreCase)) san.AddDnsName(domain);
        request.CertificateExtensions.Add(san.Build(critical: false));
        return request.CreateSigningRequest();
    }

    /// <summary>PKCS#8 PEM ("PRIVATE KEY") of either key type.</summary>
    public static string ExportPrivateKeyPem(AsymmetricAlgorithm key) => key.ExportPkcs8PrivateKeyPem();

    /// <summary>Loads an account key saved with <see cref="ExportPrivateKeyPem"/>.</summary>
    public static ECDsa ImportAccountKey(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key;
    }
}
