namespace MPanel.Domain.Common;

/// <summary>An expected failure. Mapped to RFC 7807 problem details for HTTP and to a snackbar in the UI,
/// each in one place.</summary>
public abstract record DomainError(string Code, string Message)
{
    public DomainException ToException() => new(this);
}

public record NotFoundError(string Entity, object Id) : DomainError("not_found", $"{Entity} was not found.");

public record ConflictError(string Code, string Message) : DomainError(Code, Message);

public record ForbiddenError(string Message) : DomainError("forbidden", Message);

public record ConcurrencyError() : DomainError("concurrency",
    "Someone else changed this record while you were editing it. Reload and try again.");

/// <summary>Field-level validation failure; keys are field names as the client sent them (camelCase).</summary>
public record ValidationError(IReadOnlyDictionary<string, string[]> Fields)
    : DomainError("validation", "One or more fields are invalid.")
{
    public static ValidationError For(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}

public sealed class DomainException(DomainError error) : Exception(error.Message)
{
    public DomainError Error { get; } = error;
}

/// <summary>Collects field errors and throws one <see cref="ValidationError"/>.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public Validator Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
            list.Add(message);
        }
        return this;
    }

    public bool IsValid => _errors.Count == 0;

    public void ThrowIfInvalid()
    {
        if (!IsValid)
            throw new ValidationError(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray())).ToException();
    }
}
