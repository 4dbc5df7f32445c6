using System.Text.Json.Serialization;

namespace MPanel.Infrastructure.Acme;

/// <summary>The directory resource (RFC 8555 §7.1.1).</summary>
public sealed record AcmeDirectory(
    [property: JsonPropertyName("newNonce")] Uri NewNonce,
    [property: JsonPropertyName("newAccount")] Uri NewAccount,
    [property: JsonPropertyName("newOrder")] Uri NewOrder,
    [property: JsonPropertyName("revokeCert")] Uri? RevokeCert,
    [property: JsonPropertyName("keyChange")] Uri? KeyChange,
    [property: JsonPropertyName("meta")] AcmeDirectoryMeta? Meta);

public sealed record AcmeDirectoryMeta(
    [property: JsonPropertyName("termsOfService")] string? TermsOfService,
    [property: JsonPropertyName("externalAccountRequired")] bool? ExternalAccountRequired);

public sealed record AcmeIdentifier(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("value")] string Value);

/// <summary>An account (§7.1.2); <see cref="Url"/> comes from the Location header and is the JWS <c>kid</c>.</summary>
public sealed record AcmeAccountResource(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("contact")] IReadOnlyList<string>? Contact)
{
    [JsonIgnore] public Uri Url { get; init; } = null!;
}

/// <summary>An order (§7.1.3); <see cref="Url"/> comes from the Location header of newOrder.</summary>
public sealed record AcmeOrder(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("expires")] DateTimeOffset? Expires,
    [property: JsonPropertyName("identifiers")] IReadOnlyList<AcmeIdentifier> Identifiers,
    [property: JsonPropertyName("authorizations")] IReadOnlyList<Uri> Authorizations,
    [property: JsonPropertyName("finalize")] Uri Finalize,
    [property: JsonPropertyName("certificate")] Uri? Certificate,
    [property: JsonPropertyName("error")] AcmeProblem? Error)
{
    [JsonIgnore] public Uri Url { get; init; } = null!;
}

/// <summary>An authorization (§7.1.4). For a wildcard order the identifier is the base domain and <see cref="Wildcard"/> is set.</summary>
public sealed record AcmeAuthorization(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("identifier")] AcmeIdentifier Identifier,
    [property: JsonPropertyName("challenges")] IReadOnlyList<AcmeChallenge> Challenges,
    [property: JsonPropertyName("wildcard")] bool? Wildcard,
    [property: JsonPropertyName("expires")] DateTimeOffset? Expires)
{
    [JsonIgnore] public Uri Url { get; init; } = null!;
}

public sealed record AcmeChallenge(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("url")] Uri Url,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("error")] AcmeProblem? Error);

/// <summary>A problem document (RFC 7807 with ACME's error types, §6.7), including subproblems (§6.7.1).</summary>
public sealed record AcmeProblem(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("status")] int? Status,
    [property: JsonPropertyName("identifier")] AcmeIdentifier? Identifier,
    [property: JsonPropertyName("subproblems")] IReadOnlyList<AcmeProblem>? Subproblems)
{
    public override string ToString()
    {
        var text = $"{Type?.Replace(AcmeProblemException.ErrorNamespace, "", StringComparison.Ordinal) ?? "error"}: {Detail}";
        if (Identifier is not null) text = $"{Identifier.Value}: {text}";
        if (Subproblems is { Count: > 0 }) text += " (" + string.Join("; ", Subproblems) + ")";
        return text;
    }
}

public static class AcmeStatus
{
    public const string Pending = "pending", Ready = "ready", Processing = "processing", Valid = "valid", Invalid = "invalid";
}

public static class AcmeChallengeType
{
    public const string Http01 = "http-01", Dns01 = "dns-01";
}
