namespace MPanel.Infrastructure.Acme;

/// <summary>The ACME error types of RFC 8555 §6.7 that a caller can act on; anything else is <see cref="Other"/>.</summary>
public enum AcmeErrorKind
{
    Other,
    BadNonce,
    Malformed,
    Unauthorized,
    AccountDoesNotExist,
    RateLimited,
    RejectedIdentifier,
    UnsupportedIdentifier,
    Caa,
    Dns,
    Connection,
    IncorrectResponse,
    Tls,
    BadCsr,
    OrderNotReady,
    ServerInternal,
    UserActionRequired,
    AlreadyRevoked,
    BadRevocationReason,
    ExternalAccountRequired,
    BadSignatureAlgorithm,
    BadPublicKey,
}

/// <summary>A problem document the ACME server answered with, typed by <see cref="Kind"/>.</summary>
public sealed class AcmeProblemException(AcmeProblem problem, int httpStatus, TimeSpan? retryAfter = null)
    : Exception($"ACME server refused the request ({httpStatus}): {problem}")
{
    public const string ErrorNamespace = "urn:ietf:params:acme:error:";

    public AcmeProblem Problem { get; } = problem;
    public int HttpStatus { get; } = httpStatus;
    public AcmeErrorKind Kind { get; } = KindOf(problem.Type);
    /// <summary>From Retry-After on rateLimited answers, when the server said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static AcmeErrorKind KindOf(string? type)
    {
        if (type is null || !type.StartsWith(ErrorNamespace, StringComparison.Ordinal)) return AcmeErrorKind.Other;
        return Enum.TryParse<AcmeErrorKind>(type[ErrorNamespace.Length..], ignoreCase: true, out var kind) ? kind : AcmeErrorKind.Other;
    }
}

/// <summary>An order or authorization ended invalid, or did not settle in time.</summary>
public sealed class AcmeOrderFailedException(string message, AcmeProblem? problem = null) : Exception(message)
{
    public AcmeProblem? Problem { get; } = problem;
}
