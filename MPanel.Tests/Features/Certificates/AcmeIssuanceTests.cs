using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MPanel.Domain.Billing;
using MPanel.Domain.Certificates;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Acme;
using MPanel.Web.Features.Certificates;

namespace MPanel.Tests.Features.Certificates;

/// <summary>Issuance against the real Pebble, validating through the real PowerDNS: dns-01 (with a wildcard), http-01, the
/// provisioning step, and the client's protocol details (existing accounts, badNonce retry, problem documents).</summary>
public sealed class AcmeIssuanceTests(CertificatesFactory factory) : IClassFixture<CertificatesFactory>
{
    /// <summary>http-01 needs something answering on port 58080 of the address the zone points at. With the in-process
    /// <see cref="HttpChallengeStore"/> (today's publisher) the test serves it on 127.0.0.2:58080, next to the agent's nginx on
    /// 127.0.0.1:58080; once the agent's publisher is registered, the zone points at nginx (127.0.0.1) and nothing is bound.</summary>
    private async Task<(string Address, IAsyncDisposable? Listener)> Http01TargetAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        if (scope.ServiceProvider.GetRequiredService<IHttpChallengePublisher>() is HttpChallengeStore store)
            return ("127.0.0.2", await HttpChallengeListener.StartAsync(store, "http://127.0.0.2:58080"));
        return ("127.0.0.1", null);
    }

    private async Task<Certificate> RequestAndIssueAsync(IReadOnlyList<string> domains, ChallengeType challenge)
    {
        var platform = await factory.PlatformAsync();
        return await factory.InTenantAsync(platform.Id, async sp =>
        {
            var requested = await sp.GetRequiredService<CertificatesService>().RequestAsync(new RequestCertificateRequest(domains, challenge));
            return await sp.GetRequiredService<CertificateIssuer>().IssueAsync(requested.Id, CancellationToken.None);
        });
    }

    private static async Task AssertChainsToPebbleRootAsync(Certificate certificate, params string[] names)
    {
        var root = await CertificatesFactory.PebbleRootAsync(); // changes at every Pebble start: fetched now
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certificate.ChainPem);
        using var x509 = new X509Chain();
        x509.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509.ChainPolicy.CustomTrustStore.Add(root);
        x509.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        x509.ChainPolicy.DisableCertificateDownloads = true;
        x509.ChainPolicy.ExtraStore.AddRange(chain.Skip(1).ToArray());
        Assert.True(x509.Build(chain[0]), string.Join("; ", x509.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(names.Order(), CertificateBundle.DnsNames(chain[0]).Order());
        Assert.Equal(chain[0].SerialNumber, certificate.SerialNumber);
    }

    [Fact]
    public async Task Issue_Dns01WithWildcard_ChainVerifiesAgainstPebbleRoot_AndTxtRecordsAreRemoved()
    {
        await using var zone = await PowerDnsTestZone.CreateAsync("dns01");
        var certificate = await RequestAndIssueAsync([zone.Name, "*." + zone.Name], ChallengeType.Dns01);

        Assert.Equal(CertificateStatus.Issued, certificate.Status);
        Assert.Null(certificate.LastError);
        await AssertChainsToPebbleRootAsync(certificate, zone.Name, "*." + zone.Name);
        Assert.Empty(await zone.TxtAsync("_acme-challenge." + zone.Name));

        // The stored key is encrypted, and decrypts to the key of the leaf.
        Assert.DoesNotContain("PRIVATE KEY", certificate.ProtectedPrivateKey);
        var keyPem = factory.Services.GetRequiredService<CertificateKeyProtector>().UnprotectPrivateKey(certificate.TenantId, certificate.ProtectedPrivateKey!);
        using var leaf = X509Certificate2.CreateFromPem(certificate.ChainPem, keyPem);
        Assert.True(leaf.HasPrivateKey);
    }

    [Fact]
    public async Task Issue_Http01_ServedOnPort58080_ChainVerifiesAgainstPebbleRoot()
    {
        var (address, listener) = await Http01TargetAsync();
        await using var _ = listener;
        await using var zone = await PowerDnsTestZone.CreateAsync("http01", address);
        var certificate = await RequestAndIssueAsync([zone.Name, "www." + zone.Name], ChallengeType.Http01);
        Assert.Equal(CertificateStatus.Issued, certificate.Status);
        await AssertChainsToPebbleRootAsync(certificate, zone.Name, "www." + zone.Name);
    }

    [Fact]
    public async Task Issue_WithoutAnyoneServingTheChallenge_FailsWithTheCasProblemVisible()
    {
        // The zone points at an address where nothing listens on 58080.
        await using var zone = await PowerDnsTestZone.CreateAsync("unserved", "127.0.0.3");
        var platform = await factory.PlatformAsync();
        var view = await factory.InTenantAsync(platform.Id, sp =>
            sp.GetRequiredService<CertificatesService>().RequestAsync(new RequestCertificateRequest([zone.Name], ChallengeType.Http01)));
        await Assert.ThrowsAsync<AcmeOrderFailedException>(() => factory.InTenantAsync(platform.Id, sp =>
            sp.GetRequiredService<CertificateIssuer>().IssueAsync(view.Id, CancellationToken.None)));
        var failed = await factory.InTenantAsync(platform.Id, sp => sp.GetRequiredService<CertificatesService>().GetAsync(view.Id));
        Assert.Equal(CertificateStatus.Failed, failed.Status);
        Assert.Equal(1, failed.RenewalAttempts);
        Assert.Contains(zone.Name, failed.LastError);
        Assert.NotNull(failed.NextAttemptAt);
    }

    [Fact]
    public async Task ProvisioningStep_IssuesInstallsDetectsDriftAndTerminates()
    {
        var (address, listener) = await Http01TargetAsync();
        await using var _ = listener;
        await using var zone = await PowerDnsTestZone.CreateAsync("step", address);
        var platform = await factory.PlatformAsync();
        var state = new Dictionary<string, string>();
        var subscriptionId = Guid.NewGuid();
        ProvisioningStepContext Context(ServiceAction action) => new(platform.Id, subscriptionId, Guid.NewGuid(), action, "u1a2b3c4", zone.Name, new ProductResources { Certificates = 1 }, state);

        await using var scope = factory.Services.CreateAsyncScope();
        var step = scope.ServiceProvider.GetServices<IProvisioningStep>().OfType<CertificateStep>().Single();
        Assert.Equal(("certificate", 40), (step.Kind, step.Order));
        Assert.False(step.AppliesTo(Context(ServiceAction.Provision) with { Resources = new ProductResources() }));

        await step.RunAsync(Context(ServiceAction.Provision), CancellationToken.None);
        var id = Guid.Parse(state[CertificateStep.StateKey]);
        var installer = scope.ServiceProvider.GetRequiredService<ICertificateInstaller>();
        var certificate = await factory.InTenantAsync(platform.Id, sp => sp.GetRequiredService<CertificatesService>().GetAsync(id));
        Assert.Equal([zone.Name, "www." + zone.Name], certificate.Domains);
        Assert.Equal("u1a2b3c4", certificate.InstalledAccount);
        Assert.Equal(certificate.SerialNumber, await installer.GetInstalledSerialAsync(platform.Id, "u1a2b3c4", zone.Name, CancellationToken.None));
        Assert.Empty(await step.FindDriftAsync(Context(ServiceAction.Provision), CancellationToken.None));

        // Run again: nothing new is issued.
        await step.RunAsync(Context(ServiceAction.Provision), CancellationToken.None);
        var again = await factory.InTenantAsync(platform.Id, sp => sp.GetRequiredService<CertificatesService>().GetAsync(id));
        Assert.Equal(certificate.SerialNumber, again.SerialNumber);

        // Removed behind MPanel's back: drift, and a re-run repairs it without a new order.
        await installer.RemoveAsync(platform.Id, "u1a2b3c4", zone.Name, CancellationToken.None);
        var drift = Assert.Single(await step.FindDriftAsync(Context(ServiceAction.Provision), CancellationToken.None));
        Assert.Equal((certificate.SerialNumber, "(not installed)"), (drift.Expected, drift.Actual));
        await step.RunAsync(Context(ServiceAction.Provision), CancellationToken.None);
        Assert.Empty(await step.FindDriftAsync(Context(ServiceAction.Provision), CancellationToken.None));

        await step.RunAsync(Context(ServiceAction.Terminate), CancellationToken.None);
        await step.RunAsync(Context(ServiceAction.Terminate), CancellationToken.None); // idempotent
        Assert.Null(await installer.GetInstalledSerialAsync(platform.Id, "u1a2b3c4", zone.Name, CancellationToken.None));
        await Assert.ThrowsAnyAsync<Exception>(() => factory.InTenantAsync(platform.Id, sp => sp.GetRequiredService<CertificatesService>().GetAsync(id)));
    }

    [Fact]
    public async Task Client_ExistingKey_FindsTheSameAccount_AndRetriesABadNonceOnce()
    {
        var options = factory.Services.GetRequiredService<IOptions<AcmeOptions>>().Value;
        var spoiler = new NonceSpoiler(options.CreateHandler());
        using var http = new HttpClient(spoiler);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var first = new AcmeClient(http, new Uri(CertificatesFactory.PebbleDirectory), key);
        var account = await first.CreateAccountAsync(["mailto:ops@example.test"], termsOfServiceAgreed: true);
        Assert.Equal("valid", account.Status);

        spoiler.SpoilNext = true; // the next nonce the client keeps is one Pebble never issued
        var second = new AcmeClient(http, new Uri(CertificatesFactory.PebbleDirectory), key);
        var again = await second.CreateAccountAsync([], termsOfServiceAgreed: true);
        Assert.Equal(account.Url, again.Url);
        var order = await second.NewOrderAsync(["nonce.example.test"]);
        Assert.Equal(1, spoiler.BadNonceAnswers);
        Assert.Equal("pending", order.Status);
    }

    [Fact]
    public async Task Client_ProblemDocuments_AreTypedErrors()
    {
        var options = factory.Services.GetRequiredService<IOptions<AcmeOptions>>().Value;
        using var http = new HttpClient(options.CreateHandler());
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var client = new AcmeClient(http, new Uri(CertificatesFactory.PebbleDirectory), key, new Uri("https://127.0.0.1:14000/my-account/does-not-exist"));
        var error = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync(["example.test"]));
        Assert.Equal(AcmeErrorKind.AccountDoesNotExist, error.Kind);
        Assert.StartsWith(AcmeProblemException.ErrorNamespace, error.Problem.Type);
    }

    /// <summary>Replaces one Replay-Nonce with a nonce Pebble never issued and counts badNonce answers.</summary>
    private sealed class NonceSpoiler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public bool SpoilNext { get; set; }
        public int BadNonceAnswers { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (response.Content.Headers.ContentType is MediaTypeHeaderValue { MediaType: "application/problem+json" }
                && (await response.Content.ReadAsStringAsync(ct)).Contains("badNonce", StringComparison.Ordinal))
                BadNonceAnswers++;
            if (SpoilNext && response.Headers.Contains("Replay-Nonce"))
            {
                SpoilNext = false;
                response.Headers.Remove("Replay-Nonce");
                response.Headers.Add("Replay-Nonce", "bm90LWEtcmVhbC1ub25jZQ");
            }
            return response;
        }
    }
}
