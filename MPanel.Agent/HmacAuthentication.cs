using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MPanel.Domain.Agent;

namespace MPanel.Agent;

/// <summary>Remembers nonces for twice the allowed clock skew: a signed request replayed inside the window is refused.</summary>
public sealed class NonceCache(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private long _lastPrune;

    public static readonly TimeSpan Window = AgentSignature.MaxSkew * 2;

    /// <summary>True the first time a nonce is seen within the window.</summary>
    public bool TryUse(string nonce)
    {
        var now = clock.GetUtcNow();
        Prune(now);
        return _seen.TryAdd(nonce, now);
    }

    private void Prune(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastPrune);
        if (now.UtcTicks - last < TimeSpan.TicksPerMinute && _seen.Count < 100_000) return;
        if (Interlocked.CompareExchange(ref _lastPrune, now.UtcTicks, last) != last) return;
        foreach (var (nonce, at) in _seen)
            if (now - at > Window) _seen.TryRemove(nonce, out _);
    }
}

/// <summary>Every request except <c>/health</c> carries a timestamp, a nonce and an HMAC-SHA256 signature over method,
/// path, timestamp, nonce and body hash. Anything wrong answers 401 with the same body, whatever the reason.</summary>
public sealed partial class HmacAuthenticationMiddleware(RequestDelegate next, IOptions<AgentOptions> options, NonceCache nonces,
    TimeProvider clock, ILogger<HmacAuthenticationMiddleware> logger)
{
    public const int MaxBodyBytes = 1 << 20;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path == "/health")
        {
            await next(context);
            return;
        }
        var reason = await CheckAsync(context);
        if (reason is not null)
        {
            logger.LogWarning("Refused {Method} {Path} from {Remote}: {Reason}", context.Request.Method, context.Request.Path,
                context.Connection.RemoteIpAddress, reason);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new AgentError("unauthorized", "Unauthorized."));
            return;
        }
        await next(context);
    }

    private async Task<string?> CheckAsync(HttpContext context)
    {
        var request = context.Request;
        var timestamp = request.Headers[AgentSignature.TimestampHeader].ToString();
        var nonce = request.Headers[AgentSignature.NonceHeader].ToString();
        var signature = request.Headers[AgentSignature.SignatureHeader].ToString();
        if (timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0) return "missing signature headers";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return "bad timestamp";
        if (!NoncePattern().IsMatch(nonce)) return "bad nonce";
        var sent = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253_402_300_799));
        if ((clock.GetUtcNow() - sent).Duration() > AgentSignature.MaxSkew) return "timestamp outside the allowed skew";
        if (request.ContentLength > MaxBodyBytes) return "body too large";

        request.EnableBuffering(MaxBodyBytes);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length > MaxBodyBytes) return "body too large";
        request.Body.Position = 0;

        var path = request.Path.Value + request.QueryString.Value;
        if (!AgentSignature.Verify(options.Value.Secret, request.Method, path, timestamp, nonce, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), signature))
            return "wrong signature";
        // Only a correctly signed request uses up its nonce.
        if (!nonces.TryUse(nonce)) return "nonce replayed";
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{16,64}$")]
    private static partial Regex NoncePattern();
}
