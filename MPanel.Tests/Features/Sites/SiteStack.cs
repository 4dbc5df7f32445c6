using System.Net;
using MPanel.Infrastructure.Agent;

namespace MPanel.Tests.Features.Sites;

/// <summary>The real site stack started by scripts/test: nginx on 127.0.0.1:58080 and MPanel.Agent on 127.0.0.1:58090.</summary>
public static class SiteStack
{
    public const string AgentUrl = "http://127.0.0.1:58090";
    public const string AgentSecret = "mpanel-dev-agent-secret";
    public const string SitesUrl = "http://127.0.0.1:58080";

    private static readonly HttpClient Web = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromSeconds(1) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public static AgentClient Agent() => new(new HttpClient(), new Uri(AgentUrl), AgentSecret, TimeProvider.System);

    /// <summary>Fails (not skips) with the way to start it when the stack is down.</summary>
    public static async Task RequireAsync()
    {
        try
        {
            Assert.Equal("ok", await Web.GetStringAsync(AgentUrl + "/health"));
            await Web.GetAsync(SitesUrl + "/");
        }
        catch (HttpRequestException ex)
        {
            Assert.Fail($"The site stack is not running ({ex.Message}). scripts/test starts it; by hand: " +
                        "source scripts/lib/services.sh && start_agent_stack (as root).");
        }
    }

    /// <summary>GET a path of a site by host name (as curl -H 'Host: …' does).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(string host, string path = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, SitesUrl + path);
        request.Headers.Host = host;
        using var response = await Web.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls until the site answers as expected (nginx and PHP-FPM reload gracefully, so the change lands a moment later).</summary>
    public static async Task<string> WaitForAsync(string host, string path, HttpStatusCode status, string contains, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        (HttpStatusCode Status, string Body) last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(host, path);
            if (last.Status == status && last.Body.Contains(contains, StringComparison.Ordinal)) return last.Body;
            await Task.Delay(100);
        }
        Assert.Fail($"http://{host}{path} answered {(int)last.Status} \"{(last.Body ?? "").Trim()[..Math.Min(200, (last.Body ?? "").Trim().Length)]}\", expected {(int)status} containing \"{contains}\".");
        return "";
    }

    public static async Task<bool> SystemUserExistsAsync(string name)
    {
        using var getent = System.Diagnostics.Process.Start("getent", ["passwd", name])!;
        await getent.WaitForExitAsync();
        return getent.ExitCode == 0;
    }
}
