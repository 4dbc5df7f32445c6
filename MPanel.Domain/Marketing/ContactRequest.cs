using MPanel.Domain.Common;

namespace MPanel.Domain.Marketing;

/// <summary>A message sent through a shop's public contact form (<c>POST /api/public/contact</c>), kept for support staff
/// and mailed to the shop's support address.</summary>
public sealed class ContactRequest : Entity, ITenantOwned, IOperationalRecord
{
    public const int MaxNameLength = 100;
    public const int MaxEmailLength = 254;
    public const int MaxSubjectLength = 200;
    public const int MaxMessageLength = 5000;

    private ContactRequest() { }

    public Guid TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public string Email { get; private set; } = "";
    public string Subject { get; private set; } = "";
    public string Message { get; private set; } = "";
    public string? IpAddress { get; private set; }
    public string? UserAgent { get; private set; }
    /// <summary>The support address it was mailed to; null when the shop has none.</summary>
    public string? EmailedTo { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>Validates the form (names the fields) and makes the row. Line breaks are kept only in the message; the
    /// other fields are single lines (no header injection through name or subject).</summary>
    public static ContactRequest Submit(Guid tenantId, string? name, string? email, string? subject, string? message, string? ipAddress,
        string? userAgent, string? emailedTo, DateTimeOffset now)
    {
        var cleanName = Text.Clean(name);
        var cleanEmail = email?.Trim();
        var cleanSubject = Text.Clean(subject);
        var cleanMessage = message?.Trim();
        static bool SingleLine(string? s) => s is not null && !s.Any(char.IsControl);
        new Validator()
            .Require(cleanName is { Length: >= 1 and <= MaxNameLength } && SingleLine(name), "name", $"Your name, 1 to {MaxNameLength} characters on one line.")
            .Require(cleanEmail is { Length: <= MaxEmailLength } && Text.IsEmail(cleanEmail) && SingleLine(email), "email", "A valid email address.")
            .Require(cleanSubject is { Length: >= 1 and <= MaxSubjectLength } && SingleLine(subject), "subject", $"A subject, 1 to {MaxSubjectLength} characters on one line.")
            .Require(cleanMessage is { Length: >= 1 and <= MaxMessageLength } && !cleanMessage.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')),
                "message", $"A message, 1 to {MaxMessageLength} characters.")
            .ThrowIfInvalid();
        return new ContactRequest
        {
            TenantId = tenantId,
            Name = cleanName!,
            Email = cleanEmail!,
            Subject = cleanSubject!,
            Message = cleanMessage!,
            IpAddress = ipAddress is { Length: > 64 } ? ipAddress[..64] : ipAddress,
            UserAgent = userAgent is { Length: > 300 } ? userAgent[..300] : userAgent,
            EmailedTo = emailedTo,
            CreatedAt = now,
        };
    }
}
