using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Certificates;
using MPanel.Web.Features.Certificates;

namespace MPanel.Tests.Features.Certificates;

/// <summary>The daily renewal job against the real Pebble and PowerDNS, on a clock the test moves. Its own factory: the
/// clock moves for everything in the class.</summary>
public sealed class CertificateRenewalTests(CertificatesFactory factory) : IClassFixture<CertificatesFactory>
{
    private Task<CertificateRenewalResult> RunJobAsync() => factory.InTenantAsync(Guid.Empty, sp =>
        sp.GetRequiredService<CertificateRenewalJob>().RunAsync(CancellationToken.None));

    private async Task<CertificateView> GetAsync(Guid tenantId, Guid id) =>
        await factory.InTenantAsync(tenantId, sp => sp.GetRequiredService<CertificatesService>().GetAsync(id));

    [Fact]
    public async Task RenewalJob_RenewsANearExpiryCertificateOnce_AndRerunChangesNothing()
    {
        await using var zone = await PowerDnsTestZone.CreateAsync("renew");
        var platform = await factory.PlatformAsync();
        var issued = await factory.InTenantAsync(platform.Id, async sp =>
        {
            var requested = await sp.GetRequiredService<CertificatesService>().RequestAsync(new RequestCertificateRequest([zone.Name, "*." + zone.Name], ChallengeType.Dns01));
            return await sp.GetRequiredService<CertificateIssuer>().IssueAsync(requested.Id, CancellationToken.None);
        });

        var quiet = await RunJobAsync(); // far from expiry: not renewed
        Assert.Equal(issued.SerialNumber, (await GetAsync(platform.Id, issued.Id)).SerialNumber);
        Assert.Equal(0, quiet.Renewed);

        factory.Clock.Advance(issued.NotAfter!.Value - Certificate.RenewBefore.Add(TimeSpan.FromDays(-10)) - factory.Clock.GetUtcNow());
        var first = await RunJobAsync();
        var renewed = await GetAsync(platform.Id, issued.Id);
        Assert.True(first.Renewed >= 1); // (other tests of this class may leave failing certificates due as well)
        Assert.NotEqual(issued.SerialNumber, renewed.SerialNumber);
        Assert.Equal(CertificateStatus.Issued, renewed.Status);
        AssertClose(factory.Clock.GetUtcNow(), renewed.IssuedAt);
        Assert.Null(renewed.LastError);

        var second = await RunJobAsync();
        Assert.Equal(0, second.Renewed);
        var after = await GetAsync(platform.Id, issued.Id);
        Assert.Equal((renewed.SerialNumber, renewed.IssuedAt), (after.SerialNumber, after.IssuedAt));
    }

    [Fact]
    public async Task RenewalJob_Failure_IsVisibleAndBacksOff()
    {
        var platform = await factory.PlatformAsync();
        var name = $"nozone{Guid.NewGuid().ToString("N")[..8]}.test"; // no PowerDNS zone holds it: dns-01 cannot be published
        var requested = await factory.InTenantAsync(platform.Id, sp =>
            sp.GetRequiredService<CertificatesService>().RequestAsync(new RequestCertificateRequest([name], ChallengeType.Dns01)));
        factory.Clock.Advance(TimeSpan.FromHours(2)); // past the window in which the request's own job is still on it

        var first = await RunJobAsync();
        Assert.True(first.Failed >= 1);
        var failed = await GetAsync(platform.Id, requested.Id);
        Assert.Equal(CertificateStatus.Failed, failed.Status);
        Assert.Equal(1, failed.RenewalAttempts);
        Assert.Contains("No PowerDNS zone", failed.LastError);
        AssertClose(factory.Clock.GetUtcNow().AddHours(1), failed.NextAttemptAt);

        await RunJobAsync(); // within the backoff: left alone
        Assert.Equal(1, (await GetAsync(platform.Id, requested.Id)).RenewalAttempts);

        factory.Clock.Advance(TimeSpan.FromMinutes(61));
        await RunJobAsync();
        var second = await GetAsync(platform.Id, requested.Id);
        Assert.Equal(2, second.RenewalAttempts);
        AssertClose(factory.Clock.GetUtcNow().AddHours(2), second.NextAttemptAt);
    }

    /// <summary>PostgreSQL keeps microseconds, the clock ticks.</summary>
    private static void AssertClose(DateTimeOffset expected, DateTimeOffset? actual) =>
        Assert.InRange((actual!.Value - expected).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
}
