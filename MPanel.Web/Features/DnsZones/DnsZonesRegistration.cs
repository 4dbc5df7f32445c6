using MPanel.Domain.Domains;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Dns;
using MPanel.Web.Features.Domains;

namespace MPanel.Web.Features.DnsZones;

public static class DnsZonesRegistration
{
    /// <summary>DNS zones (PowerDNS), zone templates, domains with the manual registrar, and the "dns.zone" provisioning step.</summary>
    public static IServiceCollection AddDnsZones(this IServiceCollection services)
    {
        services.AddPowerDns();
        services.AddOptions<DnsZonesOptions>().BindConfiguration("Provisioning");
        services.AddScoped<DnsZonesService>();
        services.AddScoped<DomainsService>();
        services.AddScoped<IRegistrar, ManualRegistrar>();
        services.AddScoped<IProvisioningStep, DnsZoneStep>();
        return services;
    }
}
