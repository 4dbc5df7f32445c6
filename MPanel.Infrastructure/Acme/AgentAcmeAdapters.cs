using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Agent;
using MPanel.Domain.Certificates;
using MPanel.Domain.DnsZones;
using MPanel.Infrastructure.Agent;
using MPanel.Infrastructure.Persistence;

namespace MPanel.Infrastructure.Acme;

/// <summary>http-01 through the agent of the site's server: the key authorization is written under the site's
/// <c>/.well-known/acme-challenge/</c> (served by nginx on the CA's port 80 equivalent, 58080 here). The site serving the
/// domain (primary or alias) is looked up in the tenant's sites to name the hosting account.</summary>
public sealed class AgentHttpChallengePublisher(MPanelDbContext db, IWebServerAgents agents) : IHttpChallengePublisher
{
    public async Task PublishAsync(Guid tenantId, string domain, string token, string keyAuthorization, CancellationToken ct)
    {
        var (account, server) = await SiteForAsync(tenantId, domain, ct);
        var agent = await agents.ForServerAsync(server, ct);
        await agent.PutAcmeChallengeAsync(new AcmeChallengeRequest(tenantId, account, domain, token, keyAuthorization), ct);
    }

    public async Task RemoveAsync(Guid tenantId, string domain, string token, CancellationToken ct)
    {
        var (account, server) = await SiteForAsync(tenantId, domain, ct);
        var agent = await agents.ForServerAsync(server, ct);
        await agent.DeleteAcmeChallengeAsync(new AcmeChallengeRequest(tenantId, account, domain, token, null), ct);
    }

    private async Task<(string Account, Guid? Server)> SiteForAsync(Guid tenantId, string domain, CancellationToken ct)
    {
        var name = domain.TrimEnd('.').ToLowerInvariant();
        // Aliases are a list column: filtered in memory over the tenant's few sites.
        var sites = await db.Sites.IgnoreQueryFilters().AsNoTracking().Where(s => s.TenantId == tenantId)
            .Select(s => new { s.AccountName, s.ServerId, s.PrimaryDomain, s.Aliases }).ToListAsync(ct);
        var site = sites.FirstOrDefault(s => s.PrimaryDomain == name) ?? sites.FirstOrDefault(s => s.Aliases.Contains(name))
            ?? throw new InvalidOperationException($"No site of this tenant serves {name}: http-01 needs the site first (or use dns-01).");
        return (site.AccountName, site.ServerId);
    }
}

/// <summary>Installs certificates through the agent's install-certificate (written next to the site's nginx block, checked
/// with <c>nginx -t</c>, rolled back on failure; nginx then serves HTTPS for the site). The installed serial is read the way
/// a browser would: a TLS handshake with SNI to <see cref="AcmeOptions.SiteHttpsEndpoint"/>. Removal goes with the site
/// (the agent's delete-site removes the certificate files and the HTTPS listener).</summary>
public sealed class AgentCertificateInstaller(MPanelDbContext db, IWebServerAgents agents, IOptions<AcmeOptions> options) : ICertificateInstaller
{
    public async Task InstallAsync(CertificateInstallation installation, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(await ServerOfAsync(installation.TenantId, installation.AccountName, ct), ct);
        await agent.InstallCertificateAsync(new InstallCertificateRequest(installation.TenantId, installation.AccountName,
            installation.Domain, installation.ChainPem, installation.PrivateKeyPem), ct);
    }

    /// <summary>The agent has no separate uninstall: a terminated account's delete-site removes the files.</summary>
    public Task RemoveAsync(Guid tenantId, string accountName, string domain, CancellationToken ct) => Task.CompletedTask;

    public async Task<string?> GetInstalledSerialAsync(Guid tenantId, string accountName, string domain, CancellationToken ct)
    {
        var agent = await agents.ForServerAsync(await ServerOfAsync(tenantId, accountName, ct), ct);
        SiteInspection site;
        try
        {
            site = await agent.GetSiteAsync(new SiteRequest(tenantId, accountName, domain), ct);
        }
        catch (AgentCallException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return null;
        }
        if (!site.Known || !site.Https) return null;
        var endpoint = options.Value.SiteHttpsEndpoint;
        var colon = endpoint.LastIndexOf(':');
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), ct);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true); // only reading which certificate is served
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = domain }, ct);
        using var served = new X509Certificate2(tls.RemoteCertificate!);
        return served.MatchesHostname(domain) ? served.SerialNumber.ToUpperInvariant() : null;
    }

    private async Task<Guid?> ServerOfAsync(Guid tenantId, string accountName, CancellationToken ct) =>
        await db.Sites.IgnoreQueryFilters().AsNoTracking().Where(s => s.TenantId == tenantId && s.AccountName == accountName)
            .Select(s => s.ServerId).FirstOrDefaultAsync(ct);
}

/// <summary>dns-01 TXT records through the DNS feature's <see cref="IDnsProvider"/> (PowerDNS's HTTP API): the zone holding
/// <c>_acme-challenge.&lt;domain&gt;</c> is the longest existing suffix; only that one rrset is replaced or deleted.</summary>
public sealed class DnsProviderChallengePublisher(IDnsProvider dns) : IDnsChallengePublisher
{
    public async Task PublishTxtAsync(string domain, IReadOnlyCollection<string> values, CancellationToken ct)
    {
        var name = RecordName(domain);
        var zone = await FindZoneAsync(name, ct);
        await dns.ApplyAsync(zone, [new DnsRrset(name, "TXT", 60, values.Select(v => $"\"{v}\"").ToList())], [], ct);
    }

    public async Task RemoveTxtAsync(string domain, CancellationToken ct)
    {
        var name = RecordName(domain);
        await dns.ApplyAsync(await FindZoneAsync(name, ct), [], [(name, "TXT")], ct);
    }

    private static string RecordName(string domain) => $"_acme-challenge.{domain.TrimStart('*', '.').TrimEnd('.').ToLowerInvariant()}.";

    private async Task<string> FindZoneAsync(string name, CancellationToken ct)
    {
        var labels = name.TrimEnd('.').Split('.');
        for (var i = 1; i < labels.Length - 1; i++)
        {
            var candidate = string.Join('.', labels[i..]);
            if (await dns.GetZoneAsync(candidate, ct) is not null) return candidate;
        }
        throw new InvalidOperationException($"No PowerDNS zone holds {name}: create the domain's zone first.");
    }
}
