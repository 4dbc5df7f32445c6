using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MPanel.Domain.Marketing;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Errors;
using MPanel.Web.Features.ApiKeys;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>Which per-minute limit a marketing endpoint counts against; a query flag can make a write call a read
/// (<c>upgrade?preview=true</c> only quotes). Endpoints without it: GET is a read, anything else a write.</summary>
public sealed record MarketingRate(ApiRateClass Class, string? ReadWhenQueryFlag = null);

/// <summary>Problem details written outside an endpoint (limits, body size, idempotency), shaped like the app's others.</summary>
public static class MarketingProblems
{
    public static Task WriteAsync(HttpContext http, int status, string code, string title, IDictionary<string, object?>? extensions = null)
    {
        http.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Type = $"https://httpstatuses.io/{status}", Instance = http.Request.Path };
        problem.Extensions["code"] = code;
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>()) problem.Extensions[key] = value;
        problem.Extensions["requestId"] = http.TraceIdentifier;
        return http.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json");
    }

    public static IResult Result(int status, string code, string title, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(title: title, statusCode: status, extensions: all);
    }
}

/// <summary>Around every marketing-API request, after authentication and tenant resolution and before authorization:
/// counts the call against its key's per-minute limit (429 with Retry-After past it), refuses bodies above the size
/// limit (413) and buffers the rest (so idempotency can hash them), and logs the call with its route template, status,
/// duration and address to the tenant's activity log.</summary>
public sealed class MarketingApiMiddleware(RequestDelegate next, ApiActivityLog activity, IApiRateLimiter limiter,
    IOptionsMonitor<MarketingApiOptions> options, TimeProvider clock, ILogger<MarketingApiMiddleware> logger)
{
    internal const string BodyItem = "MPanel.MarketingBody";

    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await RunAsync(http);
            status = http.Response.StatusCode;
        }
        catch (Exception ex)
        {
            status = ErrorMapping.AsDomainError(ex) is { } error ? ErrorMapping.StatusOf(error)
                : ex is BadHttpRequestException bad ? bad.StatusCode
                : ex is OperationCanceledException && http.RequestAborted.IsCancellationRequested ? 499
                : StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            Log(http, status, Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task RunAsync(HttpContext http)
    {
        if (ApiKeyClaims.KeyIdOf(http.User) is { } keyId)
        {
            var rateClass = RateClassOf(http);
            var decision = await limiter.AcquireAsync(keyId, rateClass, ApiKeyClaims.LimitOf(http.User, rateClass), http.RequestAborted);
            var headers = http.Response.Headers;
            headers["RateLimit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Reset"] = decision.ResetSeconds.ToString(CultureInfo.InvariantCulture);
            if (!decision.Allowed)
            {
                headers.RetryAfter = decision.ResetSeconds.ToString(CultureInfo.InvariantCulture);
                await MarketingProblems.WriteAsync(http, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"This key may make {decision.Limit} {(rateClass == ApiRateClass.Write ? "write" : "read")} calls a minute; try again in {decision.ResetSeconds} s.",
                    new Dictionary<string, object?> { ["limit"] = decision.Limit, ["retryAfter"] = decision.ResetSeconds });
                return;
            }
        }
        if (!await BufferBodyAsync(http)) return;
        await next(http);
    }

    /// <summary>Reads the body (if any) into memory, refusing one above the limit before the endpoint sees it.</summary>
    private async Task<bool> BufferBodyAsync(HttpContext http)
    {
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsDelete(request.Method) && request.ContentLength is null or 0)
            return true;
        var max = options.CurrentValue.MaxBodyBytes;
        if (request.ContentLength > max) return await TooLargeAsync(http, max);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > max) return await TooLargeAsync(http, max);
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        request.Body = buffer;
        http.Response.RegisterForDisposeAsync(buffer);
        http.Items[BodyItem] = buffer;
        return true;
    }

    private static async Task<bool> TooLargeAsync(HttpContext http, int max)
    {
        await MarketingProblems.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"Request bodies are limited to {max} bytes.");
        return false;
    }

    public static ApiRateClass RateClassOf(HttpContext http)
    {
        var metadata = http.GetEndpoint()?.Metadata.GetMetadata<MarketingRate>();
        if (metadata is null) return HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? ApiRateClass.Read : ApiRateClass.Write;
        if (metadata.ReadWhenQueryFlag is { } flag && bool.TryParse(http.Request.Query[flag], out var on) && on) return ApiRateClass.Read;
        return metadata.Class;
    }

    private void Log(HttpContext http, int status, TimeSpan elapsed)
    {
        Guid keyId, tenantId;
        if (ApiKeyClaims.KeyIdOf(http.User) is { } id && Guid.TryParse(http.User.FindFirst(MPanelClaims.TenantId)?.Value, out var tid))
            (keyId, tenantId) = (id, tid);
        else if (http.Items[ApiKeyDefaults.PresentedKeyItem] is PresentedApiKey presented)
            (keyId, tenantId) = (presented.KeyId, presented.TenantId);
        else
        {
            logger.LogDebug("Marketing API call without a known key: {Method} {Path} {Status}", http.Request.Method, http.Request.Path, status);
            return;
        }
        var route = http.GetEndpoint() is RouteEndpoint endpoint ? "/" + endpoint.RoutePattern.RawText!.Trim('/') : "(no route)";
        activity.Record(new ApiActivity(tenantId, keyId, http.Request.Method, route, status, (int)Math.Min(int.MaxValue, elapsed.TotalMilliseconds),
            http.Connection.RemoteIpAddress?.ToString(), clock.GetUtcNow()));
    }
}
