using MPanel.Domain.Billing;

namespace MPanel.Web.Features.Billing;

/// <summary>Stands in for the provisioning engine until it lands: billing decides and records the subscription's state
/// (that part is real); this port only logs what the servers would be asked to do.</summary>
public sealed class LoggingProvisioningPort(ILogger<LoggingProvisioningPort> logger) : IProvisioningPort
{
    public Task RequestAsync(Guid tenantId, Guid subscriptionId, ServiceAction action, string reason, CancellationToken ct = default)
    {
        logger.LogInformation("Provisioning request {Action} for subscription {SubscriptionId} (tenant {TenantId}): {Reason}", action, subscriptionId, tenantId, reason);
        return Task.CompletedTask;
    }
}
