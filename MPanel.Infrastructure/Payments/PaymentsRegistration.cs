using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MPanel.Domain.Billing;

namespace MPanel.Infrastructure.Payments;

public static class PaymentsRegistration
{
    /// <summary>Stripe options (section <c>Stripe</c>) and the Stripe adapter as the one <see cref="IPaymentGateway"/>.</summary>
    public static IServiceCollection AddMPanelPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IPaymentGateway, StripePaymentGateway>();
        return services;
    }
}
