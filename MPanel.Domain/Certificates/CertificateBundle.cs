using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MPanel.Domain.Common;

namespace MPanel.Domain.Certificates;

/// <summary>A parsed PEM certificate chain (leaf first) and the facts MPanel keeps about its leaf.</summary>
public sealed record CertificateBundle(string ChainPem, IReadOnlyList<string> Domains, string Issuer, DateTimeOffset NotBefore,
    DateTimeOffset NotAfter, string SerialNumber)
{
    /// <summary>Reads a chain from a source MPanel trusts (its own ACME order).</summary>
    public static CertificateBundle FromChain(string chainPem)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(chainPem);
        if (certificates.Count == 0) throw new ArgumentException("The chain holds no certificate.", nameof(chainPem));
        return Describe(certificates[0], chainPem);
    }

    private static CertificateBundle Describe(X509Certificate2 leaf, string chainPem) => new(
        chainPem.Trim() + "\n", DnsNames(leaf), leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: true) is { Length: > 0 } issuer ? issuer : leaf.Issuer,
        new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero), new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero),
        leaf.SerialNumber.ToUpperInvariant());

    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())
            .Select(n => n.ToLowerInvariant()).Distinct().ToList();

    /// <summary>Does one of the certificate's names cover <paramref name="domain"/>? A wildcard covers exactly one label.</summary>
    public static bool Covers(IEnumerable<string> names, string domain)
    {
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        foreach (var name in names)
        {
            if (name == domain) return true;
            if (name.StartsWith("*.", StringComparison.Ordinal) && !domain.StartsWith("*.", StringComparison.Ordinal))
            {
                var dot = domain.IndexOf('.');
                if (dot > 0 && domain[(dot + 1)..] == name[2..]) return true;
            }
        }
        return false;
    }

    /// <summary>Checks an uploaded certificate chain and key, each problem as a field error (<c>certificate</c>,
    /// <c>privateKey</c>, <c>chain</c>, <c>domains</c>): the PEM parses, the key matches the leaf, the leaf is valid now,
    /// the chain builds from the leaf through the intermediates given to a trusted root (the system's, or
    /// <paramref name="extraRoots"/>), and the certificate covers <paramref name="requiredDomains"/> when given.
    /// Returns the bundle (leaf and intermediates, without the root) and the key re-exported as PKCS#8 PEM.</summary>
    public static (CertificateBundle Bundle, string PrivateKeyPem) ValidateUpload(string? chainPem, string? privateKeyPem,
        IReadOnlyCollection<string>? requiredDomains, DateTimeOffset now, IReadOnlyCollection<X509Certificate2>? extraRoots = null)
    {
        var v = new Validator();
        var certificates = new X509Certificate2Collection();
        try
        {
            if (!string.IsNullOrWhiteSpace(chainPem)) certificates.ImportFromPem(chainPem);
        }
        catch (CryptographicException)
        {
            certificates.Clear();
        }
        v.Require(certificates.Count > 0, "certificate", "Paste the certificate in PEM form (-----BEGIN CERTIFICATE-----), leaf first, then its intermediates.");

        AsymmetricAlgorithm? key = null;
        string? keyError = null;
        if (string.IsNullOrWhiteSpace(privateKeyPem)) keyError = "Paste the private key in PEM form (-----BEGIN PRIVATE KEY-----).";
        else if (privateKeyPem.Contains("ENCRYPTED", StringComparison.Ordinal)) keyError = "The private key is encrypted: paste it without a passphrase.";
        else key = ImportKey(privateKeyPem);
        if (keyError is null && key is null) keyError = "The private key could not be read: use an RSA or ECDSA key in PEM form.";
        v.Require(keyError is null, "privateKey", keyError ?? "");
        v.ThrowIfInvalid();

        using var _ = key;
        var leaf = certificates[0];
        var leafKey = (AsymmetricAlgorithm?)leaf.GetRSAPublicKey() ?? leaf.GetECDsaPublicKey();
        var matches = leafKey is not null && key!.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(leafKey.ExportSubjectPublicKeyInfo());
        v.Require(matches, "privateKey", "The private key does not belong to this certificate.");
        v.Require(leaf.NotAfter.ToUniversalTime() > now.UtcDateTime, "certificate", $"The certificate expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");
        v.Require(leaf.NotBefore.ToUniversalTime() <= now.UtcDateTime, "certificate", $"The certificate is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");
        var names = DnsNames(leaf);
        v.Require(names.Count > 0, "certificate", "The certificate names no DNS host (subject alternative names).");
        foreach (var domain in requiredDomains ?? [])
            v.Require(Covers(names, domain), "domains", $"The certificate does not cover {domain} (it names {string.Join(", ", names)}).");

        var built = BuildChain(leaf, certificates.Skip(1), now, extraRoots, out var chainError);
        v.Require(chainError is null, "chain", chainError ?? "");
        v.ThrowIfInvalid();

        // Serve the leaf and its intermediates; the root is the client's business.
        var served = built!.Count == 1 ? built : built.Where(c => !c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData));
        var pem = string.Join("\n", served.Select(c => c.ExportCertificatePem()));
        return (Describe(leaf, pem), key!.ExportPkcs8PrivateKeyPem());
    }

    private static AsymmetricAlgorithm? ImportKey(string pem)
    {
        foreach (var create in new Func<AsymmetricAlgorithm>[] { () => RSA.Create(), () => ECDsa.Create() })
        {
            var key = create();
            try
            {
                if (key is RSA rsa) rsa.ImportFromPem(pem);
                else ((ECDsa)key).ImportFromPem(pem);
                return key;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
            }
        }
        return null;
    }

    private static List<X509Certificate2>? BuildChain(X509Certificate2 leaf, IEnumerable<X509Certificate2> intermediates, DateTimeOffset now,
        IReadOnlyCollection<X509Certificate2>? extraRoots, out string? error)
    {
        var given = intermediates.ToList();
        foreach (var useExtraRoots in extraRoots is { Count: > 0 } ? new[] { false, true } : [false])
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true; // the chain must be complete as uploaded
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.ExtraStore.AddRange(given.ToArray());
            if (useExtraRoots)
            {
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(extraRoots!.ToArray());
            }
            if (chain.Build(leaf))
            {
                error = null;
                return chain.ChainElements.Select(e => e.Certificate).ToList();
            }
            var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            if (useExtraRoots || extraRoots is not { Count: > 0 })
            {
                error = (status & X509ChainStatusFlags.PartialChain) != 0
                    ? $"The chain is incomplete: add the intermediate certificate that issued \"{chain.ChainElements[^1].Certificate.Issuer}\" after the certificate."
                    : (status & X509ChainStatusFlags.UntrustedRoot) != 0
                        ? "The chain ends at a root that is not trusted (a self-signed or private CA)."
                        : "The chain does not validate: " + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
                return null;
            }
        }
        error = "The chain does not validate.";
        return null;
    }
}
