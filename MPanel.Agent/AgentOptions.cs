namespace MPanel.Agent;

/// <summary>Where the agent keeps things on its host. Bound from the <c>Agent</c> section (environment <c>Agent__*</c>).</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>The HMAC secret shared with MPanel. Required; the agent refuses to start without one.</summary>
    public string Secret { get; set; } = "";
    /// <summary>State file, ACME challenges, certificates, suspend page, PHP-FPM sockets.</summary>
    public string DataDir { get; set; } = "/var/lib/mpanel-agent";
    /// <summary>Hosting accounts' homes: <c>SitesRoot/&lt;account&gt;</c>; a site's document root is <c>&lt;home&gt;/&lt;domain&gt;/public</c>.</summary>
    public string SitesRoot { get; set; } = "/srv/mpanel/sites";

    public string NginxBinary { get; set; } = "/usr/sbin/nginx";
    /// <summary>The private nginx master's main config (<c>nginx -c</c>); it includes <see cref="NginxSitesDir"/>.</summary>
    public string NginxConfig { get; set; } = "/etc/mpanel/nginx/nginx.conf";
    /// <summary>The nginx prefix (<c>nginx -p</c>).</summary>
    public string NginxPrefix { get; set; } = "/etc/mpanel/nginx/";
    public string NginxSitesDir { get; set; } = "/etc/mpanel/nginx/sites";
    /// <summary>The master's pid file (its config's <c>pid</c>): reload sends SIGHUP to it; no pid, no reload.</summary>
    public string NginxPidFile { get; set; } = "/run/mpanel-nginx.pid";
    public string HttpListen { get; set; } = "127.0.0.1:58080";
    public string HttpsListen { get; set; } = "127.0.0.1:58443";
    public string FastcgiParams { get; set; } = "/etc/nginx/fastcgi_params";

    /// <summary>One PHP-FPM master per version: <c>PhpFpmDir/&lt;version&gt;/php-fpm.conf</c> (includes <c>pool.d/*.conf</c>)
    /// and <c>php-fpm.pid</c>.</summary>
    public string PhpFpmDir { get; set; } = "/etc/mpanel/php-fpm";
    /// <summary>Where the <c>php-fpmX.Y</c> binaries are; the installed versions are the ones found here.</summary>
    public string PhpBinaryDir { get; set; } = "/usr/sbin";

    /// <summary>The user nginx's workers run as (reads document roots, talks to PHP-FPM sockets).</summary>
    public string WebUser { get; set; } = "www-data";

    public IEnumerable<(string Name, string Value)> Paths() =>
    [
        (nameof(DataDir), DataDir), (nameof(SitesRoot), SitesRoot), (nameof(NginxBinary), NginxBinary), (nameof(NginxConfig), NginxConfig),
        (nameof(NginxPrefix), NginxPrefix), (nameof(NginxSitesDir), NginxSitesDir), (nameof(NginxPidFile), NginxPidFile),
        (nameof(PhpFpmDir), PhpFpmDir), (nameof(PhpBinaryDir), PhpBinaryDir), (nameof(FastcgiParams), FastcgiParams),
    ];

    /// <summary>Settings end up inside nginx and PHP-FPM config files: they must be plain absolute paths.</summary>
    public void Validate()
    {
        if (Secret.Length < 16) throw new InvalidOperationException("Agent:Secret must be set (at least 16 characters).");
        foreach (var (name, value) in Paths())
            if (!Path.IsPathRooted(value) || value.Any(c => char.IsWhiteSpace(c) || c is ';' or '{' or '}' or '"' or '\'' or '$' or '\\') || value.Contains(".."))
                throw new InvalidOperationException($"Agent:{name} must be an absolute path without spaces, quotes, ';', braces or '..'.");
        foreach (var listen in new[] { HttpListen, HttpsListen })
            if (!System.Net.IPEndPoint.TryParse(listen, out _))
                throw new InvalidOperationException("Agent:HttpListen and Agent:HttpsListen must be address:port.");
    }
}
