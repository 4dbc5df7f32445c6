using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MPanel.Domain.Agent;

namespace MPanel.Infrastructure.Agent;

/// <summary>The default web server's agent (until the server inventory names one per site). Section <c>Agent</c>.</summary>
public sealed class AgentClientOptions
{
    public const string Section = "Agent";
    public string Url { get; set; } = "http://127.0.0.1:58090";
    /// <summary>The HMAC secret shared with the agent; set via <c>Agent__Secret</c>. Development uses <c>mpanel-dev-agent-secret</c>.</summary>
    public string Secret { get; set; } = "";
    public int TimeoutSeconds { get; set; } = 60;
}

/// <summary>The agent answered with a refusal or a failure. <see cref="Code"/> is the agent's stable code
/// (invalid, forbidden, not_found, conflict, config_rejected, host_failure, unauthorized).</summary>
public sealed class AgentCallException(HttpStatusCode status, string code, string message, string? field)
    : Exception($"Agent: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;
    public string AgentMessage { get; } = message;
    public string? Field { get; } = field;
}

/// <summary>Talks to one MPanel.Agent: every request signed (timestamp, nonce, HMAC-SHA256 over method, path and body).</summary>
public sealed class AgentClient(HttpClient http, Uri baseUrl, string secret, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public Uri BaseUrl => baseUrl;

    public Task<AccountResponse> EnsureAccountAsync(EnsureAccountRequest r, CancellationToken ct = default) => CallAsync<AccountResponse>(AgentActions.EnsureAccount, r, ct)!;
    public Task<AccountResponse?> DeleteAccountAsync(AccountRequest r, CancellationToken ct = default) => CallOptionalAsync<AccountResponse>(AgentActions.DeleteAccount, r, ct);
    public Task<DiskUsageResponse> DiskUsageAsync(AccountRequest r, CancellationToken ct = default) => CallAsync<DiskUsageResponse>(AgentActions.DiskUsage, r, ct);
    public Task<SiteResponse> EnsureSiteAsync(EnsureSiteRequest r, CancellationToken ct = default) => CallAsync<SiteResponse>(AgentActions.EnsureSite, r, ct);
    public Task<SiteResponse> PutDefaultPageAsync(SiteRequest r, CancellationToken ct = default) => CallAsync<SiteResponse>(AgentActions.PutDefaultPage, r, ct);
    public Task<SiteResponse> SuspendSiteAsync(SiteRequest r, CancellationToken ct = default) => CallAsync<SiteResponse>(AgentActions.SuspendSite, r, ct);
    public Task<SiteResponse> UnsuspendSiteAsync(SiteRequest r, CancellationToken ct = default) => CallAsync<SiteResponse>(AgentActions.UnsuspendSite, r, ct);
    public Task<SiteResponse?> DeleteSiteAsync(SiteRequest r, CancellationToken ct = default) => CallOptionalAsync<SiteResponse>(AgentActions.DeleteSite, r, ct);
    public Task<SiteInspection> GetSiteAsync(SiteRequest r, CancellationToken ct = default) => CallAsync<SiteInspection>(AgentActions.GetSite, r, ct);
    public Task PutAcmeChallengeAsync(AcmeChallengeRequest r, CancellationToken ct = default) => CallOptionalAsync<JsonElement>(AgentActions.PutAcmeChallenge, r, ct);
    public Task DeleteAcmeChallengeAsync(AcmeChallengeRequest r, CancellationToken ct = default) => CallOptionalAsync<JsonElement>(AgentActions.DeleteAcmeChallenge, r, ct);
    public Task<CertificateResponse> InstallCertificateAsync(InstallCertificateRequest r, CancellationToken ct = default) => CallAsync<CertificateResponse>(AgentActions.InstallCertificate, r, ct);
    public Task<HostMetrics> MetricsAsync(CancellationToken ct = default) => CallAsync<HostMetrics>(AgentActions.Metrics, new { }, ct);

    private async Task<T> CallAsync<T>(string action, object body, CancellationToken ct) =>
        await CallOptionalAsync<T>(action, body, ct) ?? throw new AgentCallException(HttpStatusCode.NoContent, "empty", $"{action} answered without a body.", null);

    private async Task<T?> CallOptionalAsync<T>(string action, object body, CancellationToken ct)
    {
        using var request = Signed(HttpMethod.Post, AgentActions.Path(action), JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NoContent) return default;
        if (response.IsSuccessStatusCode) return await JsonSerializerFromAsync<T>(response, ct);
        AgentError? error = null;
        try { error = await JsonSerializerFromAsync<AgentError>(response, ct); }
        catch (JsonException) { }
        throw new AgentCallException(response.StatusCode, error?.Code ?? "http_" + (int)response.StatusCode,
            error?.Message ?? $"{action} failed with HTTP {(int)response.StatusCode}.", error?.Field);
    }

    private static async Task<T?> JsonSerializerFromAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        return await JsonSerializer.DeserializeAsync<T>(stream, Json, ct);
    }

    /// <summary>A signed request with these exact body bytes (public for tests that tamper with one part).</summary>
    public HttpRequestMessage Signed(HttpMethod method, string path, byte[] body, DateTimeOffset? at = null, string? nonce = null)
    {
        var uri = new Uri(baseUrl, path);
        var timestamp = (at ?? clock.GetUtcNow()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        nonce ??= AgentSignature.NewNonce();
        var request = new HttpRequestMessage(method, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(AgentSignature.TimestampHeader, timestamp);
        request.Headers.Add(AgentSignature.NonceHeader, nonce);
        request.Headers.Add(AgentSignature.SignatureHeader, AgentSignature.Sign(secret, method.Method, uri.AbsolutePath, timestamp, nonce, body));
        return request;
    }
}

/// <summary>Makes <see cref="AgentClient"/>s: the configured default, or one for a server's own address and secret.</summary>
public sealed class AgentClientFactory(IHttpClientFactory http, IOptions<AgentClientOptions> options, TimeProvider clock)
{
    public const string HttpClientName = "mpanel-agent";

    public AgentClient Default()
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Secret))
            throw new InvalidOperationException("Agent:Secret is not set: MPanel cannot sign requests to the web server agent (set Agent__Secret).");
        return For(new Uri(o.Url), o.Secret);
    }

    public AgentClient For(Uri baseUrl, string secret)
    {
        var client = http.CreateClient(HttpClientName);
        client.Timeout = TimeSpan.FromSeconds(Math.Clamp(options.Value.TimeoutSeconds, 5, 600));
        return new AgentClient(client, baseUrl, secret, clock);
    }
}

/// <summary>Finds the agent of the server a site lives on. The default answers the configured agent for every site;
/// the server inventory replaces this registration with one that reads a server's URL and decrypted secret.</summary>
public interface IWebServerAgents
{
    Task<AgentClient> ForServerAsync(Guid? serverId, CancellationToken ct);
}

public sealed class ConfiguredWebServerAgents(AgentClientFactory factory) : IWebServerAgents
{
    public Task<AgentClient> ForServerAsync(Guid? serverId, CancellationToken ct) => Task.FromResult(factory.Default());
}

public static class AgentClientRegistration
{
    public static IServiceCollection AddAgentClient(this IServiceCollection services)
    {
        services.AddOptions<AgentClientOptions>().BindConfiguration(AgentClientOptions.Section);
        services.AddHttpClient(AgentClientFactory.HttpClientName);
        services.AddSingleton<AgentClientFactory>();
        services.AddSingleton<IWebServerAgents, ConfiguredWebServerAgents>();
        return services;
    }
}
