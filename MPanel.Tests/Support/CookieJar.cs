using System.Net;

namespace MPanel.Tests.Support;

/// <summary>A cookie jar that can be shared by clients of different test servers (all of them are http://localhost),
/// like one browser talking to two instances behind a load balancer.</summary>
public sealed class CookieJar(CookieContainer container) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var header = container.GetCookieHeader(uri);
        if (header.Length > 0) request.Headers.Add("Cookie", header);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            foreach (var value in values) container.SetCookies(uri, value);
        }
        return response;
    }
}
