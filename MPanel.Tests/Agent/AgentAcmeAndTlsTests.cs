using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MPanel.Domain.Agent;
using MPanel.Tests.Features.Sites;

namespace MPanel.Tests.Agent;

/// <summary>What the certificate step relies on, against the real agent and nginx: an HTTP-01 challenge file served on
/// plain HTTP (also while the site is suspended), and an installed certificate served on 127.0.0.1:58443 by SNI.</summary>
public sealed class AgentAcmeAndTlsTests
{
    [Fact]
    public async Task Challenge_IsServedOnHttp_EvenWhenSuspended_AndTheInstalledCertificateIsServedOnHttps()
    {
        await SiteStack.RequireAsync();
        var agent = SiteStack.Agent();
        var tenant = Guid.NewGuid();
        var account = "a" + Guid.NewGuid().ToString("N")[..10];
        var domain = $"tls-{account}.test";
        try
        {
            await agent.EnsureAccountAsync(new EnsureAccountRequest(tenant, account, 10));
            await agent.EnsureSiteAsync(new EnsureSiteRequest(tenant, account, domain, [$"www.{domain}"], SiteKind.Static, null));
            await agent.PutDefaultPageAsync(new SiteRequest(tenant, account, domain));
            await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.OK, domain);

            var token = Base64Url(RandomNumberGenerator.GetBytes(24));
            var keyAuthorization = token + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
            await agent.PutAcmeChallengeAsync(new AcmeChallengeRequest(tenant, account, $"www.{domain}", token, keyAuthorization));
            var body = await SiteStack.WaitForAsync($"www.{domain}", $"/.well-known/acme-challenge/{token}", HttpStatusCode.OK, keyAuthorization);
            Assert.Equal(keyAuthorization, body);

            await agent.SuspendSiteAsync(new SiteRequest(tenant, account, domain));
            await SiteStack.WaitForAsync(domain, "/", HttpStatusCode.ServiceUnavailable, "suspended");
            await SiteStack.WaitForAsync(domain, $"/.well-known/acme-challenge/{token}", HttpStatusCode.OK, keyAuthorization);
            await agent.UnsuspendSiteAsync(new SiteRequest(tenant, account, domain));
            await agent.DeleteAcmeChallengeAsync(new AcmeChallengeRequest(tenant, account, domain, token, null));
            await SiteStack.WaitForAsync(domain, $"/.well-known/acme-challenge/{token}", HttpStatusCode.NotFound, "");

            var (chainPem, keyPem, thumbprint) = SelfSigned(domain);
            var installed = await agent.InstallCertificateAsync(new InstallCertificateRequest(tenant, account, domain, chainPem, keyPem));
            Assert.Equal(thumbprint, installed.Thumbprint);
            var files = Directory.GetFiles(Path.GetDirectoryName(SiteCertificatePath(domain))!);
            Assert.Equal(2, files.Length);
            if (OperatingSystem.IsLinux()) // the agent is Linux-only; the guard is for the platform analyzer
                foreach (var file in files) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.True((await agent.GetSiteAsync(new SiteRequest(tenant, account, domain))).Https);

            var served = await HttpsAsync(domain, thumbprint);
            Assert.Contains(domain, served);
        }
        finally
        {
            await agent.DeleteAccountAsync(new AccountRequest(tenant, account));
        }
        Assert.False(await SiteStack.SystemUserExistsAsync(account));
    }

    /// <summary>The agent keeps certificates at DataDir/certs/&lt;domain&gt;; the running stack's DataDir is .data/agent.</summary>
    private static string SiteCertificatePath(string domain)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MPanel.sln"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, ".data", "agent", "certs", domain, "fullchain.pem");
    }

    private static async Task<string> HttpsAsync(string domain, string expectedThumbprint)
    {
        string? seen = null;
        using var handler = new SocketsHttpHandler
        {
            // Resolve the site's name to the local nginx, keep the name for SNI and Host.
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, 58443, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    seen = cert?.GetCertHashString();
                    return seen == expectedThumbprint;
                },
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return await client.GetStringAsync($"https://{domain}:58443/");
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100); // nginx picks up the new listener on reload
            }
            catch (HttpRequestException ex)
            {
                Assert.Fail($"HTTPS to {domain} failed ({ex.Message}); certificate seen: {seen ?? "none"}.");
                throw;
            }
        }
    }

    private static (string ChainPem, string KeyPem, string Thumbprint) SelfSigned(string domain)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(domain);
        san.AddDnsName("www." + domain);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), cert.Thumbprint);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
