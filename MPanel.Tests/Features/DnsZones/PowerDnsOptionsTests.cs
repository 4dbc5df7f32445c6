using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MPanel.Infrastructure.Dns;

namespace MPanel.Tests.Features.DnsZones;

/// <summary>The nameservers every new zone gets come from configuration exactly once (the binder appends arrays to
/// their initial items: a default list used to double them, and the duplicate NS records failed every new zone).</summary>
public sealed class PowerDnsOptionsTests
{
    private static PowerDnsOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddPowerDns();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<PowerDnsOptions>>().Value;
    }

    [Fact]
    public void ConfiguredNameservers_AreTakenOnce_AndNormalised()
    {
        var options = Bind(("PowerDns:Nameservers:0", "NS1.example.net."), ("PowerDns:Nameservers:1", "ns2.example.net"),
            ("PowerDns:Nameservers:2", "ns1.example.net"));
        Assert.Equal(["ns1.example.net", "ns2.example.net"], options.Nameservers);
    }

    [Fact]
    public void NoNameserversConfigured_GivesTheDefaults() =>
        Assert.Equal(PowerDnsOptions.DefaultNameservers, Bind().Nameservers);
}
