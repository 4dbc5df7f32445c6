using System.Security.Cryptography;
using MPanel.Domain.Certificates;
using MPanel.Domain.Common;
using MPanel.Tests.Features.Certificates;

namespace MPanel.Tests.Domain.Certificates;

public sealed class CertificateUploadValidationTests
{
    private static readonly TestCa Ca = TestCa.Shared;

    private static IReadOnlyDictionary<string, string[]> Errors(Action action) =>
        ((ValidationError)Assert.Throws<DomainException>(action).Error).Fields;

    [Fact]
    public void ValidChainAndKey_IsAccepted_WithoutTheRoot()
    {
        var (leaf, key) = Ca.Issue(["shop.example.test", "*.shop.example.test"]);
        var (bundle, keyPem) = CertificateBundle.ValidateUpload(Ca.Chain(leaf) + Ca.Root.ExportCertificatePem(), key, ["www.shop.example.test"],
            DateTimeOffset.UtcNow, [Ca.Root]);
        Assert.Equal(["shop.example.test", "*.shop.example.test"], bundle.Domains);
        Assert.Equal(leaf.SerialNumber, bundle.SerialNumber);
        Assert.Equal("MPanel Test Intermediate", bundle.Issuer);
        Assert.Equal(2, bundle.ChainPem.Split("BEGIN CERTIFICATE").Length - 1);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", keyPem);
    }

    [Fact]
    public void MismatchedKey_IsAPrivateKeyFieldError()
    {
        var (leaf, _) = Ca.Issue(["shop.example.test"]);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var errors = Errors(() => CertificateBundle.ValidateUpload(Ca.Chain(leaf), other.ExportPkcs8PrivateKeyPem(), null, DateTimeOffset.UtcNow, [Ca.Root]));
        Assert.Contains("does not belong", Assert.Single(errors["privateKey"]));
        Assert.False(errors.ContainsKey("chain"));
    }

    [Fact]
    public void ExpiredCertificate_IsACertificateFieldError()
    {
        var (leaf, key) = Ca.Issue(["shop.example.test"], DateTimeOffset.UtcNow.AddDays(-100), DateTimeOffset.UtcNow.AddDays(-10));
        var errors = Errors(() => CertificateBundle.ValidateUpload(Ca.Chain(leaf), key, null, DateTimeOffset.UtcNow, [Ca.Root]));
        Assert.Contains(errors["certificate"], e => e.Contains("expired", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingIntermediate_IsAnIncompleteChainError()
    {
        var (leaf, key) = Ca.Issue(["shop.example.test"]);
        var errors = Errors(() => CertificateBundle.ValidateUpload(Ca.Chain(leaf, withIntermediate: false), key, null, DateTimeOffset.UtcNow, [Ca.Root]));
        Assert.Contains("incomplete", Assert.Single(errors["chain"]));
    }

    [Fact]
    public void UntrustedRoot_IsAChainError()
    {
        var (leaf, key) = Ca.Issue(["shop.example.test"]);
        var errors = Errors(() => CertificateBundle.ValidateUpload(Ca.Chain(leaf), key, null, DateTimeOffset.UtcNow, extraRoots: null));
        Assert.True(errors.ContainsKey("chain"));
    }

    [Fact]
    public void NamesNotCovered_IsADomainsFieldError()
    {
        var (leaf, key) = Ca.Issue(["shop.example.test"]);
        var errors = Errors(() => CertificateBundle.ValidateUpload(Ca.Chain(leaf), key, ["blog.example.test"], DateTimeOffset.UtcNow, [Ca.Root]));
        Assert.Contains("blog.example.test", Assert.Single(errors["domains"]));
    }

    [Fact]
    public void GarbageAndEncryptedKeys_AreClearFieldErrors()
    {
        var errors = Errors(() => CertificateBundle.ValidateUpload("not a pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n-----END ENCRYPTED PRIVATE KEY-----", null, DateTimeOffset.UtcNow));
        Assert.True(errors.ContainsKey("certificate"));
        Assert.Contains("encrypted", Assert.Single(errors["privateKey"]));
    }
}
