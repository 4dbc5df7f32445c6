using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MPanel.Domain.Certificates;

namespace MPanel.Infrastructure.Acme;

public static class AcmeRegistration
{
    /// <summary>The ACME CA and today's stand-ins for the challenge publishers and the installer. At merge: the agent's
    /// put-acme-challenge / install-certificate replace <see cref="HttpChallengeStore"/> / <see cref="FileCertificateInstaller"/>,
    /// and the DNS feature's client may replace <see cref="PowerDnsChallengePublisher"/>.</summary>
    public static IServiceCollection AddAcme(this IServiceCollection services)
    {
        services.AddOptions<AcmeOptions>().BindConfiguration(AcmeOptions.Section);
        services.AddSingleton<AcmeHttpClient>();
        // Scoped, so the publishers and the installer may be scoped too (the agent's clients will be).
        services.AddScoped<ICertificateAuthority, AcmeCertificateAuthority>();
        services.AddSingleton<HttpChallengeStore>();
        services.AddSingleton<IHttpChallengePublisher>(sp => sp.GetRequiredService<HttpChallengeStore>());
        services.AddSingleton<IDnsChallengePublisher, PowerDnsChallengePublisher>();
        services.AddSingleton<ICertificateInstaller, FileCertificateInstaller>();
        services.AddHostedService(sp => new HttpChallengeListenerService(sp.GetRequiredService<HttpChallengeStore>(),
            sp.GetRequiredService<IOptions<AcmeOptions>>().Value.Http01ListenUrl));
        return services;
    }
}
