using MPanel.Domain.Agent;
using MPanel.Domain.Common;

namespace MPanel.Domain.Sites;

public enum SiteStatus { Pending, Active, Suspended, Failed, Deleted }

/// <summary>A hosted web site: one hosting account (system user) on a web server, its primary and alias domains, static
/// or PHP, and its disk quota. What the server really holds is the agent's business; this is what MPanel wants there.</summary>
public sealed class Site : Entity, ITenantOwned, IVersioned
{
    private Site() { }

    public Guid TenantId { get; private set; }
    public Guid? SubscriptionId { get; private set; }
    public Guid? CustomerId { get; private set; }
    /// <summary>The web server it lives on (server inventory); null: the configured default agent.</summary>
    public Guid? ServerId { get; private set; }
    public string AccountName { get; private set; } = "";
    public string PrimaryDomain { get; private set; } = "";
    public List<string> Aliases { get; private set; } = [];
    public SiteKind Kind { get; private set; }
    /// <summary>Requested PHP version; null lets the server pick its newest (the effective one is stored once provisioned).</summary>
    public string? PhpVersion { get; private set; }
    public SiteStatus Status { get; private set; }
    public string? DocumentRoot { get; private set; }
    public int QuotaMb { get; private set; }
    public long? DiskUsedBytes { get; private set; }
    public DateTimeOffset? DiskCheckedAt { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }

    public bool IsLive => Status is SiteStatus.Active or SiteStatus.Suspended;

    public static Site Create(string accountName, string primaryDomain, IEnumerable<string> aliases, SiteKind kind, string? phpVersion,
        int quotaMb, Guid? subscriptionId, Guid? customerId, DateTimeOffset now)
    {
        var v = new Validator();
        v.Require(AgentNames.IsAccount(accountName), "accountName", "An account name is 3-16 lower-case letters and digits, starting with a letter.");
        var primary = AgentNames.NormalizeDomain(primaryDomain?.Trim());
        v.Require(primary is not null, "primaryDomain", "Enter a domain name in ASCII (punycode), like example.com.");
        v.Require(quotaMb is >= 0 and <= 10_000_000, "quotaMb", "The disk quota is between 0 and 10,000,000 MB.");
        var site = new Site
        {
            AccountName = accountName ?? "",
            PrimaryDomain = primary ?? "",
            SubscriptionId = subscriptionId,
            CustomerId = customerId,
            QuotaMb = quotaMb,
            Status = SiteStatus.Pending,
            CreatedAt = now,
            UpdatedAt = now,
        };
        site.SetSettings(v, aliases, kind, phpVersion);
        v.ThrowIfInvalid();
        return site;
    }

    public void ChangeSettings(IEnumerable<string> aliases, SiteKind kind, string? phpVersion, DateTimeOffset now)
    {
        if (Status == SiteStatus.Deleted) throw new ConflictError("site_deleted", "This site was deleted.").ToException();
        var v = new Validator();
        SetSettings(v, aliases, kind, phpVersion);
        v.ThrowIfInvalid();
        UpdatedAt = now;
    }

    private void SetSettings(Validator v, IEnumerable<string> aliases, SiteKind kind, string? phpVersion)
    {
        var list = new List<string>();
        foreach (var raw in aliases ?? [])
        {
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var alias = AgentNames.NormalizeDomain(raw.Trim());
            if (alias is null) { v.Require(false, "aliases", $"'{raw.Trim()}' is not a valid domain name."); continue; }
            if (alias != PrimaryDomain && !list.Contains(alias)) list.Add(alias);
        }
        v.Require(list.Count <= AgentNames.MaxAliases, "aliases", $"At most {AgentNames.MaxAliases} aliases.");
        v.Require(Enum.IsDefined(kind), "kind", "A site is static or PHP.");
        var php = string.IsNullOrWhiteSpace(phpVersion) ? null : phpVersion.Trim();
        v.Require(php is null || AgentNames.IsPhpVersion(php), "phpVersion", "A PHP version looks like 8.2.");
        Aliases = list;
        Kind = kind;
        PhpVersion = kind == SiteKind.Php ? php : null;
    }

    public void ChangeQuota(int quotaMb, DateTimeOffset now)
    {
        new Validator().Require(quotaMb is >= 0 and <= 10_000_000, "quotaMb", "The disk quota is between 0 and 10,000,000 MB.").ThrowIfInvalid();
        QuotaMb = quotaMb;
        UpdatedAt = now;
    }

    /// <summary>The server now serves the site as configured (keeps a suspension in place).</summary>
    public void MarkProvisioned(string documentRoot, string? effectivePhpVersion, DateTimeOffset now)
    {
        DocumentRoot = documentRoot;
        if (Kind == SiteKind.Php) PhpVersion = effectivePhpVersion;
        if (Status is SiteStatus.Pending or SiteStatus.Failed or SiteStatus.Deleted) Status = SiteStatus.Active;
        LastError = null;
        UpdatedAt = now;
    }

    public void MarkFailed(string error, DateTimeOffset now)
    {
        LastError = error.Length > 2000 ? error[..2000] : error;
        if (Status == SiteStatus.Pending) Status = SiteStatus.Failed;
        UpdatedAt = now;
    }

    public void Suspend(DateTimeOffset now)
    {
        if (Status == SiteStatus.Deleted) throw new ConflictError("site_deleted", "This site was deleted.").ToException();
        Status = SiteStatus.Suspended;
        UpdatedAt = now;
    }

    public void Unsuspend(DateTimeOffset now)
    {
        if (Status == SiteStatus.Deleted) throw new ConflictError("site_deleted", "This site was deleted.").ToException();
        Status = SiteStatus.Active;
        UpdatedAt = now;
    }

    public void MarkDeleted(DateTimeOffset now)
    {
        Status = SiteStatus.Deleted;
        DiskUsedBytes = null;
        UpdatedAt = now;
    }

    public void RecordDiskUsage(long usedBytes, DateTimeOffset now)
    {
        DiskUsedBytes = usedBytes;
        DiskCheckedAt = now;
    }

    public void AssignServer(Guid? serverId) => ServerId = serverId;
}
