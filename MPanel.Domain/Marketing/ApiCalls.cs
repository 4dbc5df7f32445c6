using MPanel.Domain.Common;

namespace MPanel.Domain.Marketing;

/// <summary>One call to the marketing API with a key of this tenant: who called what, how it ended, how long it took.
/// Written in batches after the response; pruned after the retention period.</summary>
public sealed class ApiActivity : Entity, ITenantOwned, IOperationalRecord
{
    private ApiActivity() { }

    public ApiActivity(Guid tenantId, Guid apiKeyId, string method, string route, int status, int durationMs, string? ipAddress, DateTimeOffset at)
    {
        TenantId = tenantId;
        ApiKeyId = apiKeyId;
        Method = Cut(method, 10)!;
        Route = Cut(route, 200)!;
        Status = status;
        DurationMs = Math.Max(0, durationMs);
        IpAddress = Cut(ipAddress, 64);
        At = at;
    }

    public Guid TenantId { get; private set; }
    public Guid ApiKeyId { get; private set; }
    public string Method { get; private set; } = "";
    /// <summary>The route template (<c>/api/marketing-api/orders/{id}</c>), not the path: ids stay out of the log.</summary>
    public string Route { get; private set; } = "";
    public int Status { get; private set; }
    public int DurationMs { get; private set; }
    public string? IpAddress { get; private set; }
    public DateTimeOffset At { get; private set; }

    private static string? Cut(string? value, int max) => value is null ? null : value.Length <= max ? value : value[..max];
}

public enum IdempotencyState { InProgress, Completed }

/// <summary>The first answer to a POST carrying an <c>Idempotency-Key</c>, kept per API key and idempotency key so that a
/// retry gets the same answer instead of a second order. The row is inserted (InProgress) before the call runs: a
/// unique index lets only one of two concurrent duplicates through.</summary>
public sealed class ApiIdempotencyRecord : Entity, ITenantOwned, IOperationalRecord
{
    public const int MaxKeyLength = 255;

    private ApiIdempotencyRecord() { }

    public ApiIdempotencyRecord(Guid tenantId, Guid apiKeyId, string key, string requestHash, DateTimeOffset now, TimeSpan lifetime)
    {
        TenantId = tenantId;
        ApiKeyId = apiKeyId;
        Key = key;
        RequestHash = requestHash;
        State = IdempotencyState.InProgress;
        CreatedAt = now;
        ExpiresAt = now + lifetime;
    }

    public Guid TenantId { get; private set; }
    public Guid ApiKeyId { get; private set; }
    public string Key { get; private set; } = "";
    /// <summary>SHA-256 of the method, path and body of the first request.</summary>
    public string RequestHash { get; private set; } = "";
    public IdempotencyState State { get; private set; }
    public int? ResponseStatus { get; private set; }
    public string? ResponseContentType { get; private set; }
    public string? ResponseLocation { get; private set; }
    public byte[]? ResponseBody { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>A key can be used in an idempotency key header: 1 to 255 visible ASCII characters.</summary>
    public static bool IsValidKey(string? key) =>
        key is { Length: >= 1 and <= MaxKeyLength } && key.All(c => c is >= '!' and <= '~');

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    public void Complete(int status, string? contentType, string? location, byte[] body, DateTimeOffset now)
    {
        State = IdempotencyState.Completed;
        ResponseStatus = status;
        ResponseContentType = contentType;
        ResponseLocation = location;
        ResponseBody = body;
        CompletedAt = now;
    }
}
