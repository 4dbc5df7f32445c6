using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MPanel.Domain.DnsZones;
using Microsoft.Extensions.Options;
using MPanel.Domain.Certificates;

namespace MPanel.Infrastructure.Acme;

public static class AcmeRegistration
{
    /// <summary>The ACME CA, http-01 challenge files and certificate installation through the web server's agent, and dns-01
    /// TXT records through the DNS feature's <see cref="IDnsProvider"/>. <see cref="HttpChallengeStore"/> and
    /// <see cref="FileCertificateInstaller"/> stay for tests that run without hosting accounts (<see cref="UseInProcessAcmeStandIns"/>).</summary>
    public static IServiceCollection AddAcme(this IServiceCollection services)
    {
        services.AddOptions<AcmeOptions>().BindConfiguration(AcmeOptions.Section);
        services.AddSingleton<AcmeHttpClient>();
        // Scoped, so the publishers and the installer may be scoped too (the agent's clients will be).
        services.AddScoped<ICertificateAuthority, AcmeCertificateAuthority>();
        services.AddSingleton<HttpChallengeStore>();
        services.AddScoped<IHttpChallengePublisher, AgentHttpChallengePublisher>();
        services.AddScoped<IDnsChallengePublisher, DnsProviderChallengePublisher>();
        services.AddScoped<ICertificateInstaller, AgentCertificateInstaller>();
        services.AddHostedService(sp => new HttpChallengeListenerService(sp.GetRequiredService<HttpChallengeStore>(),
            sp.GetRequiredService<IOptions<AcmeOptions>>().Value.Http01ListenUrl));
        return services;
    }

    /// <summary>Tests without hosting accounts: challenges served from this process, certificates written to a folder.</summary>
    public static IServiceCollection UseInProcessAcmeStandIns(this IServiceCollection services)
    {
        services.RemoveAll<IHttpChallengePublisher>();
        services.RemoveAll<ICertificateInstaller>();
        services.AddSingleton<IHttpChallengePublisher>(sp => sp.GetRequiredService<HttpChallengeStore>());
        services.AddSingleton<ICertificateInstaller, FileCertificateInstaller>();
        return services;
    }
}
