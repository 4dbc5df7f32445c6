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

internal static class RateWindow
{
    public static (long Minute, int ResetSeconds) Of(DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        return (seconds / 60, (int)(60 - seconds % 60));
    }

    public static RateDecision Decide(long count, int limit, int resetSeconds) =>
        new(count <= limit, limit, (int)Math.Max(0, limit - count), Math.Max(1, resetSeconds));
}

public sealed class InProcessApiRateLimiter(TimeProvider clock) : IApiRateLimiter
{
    private readonly ConcurrentDictionary<(Guid, ApiRateClass, long), StrongBox> _counts = new();
    private long _prunedMinute;

    public ValueTask<RateDecision> AcquireAsync(Guid apiKeyId, ApiRateClass rateClass, int limitPerMinute, CancellationToken ct = default)
    {
        var (minute, reset) = RateWindow.Of(clock.GetUtcNow());
        if (Interlocked.Exchange(ref _prunedMinute, minute) != minute)
        {
            foreach (var key in _counts.Keys)
                if (key.Item3 < minute) _counts.TryRemove(key, out _);
        }
        var box = _counts.GetOrAdd((apiKeyId, rateClass, minute), _ => new StrongBox());
        return ValueTask.FromResult(RateWindow.Decide(Interlocked.Increment(ref box.Value), limitPerMinute, reset));
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}

/// <summary>Counts in Redis, so that several MPanel instances share one limit per key. If Redis cannot be reached the
/// call is counted in this instance instead (a warning is logged): limits loosen, the API stays up.</summary>
public sealed class RedisApiRateLimiter(IConnectionMultiplexer redis, InProcessApiRateLimiter fallback, TimeProvider clock,
    ILogger<RedisApiRateLimiter> logger) : IApiRateLimiter
{
    // INCR and, on the first hit of the window, EXPIRE: one round trip, atomic.
    private const string Script = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
        return count
        """;

    public async ValueTask<RateDecision> AcquireAsync(Guid apiKeyId, ApiRateClass rateClass, int limitPerMinute, CancellationToken ct = default)
    {
        var (minute, reset) = RateWindow.Of(clock.GetUtcNow());
        var key = $"mpanel:ratelimit:{apiKeyId:N}:{(rateClass == ApiRateClass.Write ? "w" : "r")}:{minute}";
        try
        {
            var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(Script, [key], [120]);
            return RateWindow.Decide(count, limitPerMinute, reset);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Redis rate limiting failed; counting in this instance");
            return await fallback.AcquireAsync(apiKeyId, rateClass, limitPerMinute, ct);
        }
    }
}
