using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MPanel.Tests.Support;

/// <summary>MPanel wired to the Stripe stand-in (the real Stripe.net SDK pointed at it, webhooks delivered back to the
/// in-memory host) with a clock the tests move day by day.</summary>
public class BillingFactory : MPanelFactory, IAsyncLifetime
{
    public MovableClock Clock { get; } = new();
    public StripeStandIn Stripe { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Stripe = await StripeStandIn.StartForAsync(this, Clock);
        await base.InitializeAsync();
        Stripe.WebhookClient = CreateClient();
        Stripe.WebhookUrl = "/api/webhooks/stripe";
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            // Billing tests watch money, not servers: provisioning plans run empty here.
            services.RemoveAll<MPanel.Domain.Provisioning.IProvisioningStep>();
        });
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
    }
}
