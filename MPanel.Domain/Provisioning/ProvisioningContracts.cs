using MPanel.Domain.Billing;

namespace MPanel.Domain.Provisioning;

/// <summary>Everything one step of a provisioning plan needs, passed in explicitly (no ambient tenant).</summary>
/// <param name="AccountName">The hosting account's stable name: system user, database prefix, pool name.
/// Lower-case letters and digits, starts with a letter, at most 16 characters (e.g. <c>c3f9a1b2</c> prefixed by <c>u</c>).</param>
/// <param name="PrimaryDomain">The service's main domain in ASCII (punycode) form, lower case, no trailing dot.</param>
/// <param name="State">Outputs of earlier steps and earlier runs of this subscription (e.g. a database password,
/// a certificate id), persisted by the engine between attempts. A step reads and writes its own keys, prefixed by its kind.</param>
public sealed record ProvisioningStepContext(
    Guid TenantId,
    Guid SubscriptionId,
    Guid CustomerId,
    ServiceAction Action,
    string AccountName,
    string PrimaryDomain,
    ProductResources Resources,
    IDictionary<string, string> State);

/// <summary>What reconcile found different between MPanel's database and a real service.</summary>
public sealed record ProvisioningDrift(string Kind, string Resource, string Expected, string Actual);

/// <summary>One kind of step of a provisioning plan (<c>dns.zone</c>, <c>site</c>, <c>database</c>, <c>certificate</c>, …).
/// Implementations live in their resource's feature folder and are registered as <c>IProvisioningStep</c>; the engine
/// orders them by <see cref="Order"/> (reversed for terminate) and runs those that apply. Every method is idempotent:
/// running it twice, or after a crash half way, leaves the same result and creates no duplicates.</summary>
public interface IProvisioningStep
{
    string Kind { get; }
    /// <summary>Position in a create plan: DNS 10, site 20, database 30, certificate 40, mail 50, backups 60.</summary>
    int Order { get; }
    /// <summary>Display name shown in the live stepper, e.g. "DNS zone".</summary>
    string Title { get; }
    bool AppliesTo(ProvisioningStepContext context);
    /// <summary>Carries out <see cref="ProvisioningStepContext.Action"/> for this resource; throws on failure (the engine retries).</summary>
    Task RunAsync(ProvisioningStepContext context, CancellationToken ct);
    /// <summary>Compares what MPanel expects with what the service holds; an empty list means no drift.</summary>
    Task<IReadOnlyList<ProvisioningDrift>> FindDriftAsync(ProvisioningStepContext context, CancellationToken ct);
}
