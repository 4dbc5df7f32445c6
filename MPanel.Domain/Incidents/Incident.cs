using MPanel.Domain.Common;

namespace MPanel.Domain.Incidents;

public enum IncidentSeverity { Minor, Major, Critical }

public enum IncidentStatus { Investigating, Identified, Monitoring, Resolved }

/// <summary>The parts of the service a status page lists, a fixed set.</summary>
public static class StatusComponents
{
    public const string Website = "website";
    public const string ControlPanel = "control-panel";
    public const string Api = "api";
    public const string Dns = "dns";
    public const string Email = "email";
    public const string Hosting = "hosting";
    public const string Billing = "billing";

    public static readonly IReadOnlyList<string> All = [Website, ControlPanel, Api, Dns, Email, Hosting, Billing];

    public static string Describe(string component) => component switch
    {
        Website => "Website",
        ControlPanel => "Control panel",
        Api => "API",
        Dns => "DNS",
        Email => "Email",
        Hosting => "Web hosting",
        Billing => "Billing",
        _ => component,
    };
}

/// <summary>Something wrong that customers should know about: a title, how bad, which components, and a timeline of
/// updates ending in Resolved.</summary>
public sealed class Incident : Entity, ITenantOwned, IVersioned
{
    public const int MaxTitleLength = 200;
    public const int MaxMessageLength = 4000;

    private readonly List<IncidentUpdate> _updates = [];

    private Incident() { }

    public Guid TenantId { get; private set; }
    public string Title { get; private set; } = "";
    public IncidentSeverity Severity { get; private set; }
    /// <summary>Space-separated <see cref="StatusComponents"/>.</summary>
    public string Components { get; private set; } = "";
    public IncidentStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public uint Version { get; private set; }
    public IReadOnlyList<IncidentUpdate> Updates => _updates;

    public IReadOnlyList<string> ComponentList => Components.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    public bool IsOpen => Status != IncidentStatus.Resolved;

    public static Incident Open(string title, IncidentSeverity severity, IEnumerable<string>? components, string message, IncidentStatus status,
        string author, DateTimeOffset now)
    {
        var cleanTitle = Text.Clean(title);
        var wanted = (components ?? []).Select(c => c?.Trim() ?? "").Distinct().ToList();
        new Validator()
            .Require(cleanTitle is { Length: >= 3 and <= MaxTitleLength }, "title", $"A title of 3 to {MaxTitleLength} characters.")
            .Require(Enum.IsDefined(severity), "severity", "Severity is minor, major or critical.")
            .Require(wanted.Count > 0, "components", "Choose at least one affected component.")
            .Require(wanted.All(StatusComponents.All.Contains), "components", $"Components are {string.Join(", ", StatusComponents.All)}.")
            .Require(status != IncidentStatus.Resolved, "status", "A new incident cannot start resolved.")
            .Require(message?.Trim() is { Length: >= 1 and <= MaxMessageLength }, "message", $"Write what is happening (1 to {MaxMessageLength} characters).")
            .ThrowIfInvalid();
        var incident = new Incident
        {
            Title = cleanTitle!,
            Severity = severity,
            Components = string.Join(' ', StatusComponents.All.Where(wanted.Contains)),
            CreatedAt = now,
            UpdatedAt = now,
            CreatedBy = Text.Clean(author) ?? "staff",
        };
        incident.Post(status, message ?? "", author, now);
        return incident;
    }

    /// <summary>Adds a timeline entry; Resolved closes the incident (and a later update may reopen it).</summary>
    public IncidentUpdate Post(IncidentStatus status, string message, string author, DateTimeOffset now)
    {
        var clean = message?.Trim();
        new Validator()
            .Require(Enum.IsDefined(status), "status", "Status is investigating, identified, monitoring or resolved.")
            .Require(clean is { Length: >= 1 and <= MaxMessageLength }, "message", $"Write what is happening (1 to {MaxMessageLength} characters).")
            .ThrowIfInvalid();
        var update = new IncidentUpdate(Id, status, clean!, Text.Clean(author) ?? "staff", now);
        _updates.Add(update);
        Status = status;
        UpdatedAt = now;
        ResolvedAt = status == IncidentStatus.Resolved ? now : null;
        return update;
    }
}

public sealed class IncidentUpdate : Entity, ITenantOwned
{
    private IncidentUpdate() { }

    internal IncidentUpdate(Guid incidentId, IncidentStatus status, string message, string author, DateTimeOffset at)
    {
        IncidentId = incidentId;
        Status = status;
        Message = message;
        Author = author;
        At = at;
    }

    public Guid TenantId { get; private set; }
    public Guid IncidentId { get; private set; }
    public IncidentStatus Status { get; private set; }
    public string Message { get; private set; } = "";
    public string Author { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
}
