using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MPanel.Domain.Marketing;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.ApiKeys;

namespace MPanel.Web.Features.MarketingApi;

public abstract record IdempotencyStart
{
    /// <summary>This request holds the key now: run it, then complete or release.</summary>
    public sealed record Started(Guid RecordId) : IdempotencyStart;
    /// <summary>The same request ran before: answer what it answered.</summary>
    public sealed record Replay(ApiIdempotencyRecord Record) : IdempotencyStart;
    /// <summary>The same request is running right now.</summary>
    public sealed record InProgress : IdempotencyStart;
    /// <summary>The key was used for a different request.</summary>
    public sealed record Mismatch : IdempotencyStart;
}

/// <summary>Idempotency records of the current tenant (the key's). The row is inserted first, with
/// <c>ON CONFLICT DO NOTHING</c> on the unique (API key, idempotency key): exactly one of two concurrent duplicates
/// inserts it and runs; the other finds it in progress.</summary>
public sealed class IdempotencyStore(TenantScopeFactory scopes, IOptionsMonitor<MarketingApiOptions> options, TimeProvider clock)
{
    public async Task<IdempotencyStart> BeginAsync(Guid apiKeyId, string key, string requestHash, CancellationToken ct)
    {
        var settings = options.CurrentValue;
        await using var scope = scopes.Create();
        var tenantId = scope.Tenant.TenantId ?? throw new InvalidOperationException("No tenant for an idempotent call.");
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = clock.GetUtcNow();
            var id = Guid.CreateVersion7();
            var inserted = await scope.Db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO api_idempotency_records (id, tenant_id, api_key_id, key, request_hash, state, created_at, expires_at)
                VALUES ({id}, {tenantId}, {apiKeyId}, {key}, {requestHash}, {nameof(IdempotencyState.InProgress)}, {now}, {now.AddHours(settings.IdempotencyHours)})
                ON CONFLICT (api_key_id, key) DO NOTHING
                """, ct);
            if (inserted == 1) return new IdempotencyStart.Started(id);
            var existing = await scope.Db.ApiIdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.ApiKeyId == apiKeyId && r.Key == key, ct);
            if (existing is null) continue; // released a moment ago: try again
            var stale = existing.State == IdempotencyState.InProgress && now - existing.CreatedAt > TimeSpan.FromSeconds(settings.IdempotencyInProgressSeconds);
            if (existing.IsExpired(now) || stale)
            {
                // Past its 24 hours, or left "in progress" by an instance that died: the key is free again.
                await scope.Db.ApiIdempotencyRecords.Where(r => r.Id == existing.Id).ExecuteDeleteAsync(ct);
                continue;
            }
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(existing.RequestHash), Encoding.ASCII.GetBytes(requestHash)))
                return new IdempotencyStart.Mismatch();
            return existing.State == IdempotencyState.InProgress ? new IdempotencyStart.InProgress() : new IdempotencyStart.Replay(existing);
        }
        return new IdempotencyStart.InProgress();
    }

    public async Task CompleteAsync(Guid recordId, int status, string? contentType, string? location, byte[] body, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var now = clock.GetUtcNow();
        await scope.Db.ApiIdempotencyRecords.Where(r => r.Id == recordId).ExecuteUpdateAsync(u => u
            .SetProperty(r => r.State, IdempotencyState.Completed)
            .SetProperty(r => r.ResponseStatus, status)
            .SetProperty(r => r.ResponseContentType, contentType)
            .SetProperty(r => r.ResponseLocation, location)
            .SetProperty(r => r.ResponseBody, body)
            .SetProperty(r => r.CompletedAt, now), ct);
    }

    /// <summary>The call failed (4xx, 5xx or an exception): nothing is kept, and the key can be used again.</summary>
    public async Task ReleaseAsync(Guid recordId)
    {
        await using var scope = scopes.Create();
        await scope.Db.ApiIdempotencyRecords.Where(r => r.Id == recordId).ExecuteDeleteAsync(CancellationToken.None);
    }
}

/// <summary>Honours <c>Idempotency-Key</c> on a marketing POST: the first successful (2xx) answer is stored and replayed
/// for 24 hours with <c>Idempotent-Replayed: true</c>; the same key with another method, path or body answers 422; while
/// the first call runs, a duplicate answers 409. A failed call (4xx, 5xx) keeps nothing, so a corrected retry may reuse
/// its key. Without the header the call simply runs.</summary>
public sealed class IdempotencyFilter(IdempotencyStore store) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Headers.TryGetValue(Header, out var values)) return await next(context);
        var key = values.ToString();
        if (values.Count != 1 || !ApiIdempotencyRecord.IsValidKey(key))
            return MarketingProblems.Result(StatusCodes.Status400BadRequest, "invalid_idempotency_key",
                "Idempotency-Key must be one header of 1 to 255 visible ASCII characters (a UUID is a good choice).");
        if (ApiKeyClaims.KeyIdOf(http.User) is not { } apiKeyId) return await next(context);

        var start = await store.BeginAsync(apiKeyId, key, RequestHash(http), http.RequestAborted);
        switch (start)
        {
            case IdempotencyStart.Mismatch:
                return MarketingProblems.Result(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                    "This Idempotency-Key was already used for a different request; use a new key for a new request.");
            case IdempotencyStart.InProgress:
                http.Response.Headers.RetryAfter = "1";
                return MarketingProblems.Result(StatusCodes.Status409Conflict, "idempotency_in_progress",
                    "A request with this Idempotency-Key is still being processed; retry in a moment to get its answer.");
            case IdempotencyStart.Replay(var record):
                return new ReplayResult(record);
        }
        var recordId = ((IdempotencyStart.Started)start).RecordId;

        // Run the call into a buffer, so that what is stored is exactly what the client received.
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            var result = await next(context);
            switch (result)
            {
                case IResult r: await r.ExecuteAsync(http); break;
                case null: break;
                default: await http.Response.WriteAsJsonAsync(result, result.GetType(), http.RequestAborted); break;
            }
        }
        catch
        {
            http.Response.Body = original;
            await store.ReleaseAsync(recordId);
            throw;
        }
        http.Response.Body = original;
        var status = http.Response.StatusCode;
        var body = buffer.ToArray();
        if (status is >= 200 and < 300)
            await store.CompleteAsync(recordId, status, http.Response.ContentType, http.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null, body, CancellationToken.None);
        else
            await store.ReleaseAsync(recordId);
        await original.WriteAsync(body, http.RequestAborted);
        return Results.Empty;
    }

    /// <summary>SHA-256 over the method, path, query and body: the same key must come with the same request.</summary>
    private static string RequestHash(HttpContext http)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{http.Request.Method}\n{http.Request.Path}{http.Request.QueryString}\n"));
        if (http.Items[MarketingApiMiddleware.BodyItem] is MemoryStream body) hash.AppendData(body.GetBuffer(), 0, (int)body.Length);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private sealed class ReplayResult(ApiIdempotencyRecord record) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = record.ResponseStatus ?? StatusCodes.Status200OK;
            if (record.ResponseContentType is { } type) http.Response.ContentType = type;
            if (record.ResponseLocation is { } location) http.Response.Headers.Location = location;
            http.Response.Headers[ReplayedHeader] = "true";
            if (record.ResponseBody is { Length: > 0 } body) await http.Response.Body.WriteAsync(body, http.RequestAborted);
        }
    }
}
