using MPanel.Domain.Certificates;
using MPanel.Domain.Common;
using MPanel.Tests.Features.Certificates;

namespace MPanel.Tests.Domain.Certificates;

public sealed class CertificateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Request_Wildcard_RequiresDns01()
    {
        var error = Assert.Throws<DomainException>(() => Certificate.Request(["*.example.test", "example.test"], ChallengeType.Http01, null, Now));
        Assert.Contains("challenge", ((ValidationError)error.Error).Fields.Keys);
        var ok = Certificate.Request(["*.Example.test.", "example.test"], ChallengeType.Dns01, null, Now);
        Assert.Equal(["*.example.test", "example.test"], ok.Domains);
        Assert.Equal(CertificateStatus.Pending, ok.Status);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("-bad.example.test")]
    [InlineData("a..b")]
    [InlineData("www.*.example.test")]
    [InlineData("../etc/passwd")]
    public void Request_InvalidName_IsAFieldError(string name)
    {
        var error = Assert.Throws<DomainException>(() => Certificate.Request([name], ChallengeType.Dns01, null, Now));
        Assert.Contains("domains", ((ValidationError)error.Error).Fields.Keys);
    }

    [Fact]
    public void MarkFailed_BacksOffExponentially_UpToThreeDays_AndKeepsAnIssuedCertificateIssued()
    {
        var certificate = Certificate.Request(["example.test"], ChallengeType.Http01, null, Now);
        certificate.MarkFailed("boom", Now);
        Assert.Equal(CertificateStatus.Failed, certificate.Status);
        Assert.Equal(Now.AddHours(1), certificate.NextAttemptAt);
        certificate.MarkFailed("boom", Now);
        Assert.Equal(Now.AddHours(2), certificate.NextAttemptAt);
        for (var i = 0; i < 10; i++) certificate.MarkFailed("boom", Now);
        Assert.Equal(Now.AddDays(3), certificate.NextAttemptAt);
        Assert.Equal(12, certificate.RenewalAttempts);

        var (leaf, _) = TestCa.Shared.Issue(["example.test"]);
        certificate.MarkIssued(CertificateBundle.FromChain(TestCa.Shared.Chain(leaf)), "protected", Now);
        Assert.Equal((CertificateStatus.Issued, 0, (string?)null, (DateTimeOffset?)null),
            (certificate.Status, certificate.RenewalAttempts, certificate.LastError, certificate.NextAttemptAt));
        certificate.MarkFailed("renewal failed", Now);
        Assert.Equal(CertificateStatus.Issued, certificate.Status);
        Assert.Equal("renewal failed", certificate.LastError);
    }

    [Fact]
    public void IsDueForRenewal_ThirtyDaysBeforeExpiry_NotWithinBackoffOrADayAfterIssue()
    {
        var (leaf, _) = TestCa.Shared.Issue(["example.test"], notAfter: DateTimeOffset.UtcNow.AddDays(60));
        var certificate = Certificate.Request(["example.test"], ChallengeType.Http01, null, DateTimeOffset.UtcNow);
        var issuedAt = DateTimeOffset.UtcNow;
        certificate.MarkIssued(CertificateBundle.FromChain(TestCa.Shared.Chain(leaf)), "protected", issuedAt);
        var notAfter = certificate.NotAfter!.Value;
        Assert.False(certificate.IsDueForRenewal(notAfter.AddDays(-31)));
        Assert.True(certificate.IsDueForRenewal(notAfter.AddDays(-29)));
        Assert.False(certificate.IsDueForRenewal(issuedAt.AddHours(12)));
        certificate.MarkFailed("CA down", notAfter.AddDays(-29));
        Assert.False(certificate.IsDueForRenewal(notAfter.AddDays(-29).AddMinutes(30)));
        Assert.True(certificate.IsDueForRenewal(notAfter.AddDays(-29).AddHours(1)));
    }

    [Theory]
    [InlineData("*.example.test", "www.example.test", true)]
    [InlineData("*.example.test", "example.test", false)]
    [InlineData("*.example.test", "a.b.example.test", false)]
    [InlineData("example.test", "EXAMPLE.test.", true)]
    public void Covers_WildcardCoversOneLabel(string name, string domain, bool covered) =>
        Assert.Equal(covered, CertificateBundle.Covers([name], domain));
}
