using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MPanel.Domain.Certificates;

namespace MPanel.Infrastructure.Acme;

/// <summary>Issues certificates from an RFC 8555 CA with <see cref="AcmeClient"/>: account (created on first use), order,
/// challenges through the http-01 or dns-01 publisher, finalize with a fresh key, download. Challenge material is removed
/// afterwards whatever happened.</summary>
public sealed class AcmeCertificateAuthority(AcmeHttpClient acmeHttp, IOptions<AcmeOptions> options, IHttpChallengePublisher httpChallenges,
    IDnsChallengePublisher dnsChallenges, ILogger<AcmeCertificateAuthority> logger) : ICertificateAuthority
{
    private readonly HttpClient _http = acmeHttp.Http;

    public string DirectoryUrl => options.Value.DirectoryUrl;

    public async Task<IssuedCertificate> IssueAsync(CertificateOrderRequest request, CancellationToken ct)
    {
        using var accountKey = AcmeCsr.ImportAccountKey(request.AccountKeyPem);
        var client = new AcmeClient(_http, new Uri(DirectoryUrl), accountKey, request.AccountUrl is null ? null : new Uri(request.AccountUrl));
        if (client.AccountUrl is null)
        {
            var contact = request.ContactEmail ?? options.Value.ContactEmail;
            await client.CreateAccountAsync(string.IsNullOrWhiteSpace(contact) ? [] : [$"mailto:{contact}"], termsOfServiceAgreed: true, ct);
        }

        var order = await client.NewOrderAsync(request.Domains, ct);
        var type = request.Challenge == ChallengeType.Dns01 ? AcmeChallengeType.Dns01 : AcmeChallengeType.Http01;
        var pending = new List<(AcmeAuthorization Authz, AcmeChallenge Challenge)>();
        foreach (var url in order.Authorizations)
        {
            var authz = await client.GetAuthorizationAsync(url, ct);
            if (authz.Status == AcmeStatus.Valid) continue; // reused from an earlier order
            var challenge = authz.Challenges.FirstOrDefault(c => c.Type == type)
                ?? throw new AcmeOrderFailedException($"The CA offers no {type} challenge for {authz.Identifier.Value}.");
            pending.Add((authz, challenge));
        }

        var published = new List<Func<Task>>();
        try
        {
            foreach (var (authz, challenge) in pending.Where(p => p.Challenge.Type == AcmeChallengeType.Http01))
            {
                var domain = authz.Identifier.Value;
                await httpChallenges.PublishAsync(request.TenantId, domain, challenge.Token, client.KeyAuthorization(challenge.Token), ct);
                published.Add(() => httpChallenges.RemoveAsync(request.TenantId, domain, challenge.Token, CancellationToken.None));
            }
            // A wildcard and its base name share _acme-challenge.<base>: publish all values of one name together.
            foreach (var group in pending.Where(p => p.Challenge.Type == AcmeChallengeType.Dns01).GroupBy(p => p.Authz.Identifier.Value))
            {
                var values = group.Select(p => AcmeJws.DnsTxtValue(client.KeyAuthorization(p.Challenge.Token))).ToList();
                await dnsChallenges.PublishTxtAsync(group.Key, values, ct);
                published.Add(() => dnsChallenges.RemoveTxtAsync(group.Key, CancellationToken.None));
            }
            foreach (var (_, challenge) in pending) await client.RespondToChallengeAsync(challenge.Url, ct);
            foreach (var (authz, _) in pending) await client.WaitForAuthorizationAsync(authz.Url, options.Value.ValidationTimeout, ct);
        }
        finally
        {
            foreach (var remove in published)
            {
                try { await remove(); }
                catch (Exception ex) { logger.LogWarning(ex, "Could not remove an ACME challenge after the order for {Domains}", string.Join(", ", request.Domains)); }
            }
        }

        using var certificateKey = AcmeCsr.CreateKey(options.Value.KeyType);
        var csr = AcmeCsr.Create(request.Domains, certificateKey);
        order = await client.FinalizeAsync(order, csr, options.Value.ValidationTimeout, ct);
        var chain = await client.DownloadCertificateAsync(order.Certificate!, ct);
        logger.LogInformation("Issued a certificate for {Domains} from {Directory}", string.Join(", ", request.Domains), DirectoryUrl);
        return new IssuedCertificate(chain, AcmeCsr.ExportPrivateKeyPem(certificateKey), client.AccountUrl!.AbsoluteUri);
    }

    public async Task RevokeAsync(string accountKeyPem, string accountUrl, string certificatePem, CancellationToken ct)
    {
        using var accountKey = AcmeCsr.ImportAccountKey(accountKeyPem);
        var client = new AcmeClient(_http, new Uri(DirectoryUrl), accountKey, new Uri(accountUrl));
        using var leaf = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(certificatePem);
        try
        {
            await client.RevokeAsync(leaf.RawData, reason: 5 /* cessationOfOperation */, ct);
        }
        catch (AcmeProblemException ex) when (ex.Kind == AcmeErrorKind.AlreadyRevoked)
        {
            // idempotent
        }
    }
}

/// <summary>The one HTTP client (and connection pool) for talking to the CA, with the configured TLS trust.</summary>
public sealed class AcmeHttpClient(IOptions<AcmeOptions> options) : IDisposable
{
    public HttpClient Http { get; } = new(options.Value.CreateHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => Http.Dispose();
}
