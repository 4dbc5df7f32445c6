using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MPanel.Infrastructure.Acme;

/// <summary>A compact RFC 8555 client for one account key: directory, nonces, JWS-signed requests (jwk until the account
/// exists, kid after), accounts, orders, authorizations, challenges, finalization and download, revocation.
/// Not thread-safe: one client per issuance.</summary>
public sealed class AcmeClient(HttpClient http, Uri directoryUrl, ECDsa accountKey, Uri? accountUrl = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(10);
    // Polling deadlines are wall-clock time, whatever clock the application runs on.
    private readonly TimeProvider _clock = TimeProvider.System;
    private AcmeDirectory? _directory;
    private string? _nonce;

    public Uri? AccountUrl { get; private set; } = accountUrl;
    public string Thumbprint { get; } = AcmeJws.Thumbprint(accountKey);

    public string KeyAuthorization(string token) => $"{token}.{Thumbprint}";

    public async Task<AcmeDirectory> GetDirectoryAsync(CancellationToken ct = default)
    {
        if (_directory is not null) return _directory;
        using var response = await http.GetAsync(directoryUrl, ct);
        await EnsureSuccessAsync(response, ct);
        return _directory = (await response.Content.ReadFromJsonAsync<AcmeDirectory>(Json, ct))!;
    }

    /// <summary>Creates the account, or finds the existing one for this key (the server answers 200 with its URL).</summary>
    public async Task<AcmeAccountResource> CreateAccountAsync(IEnumerable<string> contact, bool termsOfServiceAgreed, CancellationToken ct = default)
    {
        var directory = await GetDirectoryAsync(ct);
        var payload = new JsonObject
        {
            ["termsOfServiceAgreed"] = termsOfServiceAgreed,
            ["contact"] = new JsonArray(contact.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
        };
        using var response = await PostAsync(directory.NewAccount, payload, useKid: false, ct);
        var account = await ReadAsync<AcmeAccountResource>(response, ct);
        AccountUrl = response.Headers.Location ?? throw new InvalidOperationException("newAccount answered without a Location header.");
        return account with { Url = AccountUrl };
    }

    public async Task<AcmeOrder> NewOrderAsync(IEnumerable<string> domains, CancellationToken ct = default)
    {
        var directory = await GetDirectoryAsync(ct);
        var payload = new JsonObject
        {
            ["identifiers"] = new JsonArray(domains.Select(d => (JsonNode)new JsonObject { ["type"] = "dns", ["value"] = d }).ToArray()),
        };
        using var response = await PostAsync(directory.NewOrder, payload, useKid: true, ct);
        var order = await ReadAsync<AcmeOrder>(response, ct);
        return order with { Url = response.Headers.Location ?? throw new InvalidOperationException("newOrder answered without a Location header.") };
    }

    public async Task<AcmeOrder> GetOrderAsync(Uri url, CancellationToken ct = default)
    {
        using var response = await PostAsync(url, null, useKid: true, ct);
        return await ReadAsync<AcmeOrder>(response, ct) with { Url = url };
    }

    public async Task<AcmeAuthorization> GetAuthorizationAsync(Uri url, CancellationToken ct = default)
    {
        using var response = await PostAsync(url, null, useKid: true, ct);
        return await ReadAsync<AcmeAuthorization>(response, ct) with { Url = url };
    }

    /// <summary>Tells the server the challenge is ready to be validated (POST <c>{}</c>, §7.5.1).</summary>
    public async Task<AcmeChallenge> RespondToChallengeAsync(Uri url, CancellationToken ct = default)
    {
        using var response = await PostAsync(url, new JsonObject(), useKid: true, ct);
        return await ReadAsync<AcmeChallenge>(response, ct);
    }

    /// <summary>Polls an authorization until it is valid; throws <see cref="AcmeOrderFailedException"/> with the
    /// challenge's error when it turns invalid or does not settle within <paramref name="timeout"/>.</summary>
    public async Task<AcmeAuthorization> WaitForAuthorizationAsync(Uri url, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = _clock.GetUtcNow() + timeout;
        while (true)
        {
            using var response = await PostAsync(url, null, useKid: true, ct);
            var authz = await ReadAsync<AcmeAuthorization>(response, ct) with { Url = url };
            if (authz.Status == AcmeStatus.Valid) return authz;
            if (authz.Status != AcmeStatus.Pending)
            {
                var error = authz.Challenges.FirstOrDefault(c => c.Error is not null)?.Error;
                throw new AcmeOrderFailedException($"Authorization for {authz.Identifier.Value} is {authz.Status}: {error?.ToString() ?? "no detail"}", error);
            }
            await DelayAsync(response, deadline, $"authorization for {authz.Identifier.Value}", ct);
        }
    }

    /// <summary>Submits the CSR (DER) and polls the order until it is valid, returning it with its certificate URL.</summary>
    public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csrDer, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = _clock.GetUtcNow() + timeout;
        using (var response = await PostAsync(order.Finalize, new JsonObject { ["csr"] = Base64Url.Encode(csrDer) }, useKid: true, ct))
        {
            order = await ReadAsync<AcmeOrder>(response, ct) with { Url = order.Url };
        }
        while (true)
        {
            if (order.Status == AcmeStatus.Valid && order.Certificate is not null) return order;
            if (order.Status == AcmeStatus.Invalid)
                throw new AcmeOrderFailedException($"Order {order.Url} is invalid: {order.Error?.ToString() ?? "no detail"}", order.Error);
            using var response = await PostAsync(order.Url, null, useKid: true, ct);
            var next = await ReadAsync<AcmeOrder>(response, ct) with { Url = order.Url };
            if (next.Status is AcmeStatus.Processing or AcmeStatus.Ready) await DelayAsync(response, deadline, $"order {order.Url}", ct);
            order = next;
        }
    }

    /// <summary>Downloads the certificate chain (application/pem-certificate-chain, §7.4.2): leaf first.</summary>
    public async Task<string> DownloadCertificateAsync(Uri url, CancellationToken ct = default)
    {
        using var response = await PostAsync(url, null, useKid: true, ct, accept: "application/pem-certificate-chain");
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>Revokes a certificate (DER) with the account key (§7.6); reason is an RFC 5280 CRLReason code.</summary>
    public async Task RevokeAsync(byte[] certificateDer, int? reason = null, CancellationToken ct = default)
    {
        var directory = await GetDirectoryAsync(ct);
        var payload = new JsonObject { ["certificate"] = Base64Url.Encode(certificateDer) };
        if (reason is not null) payload["reason"] = reason.Value;
        using var response = await PostAsync(directory.RevokeCert ?? throw new InvalidOperationException("The server does not offer revocation."),
            payload, useKid: true, ct);
        await EnsureSuccessAsync(response, ct);
    }

    // ---------------------------------------------------------------- transport ---

    private async Task<HttpResponseMessage> PostAsync(Uri url, JsonNode? payload, bool useKid, CancellationToken ct, string? accept = null)
    {
        if (useKid && AccountUrl is null) throw new InvalidOperationException("Create or look up the ACME account first.");
        for (var attempt = 0; ; attempt++)
        {
            var nonce = await TakeNonceAsync(ct);
            var body = AcmeJws.Sign(accountKey, useKid ? AccountUrl!.AbsoluteUri : null, nonce, url.AbsoluteUri, payload);
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/jose+json") { CharSet = null }),
            };
            if (accept is not null) request.Headers.Accept.ParseAdd(accept);
            var response = await http.SendAsync(request, ct);
            RememberNonce(response);
            if (response.IsSuccessStatusCode) return response;
            var problem = await ReadProblemAsync(response, ct);
            // §6.5: badNonce is retryable, with the fresh nonce the error response carried. Once is enough.
            if (attempt == 0 && AcmeProblemException.KindOf(problem.Type) == AcmeErrorKind.BadNonce)
            {
                response.Dispose();
                continue;
            }
            var retryAfter = RetryAfterOf(response);
            response.Dispose();
            throw new AcmeProblemException(problem, (int)response.StatusCode, retryAfter);
        }
    }

    private async Task<string> TakeNonceAsync(CancellationToken ct)
    {
        if (_nonce is { } cached)
        {
            _nonce = null;
            return cached;
        }
        var directory = await GetDirectoryAsync(ct);
        using var request = new HttpRequestMessage(HttpMethod.Head, directory.NewNonce);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) await EnsureSuccessAsync(response, ct);
        return response.Headers.TryGetValues("Replay-Nonce", out var values) ? values.First()
            : throw new InvalidOperationException("newNonce answered without a Replay-Nonce header.");
    }

    private void RememberNonce(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("Replay-Nonce", out var values)) _nonce = values.First();
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))
               ?? throw new InvalidOperationException($"Empty {typeof(T).Name} from {response.RequestMessage?.RequestUri}.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        throw new AcmeProblemException(await ReadProblemAsync(response, ct), (int)response.StatusCode, RetryAfterOf(response));
    }

    private static async Task<AcmeProblem> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            if (JsonSerializer.Deserialize<AcmeProblem>(text, Json) is { Type: not null } problem) return problem;
        }
        catch (JsonException)
        {
            // not a problem document: fall through
        }
        return new AcmeProblem(null, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {text[..Math.Min(text.Length, 300)]}",
            (int)response.StatusCode, null, null);
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }

    /// <summary>Waits as long as Retry-After says (bounded), or a short default, unless that passes the deadline.</summary>
    private async Task DelayAsync(HttpResponseMessage response, DateTimeOffset deadline, string what, CancellationToken ct)
    {
        var wait = RetryAfterOf(response) ?? DefaultPoll;
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        if (wait > MaxPoll) wait = MaxPoll;
        if (_clock.GetUtcNow() + wait > deadline)
            throw new AcmeOrderFailedException($"Timed out waiting for the {what} to settle.");
        await Task.Delay(wait, _clock, ct);
    }
}
