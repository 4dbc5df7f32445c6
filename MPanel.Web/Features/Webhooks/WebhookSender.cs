using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MPanel.Domain.Common;
using MPanel.Domain.Webhooks;

namespace MPanel.Web.Features.Webhooks;

/// <summary>Standard Webhooks signatures: <c>v1,</c> and the base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c> keyed
/// with the base64-decoded secret after <c>whsec_</c>; several signatures are separated by spaces.</summary>
public static class WebhookSignature
{
    public static string Sign(string messageId, long timestamp, string body, IEnumerable<string> secrets) =>
        string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(
            HMACSHA256.HashData(KeyOf(secret), Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}")))));

    private static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(WebhookEndpoint.SecretPrefix, StringComparison.Ordinal) ? secret[WebhookEndpoint.SecretPrefix.Length..] : secret);
}

/// <summary>Which endpoint URLs and addresses webhooks may reach. URLs are checked when registered (absolute, https unless
/// <see cref="WebhooksOptions.AllowHttp"/>, no user name or password, no fragment); addresses after DNS resolution, when
/// connecting, so a name that resolves to an internal address is refused too (SSRF).</summary>
public sealed class WebhookAddressPolicy(IOptionsMonitor<WebhooksOptions> options)
{
    public void ValidateUrl(string? url, string field = "url")
    {
        var o = options.CurrentValue;
        var ok = Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri);
        new Validator()
            .Require(url is { Length: > 0 and <= WebhookEndpoint.MaxUrlLength }, field, $"Give the endpoint's absolute URL (at most {WebhookEndpoint.MaxUrlLength} characters).")
            .Require(!ok || uri!.Scheme == Uri.UriSchemeHttps || (o.AllowHttp && uri.Scheme == Uri.UriSchemeHttp), field,
                o.AllowHttp ? "The URL must use https or http." : "The URL must use https.")
            .Require(!ok || string.IsNullOrEmpty(uri!.UserInfo), field, "The URL must not contain a user name or password.")
            .Require(!ok || string.IsNullOrEmpty(uri!.Fragment), field, "The URL must not contain a #fragment.")
            .Require(ok || url is not { Length: > 0 }, field, "This is not an absolute URL.")
            .Require(!ok || o.AllowPrivateAddresses || !IPAddress.TryParse(uri!.IdnHost, out var literal) || !IsRestricted(literal), field,
                "The URL points to a private, loopback or link-local address.")
            .Require(!ok || o.AllowPrivateAddresses || !uri!.IsLoopback, field, "The URL points to this machine.")
            .ThrowIfInvalid();
    }

    public bool AllowPrivate => options.CurrentValue.AllowPrivateAddresses;

    /// <summary>Private (RFC 1918), loopback, link-local, CGNAT (100.64/10), "this network", multicast, reserved and
    /// benchmarking ranges, and IPv6 loopback, unspecified, link-local, site-local, ULA (fc00::/7) and multicast; IPv4
    /// addresses mapped or translated into IPv6 are judged as IPv4.</summary>
    public static bool IsRestricted(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0 || b[0] == 10 || b[0] == 127
                   || (b[0] == 100 && (b[1] & 0xC0) == 64)
                   || (b[0] == 169 && b[1] == 254)
                   || (b[0] == 172 && (b[1] & 0xF0) == 16)
                   || (b[0] == 192 && b[1] == 168)
                   || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                   || (b[0] == 198 && (b[1] & 0xFE) == 18)
                   || b[0] >= 224;
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return true;
        if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address)) return true;
        var v6 = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) carries an IPv4 address in its last four bytes.
        if (v6[0] == 0 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6[4..12].All(x => x == 0))
            return IsRestricted(new IPAddress(v6[12..]));
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
               || (v6[0] & 0xFE) == 0xFC; // unique local fc00::/7
    }

    /// <summary>SocketsHttpHandler's connect step: resolves the host, refuses restricted addresses unless allowed, and
    /// connects to the first address that is allowed, so what was checked is what is connected to.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = AllowPrivate ? addresses : addresses.Where(a => !IsRestricted(a)).ToArray();
        if (allowed.Length == 0)
            throw new WebhookAddressRefusedException($"{host} resolves only to private, loopback or link-local addresses ({string.Join(", ", addresses.Select(a => a.ToString()))}); refused.");
        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex) when (ex is SocketException)
            {
                socket.Dispose();
                last = ex;
            }
        }
        throw last!;
    }
}

public sealed class WebhookAddressRefusedException(string message) : Exception(message);

/// <summary>The outcome of one POST: the status (null when no answer came), time taken, the start of the answer and the error.</summary>
public sealed record WebhookSendResult(int? StatusCode, int DurationMs, string? ResponseExcerpt, string? Error)
{
    public bool Success => StatusCode is >= 200 and < 300;
}

/// <summary>Posts one signed webhook (typed HttpClient: no redirects, no cookies, a short timeout, the SSRF connect step).</summary>
public sealed class WebhookSender(HttpClient http)
{
    public const string UserAgent = "MPanel-Webhooks/1.0";

    public async Task<WebhookSendResult> SendAsync(string url, string messageId, long timestamp, string signature, string body, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        int Elapsed() => (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("webhook-id", messageId);
            request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("webhook-signature", signature);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var excerpt = await ExcerptAsync(response, ct);
            var status = (int)response.StatusCode;
            return new WebhookSendResult(status, Elapsed(), excerpt, status is >= 200 and < 300 ? null : $"HTTP {status} {response.ReasonPhrase}".Trim());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or WebhookAddressRefusedException or SocketException && !ct.IsCancellationRequested)
        {
            var reason = ex switch
            {
                TaskCanceledException => "Timed out.",
                HttpRequestException { InnerException: WebhookAddressRefusedException refused } => refused.Message,
                HttpRequestException { InnerException: { } inner } => $"{ex.Message} ({inner.Message})",
                _ => ex.Message,
            };
            return new WebhookSendResult(null, Elapsed(), null, reason);
        }
    }

    /// <summary>At most 1 KB of the answer, as text.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[WebhookAttempt.MaxExcerptBytes];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
                if (n == 0) break;
                read += n;
            }
            if (read == 0) return null;
            var text = Encoding.UTF8.GetString(buffer, 0, read);
            // A cut in the middle of a character leaves a replacement char; keep the byte limit in characters too.
            while (Encoding.UTF8.GetByteCount(text) > WebhookAttempt.MaxExcerptBytes) text = text[..^1];
            return text;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return null;
        }
    }
}
