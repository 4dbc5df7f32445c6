using System.Collections.Concurrent;
using MPanel.Domain.Marketing;
using StackExchange.Redis;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>The answer for one call: allowed or not, and what the rate-limit headers say.</summary>
public sealed record RateDecision(bool Allowed, int Limit, int Remaining, int ResetSeconds);

/// <summary>Per-key, per-class request counting in fixed one-minute windows (UTC minutes). With Redis every instance
/// counts in the same place (INCR on a key named by API key, class and minute, which expires after two minutes);
/// without it each instance counts for itself.</summary>
public interface IApiRateLimiter
{
    ValueTask<RateDecision> AcquireAsync(Guid apiKeyId, ApiRateClass rateClass, int limitPerMinute, CancellationToken ct = default);
}

/// <summary>Where fixed-window counters live: one counter per (key, window), counted up by each hit. The per-API-key
/// limits and the public per-IP limits (<see cref="PublicRateLimits"/>) count here.</summary>
public interface IRateCounterStore
{
    /// <summary>Counts one hit on <paramref name="key"/> in the current window of <paramref name="windowSeconds"/>
    /// (aligned to the Unix epoch) and returns the count so far and the seconds until the window ends.</summary>
    ValueTask<(long Count, int ResetSeconds)> HitAsync(string key, int windowSeconds, CancellationToken ct = default);
}

internal static class RateWindow
{
    public static (long Window, int ResetSeconds) Of(DateTimeOffset now, int windowSeconds)
    {
        var seconds = now.ToUnixTimeSeconds();
        return (seconds / windowSeconds, (int)(windowSeconds - seconds % windowSeconds));
    }

    public static RateDecision Decide(long count, int limit, int resetSeconds) =>
        new(count <= limit, limit, (int)Math.Max(0, limit - count), Math.Max(1, resetSeconds));

    public static string KeyOf(Guid apiKeyId, ApiRateClass rateClass) => $"{apiKeyId:N}:{(rateClass == ApiRateClass.Write ? "w" : "r")}";
}

/// <summary>Counters in this process's memory; windows that ended are dropped as the next one starts.</summary>
public sealed class InProcessRateCounterStore(TimeProvider clock) : IRateCounterStore
{
    private readonly ConcurrentDictionary<(string Key, int WindowSeconds, long Window), StrongBox> _counts = new();
    private long _prunedAt;

    public ValueTask<(long Count, int ResetSeconds)> HitAsync(string key, int windowSeconds, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var (window, reset) = RateWindow.Of(now, windowSeconds);
        var minute = now.ToUnixTimeSeconds() / 60;
        if (Interlocked.Exchange(ref _prunedAt, minute) != minute)
        {
            foreach (var k in _counts.Keys)
                if (k.Window < now.ToUnixTimeSeconds() / k.WindowSeconds) _counts.TryRemove(k, out _);
        }
        var box = _counts.GetOrAdd((key, windowSeconds, window), static _ => new StrongBox());
        return ValueTask.FromResult((Interlocked.Increment(ref box.Value), reset));
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}

/// <summary>Counters in Redis, so that several MPanel instances share one limit. If Redis cannot be reached the hit is
/// counted in this instance instead (a warning is logged): limits loosen, the API stays up.</summary>
public sealed class RedisRateCounterStore(IConnectionMultiplexer redis, InProcessRateCounterStore fallback, TimeProvider clock,
    ILogger<RedisRateCounterStore> logger) : IRateCounterStore
{
    // INCR and, on the first hit of the window, EXPIRE: one round trip, atomic.
    private const string Script = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
        return count
        """;

    public async ValueTask<(long Count, int ResetSeconds)> HitAsync(string key, int windowSeconds, CancellationToken ct = default)
    {
        var (window, reset) = RateWindow.Of(clock.GetUtcNow(), windowSeconds);
        // One-minute windows keep the key names the per-key limiter always used.
        var name = windowSeconds == 60 ? $"mpanel:ratelimit:{key}:{window}" : $"mpanel:ratelimit:{key}:{windowSeconds}:{window}";
        try
        {
            var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(Script, [name], [windowSeconds * 2]);
            return (count, reset);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Redis rate limiting failed; counting in this instance");
            return await fallback.HitAsync(key, windowSeconds, ct);
        }
    }
}

public sealed class InProcessApiRateLimiter(InProcessRateCounterStore store) : IApiRateLimiter
{
    public async ValueTask<RateDecision> AcquireAsync(Guid apiKeyId, ApiRateClass rateClass, int limitPerMinute, CancellationToken ct = default)
    {
        var (count, reset) = await store.HitAsync(RateWindow.KeyOf(apiKeyId, rateClass), 60, ct);
        return RateWindow.Decide(count, limitPerMinute, reset);
    }
}

/// <summary>Counts in Redis (<see cref="RedisRateCounterStore"/>), so that several MPanel instances share one limit per key.</summary>
public sealed class RedisApiRateLimiter(RedisRateCounterStore store) : IApiRateLimiter
{
    public async ValueTask<RateDecision> AcquireAsync(Guid apiKeyId, ApiRateClass rateClass, int limitPerMinute, CancellationToken ct = default)
    {
        var (count, reset) = await store.HitAsync(RateWindow.KeyOf(apiKeyId, rateClass), 60, ct);
        return RateWindow.Decide(count, limitPerMinute, reset);
    }
}
