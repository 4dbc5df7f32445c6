using MPanel.Domain.Billing;
using MPanel.Domain.DnsZones;
using MPanel.Domain.Provisioning;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.DnsZones;

/// <summary>Provisioning step "dns.zone": the subscription's primary domain gets a zone from the tenant's default template
/// (records pointing at Provisioning:WebIp). Suspend and unsuspend leave DNS answering (the site shows the suspend page);
/// terminate deletes the zone. Runs in its own scope for the tenant named in the context.</summary>
public sealed class DnsZoneStep(IServiceScopeFactory scopes) : IProvisioningStep
{
    public const string StepKind = "dns.zone";
    public string Kind => StepKind;
    public int Order => 10;
    public string Title => "DNS zone";

    public bool AppliesTo(ProvisioningStepContext context) =>
        context.Resources.DnsZones > 0 && !string.IsNullOrWhiteSpace(context.PrimaryDomain);

    public async Task RunAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = Begin(context, out var dns);
        switch (context.Action)
        {
            case ServiceAction.Provision:
            case ServiceAction.ChangePlan:
                var id = await dns.EnsureZoneAsync(context.CustomerId, context.SubscriptionId, context.PrimaryDomain, ct);
                context.State[$"{StepKind}.zoneId"] = id.ToString();
                break;
            case ServiceAction.Terminate:
                await dns.DeleteByNameAsync(context.PrimaryDomain, ct);
                context.State.Remove($"{StepKind}.zoneId");
                break;
            case ServiceAction.Suspend:
            case ServiceAction.Unsuspend:
                break; // DNS keeps answering so that the suspend page is reachable.
        }
    }

    public async Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = Begin(context, out var dns);
        var id = await dns.FindIdByNameAsync(context.PrimaryDomain, ct);
        if (id is null)
            return context.Action == ServiceAction.Terminate ? [] : [new ProvisioningDrift(StepKind, context.PrimaryDomain, "zone in MPanel", "(none)")];
        var drift = await dns.FindDriftAsync(id.Value, ct);
        return drift.Select(d => new ProvisioningDrift(StepKind, $"{d.Name}/{d.Type}", d.Expected, d.Actual)).ToList();
    }

    /// <summary>Re-pushes MPanel's records (the one-click repair of reconcile); returns what still differs.</summary>
    public async Task<IReadOnlyList<ProvisioningDrift>> RepairAsync(ProvisioningStepContext context, CancellationToken ct)
    {
        await using var scope = Begin(context, out var dns);
        if (await dns.FindIdByNameAsync(context.PrimaryDomain, ct) is { } id) await dns.RepairAsync(id, ct);
        else if (context.Action != ServiceAction.Terminate) await dns.EnsureZoneAsync(context.CustomerId, context.SubscriptionId, context.PrimaryDomain, ct);
        return await FindDriftAsync(context, ct);
    }

    private AsyncServiceScope Begin(ProvisioningStepContext context, out DnsZonesService dns)
    {
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(context.TenantId, $"provisioning:{StepKind}");
        dns = scope.ServiceProvider.GetRequiredService<DnsZonesService>();
        return scope;
    }
}
