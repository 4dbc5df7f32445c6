using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MPanel.Infrastructure.Acme;

/// <summary>Section <c>Acme</c>. Production talks to Let's Encrypt with the system's trust store; development and tests
/// point <see cref="DirectoryUrl"/> at Pebble and trust its self-signed listener through <see cref="CaBundlePath"/>.</summary>
public sealed class AcmeOptions
{
    public const string Section = "Acme";
    public string DirectoryUrl { get; set; } = "https://acme-v02.api.letsencrypt.org/directory";
    /// <summary>PEM file of extra roots trusted for the ACME server's TLS certificate (Pebble's listener). The system
    /// store still applies; this only adds.</summary>
    public string? CaBundlePath { get; set; }
    /// <summary>TESTS ONLY: accept any TLS certificate from the ACME server. Never set in production configuration.</summary>
    public bool DangerouslyAcceptAnyServerCertificate { get; set; }
    /// <summary>Contact address sent with new accounts (mailto:), optional.</summary>
    public string? ContactEmail { get; set; }
    /// <summary>Key type of issued certificates: <c>EcdsaP256</c> (default) or <c>Rsa2048</c>.</summary>
    public CertificateKeyType KeyType { get; set; } = CertificateKeyType.EcdsaP256;
    /// <summary>How long to wait for a challenge or an order to settle before giving up.</summary>
    public TimeSpan ValidationTimeout { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>PowerDNS HTTP API for dns-01 TXT records (until the DNS feature's client takes over).</summary>
    public string PowerDnsApiUrl { get; set; } = "http://127.0.0.1:58081";
    public string? PowerDnsApiKey { get; set; }
    public string PowerDnsServerId { get; set; } = "localhost";
    /// <summary>Serve http-01 challenges from this process on this URL (e.g. http://127.0.0.1:58080) when no agent
    /// publishes them; empty: do not listen.</summary>
    public string? Http01ListenUrl { get; set; }
    /// <summary>PEM file of extra roots an uploaded certificate's chain may end at (besides the system's), e.g. a private CA.</summary>
    public string? UploadTrustedRootsPath { get; set; }
    /// <summary>Revoke a provisioned certificate when its service is terminated.</summary>
    public bool RevokeOnTerminate { get; set; }
    /// <summary>Where <see cref="FileCertificateInstaller"/> writes installed certificates (until the agent installs them).</summary>
    public string InstallDirectory { get; set; } = Path.Combine(".data", "certificates");
    /// <summary>host:port where the web server serves HTTPS (nginx, 127.0.0.1:58443 in development): the agent's installer
    /// reads the certificate a site serves there to know which serial is installed.</summary>
    public string SiteHttpsEndpoint { get; set; } = "127.0.0.1:58443";

    /// <summary>The handler every ACME HTTP client uses: the configured trust, no cookies, pooled connections.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (DangerouslyAcceptAnyServerCertificate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (!string.IsNullOrWhiteSpace(CaBundlePath))
        {
            var extra = new X509Certificate2Collection();
            extra.ImportFromPemFile(CaBundlePath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (errors == SslPolicyErrors.None) return true;
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(extra);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (chain is not null) custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
                return custom.Build(new X509Certificate2(certificate));
            };
        }
        return handler;
    }
}

public enum CertificateKeyType { EcdsaP256, Rsa2048 }
