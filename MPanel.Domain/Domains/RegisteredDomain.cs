using MPanel.Domain.Common;
using MPanel.Domain.DnsZones;

namespace MPanel.Domain.Domains;

public enum DomainStatus { PendingRegistration, Active, PendingTransfer, Expired, Cancelled }

public enum DomainTaskKind { Register, Renew, Transfer, UpdateNameservers }

public enum DomainTaskStatus { Open, Done, Cancelled }

/// <summary>A domain a customer holds through the tenant: registration data MPanel tracks (the registrar is the truth
/// for registration; MPanel keeps what it knows and what it asked for).</summary>
public sealed class RegisteredDomain : Entity, ITenantOwned, IVersioned
{
    private RegisteredDomain() { }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    /// <summary>ASCII (punycode), lower case.</summary>
    public string Name { get; private set; } = "";
    public string Registrar { get; private set; } = "";
    public DateOnly? ExpiresOn { get; private set; }
    public bool AutoRenew { get; private set; }
    public List<string> Nameservers { get; private set; } = [];
    public DomainStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }

    public string DisplayName => DnsName.ToUnicode(Name);

    public static RegisteredDomain Create(Guid customerId, string name, string registrar, DateOnly? expiresOn, bool autoRenew,
        IReadOnlyList<string> nameservers, DomainStatus status, DateTimeOffset now)
    {
        var d = new RegisteredDomain { CustomerId = customerId, CreatedAt = now, Status = status };
        var ascii = DnsName.TryParseDomain(name, out var error);
        var v = new Validator().Require(ascii is not null, "name", error ?? "").Require(customerId != Guid.Empty, "customerId", "Choose a customer.");
        d.Name = ascii ?? "";
        d.Apply(v, registrar, expiresOn, autoRenew, nameservers, now);
        return d;
    }

    public void Update(string registrar, DateOnly? expiresOn, bool autoRenew, IReadOnlyList<string> nameservers, DateTimeOffset now) =>
        Apply(new Validator(), registrar, expiresOn, autoRenew, nameservers, now);

    public void ChangeStatus(DomainStatus status, DateTimeOffset now)
    {
        Status = status;
        UpdatedAt = now;
    }

    private void Apply(Validator v, string registrar, DateOnly? expiresOn, bool autoRenew, IReadOnlyList<string> nameservers, DateTimeOffset now)
    {
        var clean = Text.Clean(registrar) ?? "manual";
        var hosts = new List<string>();
        foreach (var ns in nameservers.Where(n => !string.IsNullOrWhiteSpace(n)))
        {
            var host = DnsName.TryParseHost(ns, out var error);
            v.Require(host is not null && host.Contains('.'), "nameservers", $"'{ns}' is not a host name{(error is null ? "" : ": " + error)}");
            if (host is not null && !hosts.Contains(host)) hosts.Add(host);
        }
        v.Require(hosts.Count <= 13, "nameservers", "At most 13 nameservers.")
            .Require(clean.Length <= 60, "registrar", "A registrar name is at most 60 characters.")
            .ThrowIfInvalid();
        Registrar = clean;
        ExpiresOn = expiresOn;
        AutoRenew = autoRenew;
        Nameservers = hosts;
        UpdatedAt = now;
    }
}

/// <summary>Work for staff that a registrar adapter could not (or cannot yet) do by itself, e.g. with the manual registrar.</summary>
public sealed class DomainTask : Entity, ITenantOwned
{
    private DomainTask() { }

    public DomainTask(Guid domainId, DomainTaskKind kind, string details, DateTimeOffset now)
    {
        DomainId = domainId;
        Kind = kind;
        Details = details.Length > 2000 ? details[..2000] : details;
        Status = DomainTaskStatus.Open;
        CreatedAt = now;
    }

    public Guid TenantId { get; private set; }
    public Guid DomainId { get; private set; }
    public DomainTaskKind Kind { get; private set; }
    public string Details { get; private set; } = "";
    public DomainTaskStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public string? CompletedBy { get; private set; }

    public void Complete(DomainTaskStatus status, string? by, DateTimeOffset now)
    {
        if (Status != DomainTaskStatus.Open) throw new ConflictError("task_closed", "This task is already closed.").ToException();
        Status = status;
        CompletedBy = by;
        CompletedAt = now;
    }
}

/// <summary>What a registrar adapter reports back for a request.</summary>
public sealed record RegistrarResult(bool Completed, string Message);

/// <summary>A domain registrar. Real ones (EPP, REST) come later; <c>ManualRegistrar</c> turns each request into a staff task.</summary>
public interface IRegistrar
{
    string Name { get; }
    Task<RegistrarResult> RegisterAsync(RegisteredDomain domain, int years, CancellationToken ct);
    Task<RegistrarResult> RenewAsync(RegisteredDomain domain, int years, CancellationToken ct);
    Task<RegistrarResult> TransferAsync(RegisteredDomain domain, string authCode, CancellationToken ct);
    Task<RegistrarResult> UpdateNameserversAsync(RegisteredDomain domain, IReadOnlyList<string> nameservers, CancellationToken ct);
}
