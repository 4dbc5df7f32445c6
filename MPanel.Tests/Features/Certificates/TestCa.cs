using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MPanel.Tests.Features.Certificates;

/// <summary>A private root → intermediate CA made in memory, for upload validation tests.</summary>
public sealed class TestCa
{
    public static readonly TestCa Shared = new();

    public X509Certificate2 Root { get; }
    public X509Certificate2 Intermediate { get; }

    private TestCa()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=MPanel Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        Root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(10));

        var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=MPanel Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        using var signed = request.Create(Root, DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(5), RandomNumberGenerator.GetBytes(8));
        Intermediate = signed.CopyWithPrivateKey(intermediateKey);
    }

    /// <summary>A leaf for <paramref name="names"/> issued by the intermediate, with its key as PKCS#8 PEM.</summary>
    public (X509Certificate2 Leaf, string KeyPem) Issue(string[] names, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var n in names) san.AddDnsName(n);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        var leaf = request.Create(Intermediate, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(90),
            RandomNumberGenerator.GetBytes(8));
        return (leaf, key.ExportPkcs8PrivateKeyPem());
    }

    public string Chain(X509Certificate2 leaf, bool withIntermediate = true) =>
        leaf.ExportCertificatePem() + "\n" + (withIntermediate ? Intermediate.ExportCertificatePem() + "\n" : "");
}
