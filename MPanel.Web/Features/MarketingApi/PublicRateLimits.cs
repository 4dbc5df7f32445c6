using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>Limits of the public endpoints (no key), section <c>PublicApi</c>.</summary>
public sealed class PublicRateLimitOptions
{
    public const string Section = "PublicApi";

    /// <summary>Calls per client address and minute to endpoints with the <see cref="PublicRateLimits.Public"/> policy.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int PublicPerMinute { get; set; } = 60;

    /// <summary>Contact-form posts per client address and hour (<see cref="PublicRateLimits.Contact"/>).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int ContactPerHour { get; set; } = 5;
}

/// <summary>Named rate-limit policies for endpoints anyone may call, counted per client address (after
/// UseForwardedHeaders; an IPv6 client by its /64) in fixed windows in the same store as the API keys' limits — Redis
/// when configured, so the limit holds across instances. Apply with <c>.RequireRateLimiting(PublicRateLimits.Public)</c>.
/// A refusal is 429 problem details with <c>Retry-After</c>.</summary>
public static class PublicRateLimits
{
    /// <summary>General public endpoints (status, …): 60 a minute per address by default.</summary>
    public const string Public = "public";
    /// <summary>The contact form: 5 an hour per address by default.</summary>
    public const string Contact = "contact";

    public static IServiceCollection AddPublicRateLimits(this IServiceCollection services)
    {
        services.AddOptions<PublicRateLimitOptions>().BindConfiguration(PublicRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimiterOptions>().Configure<IRateCounterStore, IOptionsMonitor<PublicRateLimitOptions>>((o, store, limits) =>
        {
            o.AddPolicy(Public, new StoreRateLimitPolicy(Public, 60, () => limits.CurrentValue.PublicPerMinute, store));
            o.AddPolicy(Contact, new StoreRateLimitPolicy(Contact, 3600, () => limits.CurrentValue.ContactPerHour, store));
        });
        return services;
    }

    /// <summary>The client's address as the limits count it: IPv4 as is, IPv6 by its /64.</summary>
    public static string ClientKey(HttpContext http)
    {
        if (http.Connection.RemoteIpAddress is not { } ip) return "unknown";
        if (ip.IsIPv4MappedToIPv6) return ip.MapToIPv4().ToString();
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return ip.ToString();
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}

/// <summary>One named policy: a partition per client address, each a <see cref="StoreWindowLimiter"/>.</summary>
public sealed class StoreRateLimitPolicy(string name, int windowSeconds, Func<int> limit, IRateCounterStore store) : IRateLimiterPolicy<string>
{
    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var client = PublicRateLimits.ClientKey(httpContext);
        return RateLimitPartition.Get(client, key => new StoreWindowLimiter(store, $"public:{name}:{key}", windowSeconds, limit));
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, ct) =>
    {
        var http = context.HttpContext;
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : windowSeconds;
        http.Response.Headers.RetryAfter = Math.Max(1, retry).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-store";
        await MarketingProblems.WriteAsync(http, StatusCodes.Status429TooManyRequests, "rate_limited",
            $"Too many requests from your address; try again in {Math.Max(1, retry)} s.",
            new Dictionary<string, object?> { ["limit"] = limit(), ["retryAfter"] = Math.Max(1, retry), ["policy"] = name });
    };
}

/// <summary>A fixed-window limiter whose counts live in an <see cref="IRateCounterStore"/>. The synchronous attempt never
/// grants (the store may be remote), so the middleware always takes the asynchronous path, which counts once.</summary>
public sealed class StoreWindowLimiter(IRateCounterStore store, string key, int windowSeconds, Func<int> limit) : RateLimiter
{
    private static readonly RateLimitLease NotNow = new Lease(false, null);
    private static readonly RateLimitLease Granted = new Lease(true, null);

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => NotNow;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (permitCount == 0) return Granted;
        var (count, reset) = await store.HitAsync(key, windowSeconds, cancellationToken);
        return count <= limit() ? Granted : new Lease(false, TimeSpan.FromSeconds(Math.Max(1, reset)));
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
