using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MPanel.Domain.Certificates;

namespace MPanel.Infrastructure.Acme;

/// <summary>http-01 challenges kept in this process and served by <see cref="HttpChallengeListener"/>: the stand-in
/// until the agent's put-acme-challenge publishes them into the web server of the site (a single-machine setup can
/// keep using it by pointing the CA's HTTP port at the listener).</summary>
public sealed class HttpChallengeStore : IHttpChallengePublisher
{
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public Task PublishAsync(Guid tenantId, string domain, string token, string keyAuthorization, CancellationToken ct)
    {
        _tokens[token] = keyAuthorization;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(Guid tenantId, string domain, string token, CancellationToken ct)
    {
        _tokens.TryRemove(token, out _);
        return Task.CompletedTask;
    }

    public string? Find(string token) => _tokens.TryGetValue(token, out var value) ? value : null;
}

/// <summary>A tiny Kestrel server answering <c>GET /.well-known/acme-challenge/{token}</c> from an
/// <see cref="HttpChallengeStore"/> on one loopback address (e.g. http://127.0.0.1:58080).</summary>
public sealed class HttpChallengeListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpChallengeListener(WebApplication app) => _app = app;

    public static async Task<HttpChallengeListener> StartAsync(HttpChallengeStore store, string url, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.MapGet("/.well-known/acme-challenge/{token}", (string token) =>
            store.Find(token) is { } value ? Results.Text(value, "application/octet-stream") : Results.NotFound());
        await app.StartAsync(ct);
        return new HttpChallengeListener(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Runs the <see cref="HttpChallengeListener"/> with the application when <c>Acme:Http01ListenUrl</c> is set.</summary>
public sealed class HttpChallengeListenerService(HttpChallengeStore store, string? url) : IHostedService
{
    private HttpChallengeListener? _listener;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(url)) _listener = await HttpChallengeListener.StartAsync(store, url, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is not null) await _listener.DisposeAsync();
    }
}
