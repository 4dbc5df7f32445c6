using System.Net;
using System.Text;
using System.Text.Json;
using MPanel.Domain.Agent;
using MPanel.Infrastructure.Agent;

namespace MPanel.Tests.Agent;

/// <summary>The agent refuses what is not signed by MPanel, and what could escape a path or a config file, before it
/// touches the disk.</summary>
public sealed class AgentSecurityTests(InProcessAgent agent) : IClassFixture<InProcessAgent>
{
    private static readonly Guid TenantA = Guid.NewGuid();
    private static readonly Guid TenantB = Guid.NewGuid();

    private static byte[] Body(object value) => JsonSerializer.SerializeToUtf8Bytes(value, AgentClient.Json);

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // Same answer whatever was wrong: nothing about the reason leaks.
        Assert.Equal("{\"code\":\"unauthorized\",\"message\":\"Unauthorized.\",\"field\":null}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_IsOpenAndSaysOnlyOk()
    {
        var response = await agent.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unsigned_Request_Is401()
    {
        var response = await agent.Http.PostAsync(AgentActions.Path(AgentActions.Metrics), new StringContent("{}", Encoding.UTF8, "application/json"));
        await AssertUnauthorizedAsync(response);
    }

    [Fact]
    public async Task WronglySigned_Request_Is401()
    {
        var other = new AgentClient(agent.Http, agent.Http.BaseAddress!, "not-the-agent-secret-at-all", TimeProvider.System);
        await AssertUnauthorizedAsync(await agent.Http.SendAsync(other.Signed(HttpMethod.Post, AgentActions.Path(AgentActions.Metrics), Body(new { }))));
    }

    [Fact]
    public async Task TamperedBody_Is401()
    {
        var account = agent.NewAccount();
        var request = agent.Client.Signed(HttpMethod.Post, AgentActions.Path(AgentActions.EnsureAccount), Body(new EnsureAccountRequest(TenantA, account, 100)));
        request.Content = new ByteArrayContent(Body(new EnsureAccountRequest(TenantA, account, 999_999)));
        request.Content.Headers.ContentType = new("application/json");
        await AssertUnauthorizedAsync(await agent.Http.SendAsync(request));
        Assert.False(File.Exists(agent.StateFile) && (await File.ReadAllTextAsync(agent.StateFile)).Contains(account));
    }

    [Fact]
    public async Task StaleTimestamp_Is401()
    {
        var stale = DateTimeOffset.UtcNow.AddMinutes(-6);
        await AssertUnauthorizedAsync(await agent.Http.SendAsync(agent.Client.Signed(HttpMethod.Post, AgentActions.Path(AgentActions.Metrics), Body(new { }), at: stale)));
        var future = DateTimeOffset.UtcNow.AddMinutes(6);
        await AssertUnauthorizedAsync(await agent.Http.SendAsync(agent.Client.Signed(HttpMethod.Post, AgentActions.Path(AgentActions.Metrics), Body(new { }), at: future)));
    }

    [Fact]
    public async Task ReplayedNonce_Is401()
    {
        var nonce = AgentSignature.NewNonce();
        var first = await agent.Http.SendAsync(agent.Client.Signed(HttpMethod.Post, AgentActions.Path(AgentActions.Metrics), Body(new { }), nonce: nonce));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var metrics = JsonSerializer.Deserialize<HostMetrics>(await first.Content.ReadAsStringAsync(), AgentClient.Json)!;
        Assert.True(metrics.MemoryTotalBytes > 0);
        Assert.Contains("8.2", metrics.PhpVersions);
        await AssertUnauthorizedAsync(await agent.Http.SendAsync(agent.Client.Signed(HttpMethod.Post, AgentActions.Path(AgentActions.Metrics), Body(new { }), nonce: nonce)));
    }

    public static TheoryData<string> BadDomains => new()
    {
        "evil.com;}", "evil.com}", "evil.com{", "-rf", "-rf.com", "../etc", "..", "a..b.com", "etc/passwd", "/etc/passwd",
        "site.test\nserver { listen 80; }", "site.test\r\n", "site .test", "site.test ", "\"site.test\"", "'site.test'", "site.test#",
        "site_test.com", "xn--.com", "a.com.", "localhost", "127.0.0.1", "-a.com", "a-.com", new string('a', 64) + ".com",
        string.Join('.', Enumerable.Repeat(new string('a', 60), 5)), "ex\u00e4mple.com", "site.test$uri",
    };

    [Theory]
    [MemberData(nameof(BadDomains))]
    public async Task EnsureSite_MaliciousDomain_Is400AndWritesNothing(string domain)
    {
        // A real account of the tenant: only the domain stands between the request and the disk.
        var account = agent.NewAccount();
        await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantA, account, 100));
        var before = agent.Files();
        var state = await File.ReadAllTextAsync(agent.StateFile);
        foreach (var request in new[]
                 {
                     new EnsureSiteRequest(TenantA, account, domain, [], SiteKind.Static, null),
                     new EnsureSiteRequest(TenantA, account, "fine.test", [domain], SiteKind.Static, null),
                 })
        {
            var ex = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.EnsureSiteAsync(request));
            Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
            Assert.Equal("invalid", ex.Code);
        }
        Assert.Equal(before, agent.Files());
        Assert.Equal(state, await File.ReadAllTextAsync(agent.StateFile));
    }

    public static TheoryData<string> BadAccounts => new()
    {
        "-rf", "--help", "../etc", "root", "daemon", "nobody", "www-data", "a", "ab", "Upper1", "1abc", "abc def", "abc;ls", "abc\nx",
        "averyveryverylongname", "abc/def", "",
    };

    [Theory]
    [MemberData(nameof(BadAccounts))]
    public async Task EnsureAccount_MaliciousOrReservedName_Is400AndCreatesNoUser(string account)
    {
        var before = agent.Files();
        var ex = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantA, account, 100)));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.Equal(before, agent.Files());
    }

    [Fact]
    public async Task Actions_OnAnotherTenantsAccount_Are403AndChangeNothing()
    {
        var account = agent.NewAccount();
        await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantA, account, 100));
        await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(TenantA, account, $"{account}.test", [], SiteKind.Static, null));
        var block = Path.Combine(agent.NginxSites, $"{account}.test.conf");
        var config = await File.ReadAllTextAsync(block);
        var state = await File.ReadAllTextAsync(agent.StateFile);
        var files = agent.Files();

        var site = new SiteRequest(TenantB, account, $"{account}.test");
        var attempts = new Func<Task>[]
        {
            () => agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantB, account, 999)),
            () => agent.Client.EnsureSiteAsync(new EnsureSiteRequest(TenantB, account, $"{account}.test", ["hijack.test"], SiteKind.Static, null)),
            () => agent.Client.SuspendSiteAsync(site),
            () => agent.Client.DeleteSiteAsync(site),
            () => agent.Client.DeleteAccountAsync(new AccountRequest(TenantB, account)),
            () => agent.Client.GetSiteAsync(site),
            () => agent.Client.DiskUsageAsync(new AccountRequest(TenantB, account)),
            () => agent.Client.PutAcmeChallengeAsync(new AcmeChallengeRequest(TenantB, account, $"{account}.test", "tokentokentoken12345", "tokentokentoken12345.thumbthumbthumbthumb")),
        };
        foreach (var attempt in attempts)
        {
            var ex = await Assert.ThrowsAsync<AgentCallException>(attempt);
            Assert.Equal(HttpStatusCode.Forbidden, ex.Status);
        }
        Assert.Equal(config, await File.ReadAllTextAsync(block));
        Assert.Equal(state, await File.ReadAllTextAsync(agent.StateFile));
        Assert.Equal(files, agent.Files());
    }

    [Fact]
    public async Task EnsureSite_DomainOfAnotherAccount_IsConflict()
    {
        var owner = agent.NewAccount();
        var thief = agent.NewAccount();
        await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantA, owner, 100));
        await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantB, thief, 100));
        await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(TenantA, owner, $"{owner}.test", [$"www.{owner}.test"], SiteKind.Static, null));
        foreach (var request in new[]
                 {
                     new EnsureSiteRequest(TenantB, thief, $"{owner}.test", [], SiteKind.Static, null),
                     new EnsureSiteRequest(TenantB, thief, $"{thief}.test", [$"www.{owner}.test"], SiteKind.Static, null),
                 })
        {
            var ex = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.EnsureSiteAsync(request));
            Assert.Equal(HttpStatusCode.Conflict, ex.Status);
        }
        Assert.False(File.Exists(Path.Combine(agent.NginxSites, $"{thief}.test.conf")));
    }

    [Fact]
    public async Task EnsureAccount_ExistingSystemUserNotCreatedByTheAgent_IsRefused()
    {
        // "_apt"/"sshd" are not guaranteed; create a plain system user the agent never saw.
        var name = agent.NewAccount();
        using (var useradd = System.Diagnostics.Process.Start("useradd", ["--system", "--no-create-home", "--", name])) await useradd!.WaitForExitAsync();
        var ex = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantA, name, 100)));
        Assert.Equal(HttpStatusCode.Conflict, ex.Status);
        Assert.False(Directory.Exists(Path.Combine(agent.SitesRoot, name)));
    }

    [Fact]
    public async Task InstallCertificate_Garbage_Is400()
    {
        var account = agent.NewAccount();
        await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantA, account, 100));
        await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(TenantA, account, $"{account}.test", [], SiteKind.Static, null));
        var ex = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.InstallCertificateAsync(
            new InstallCertificateRequest(TenantA, account, $"{account}.test", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n}", "x")));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        Assert.False(Directory.Exists(Path.Combine(agent.DataDir, "certs", $"{account}.test")) &&
                     Directory.EnumerateFiles(Path.Combine(agent.DataDir, "certs", $"{account}.test")).Any());
    }

    [Fact]
    public async Task AcmeChallenge_BadToken_Is400_GoodOneIsWrittenForTheSite()
    {
        var account = agent.NewAccount();
        await agent.Client.EnsureAccountAsync(new EnsureAccountRequest(TenantA, account, 100));
        await agent.Client.EnsureSiteAsync(new EnsureSiteRequest(TenantA, account, $"{account}.test", [$"www.{account}.test"], SiteKind.Static, null));
        foreach (var token in new[] { "../../../etc/passwd", "short", "token with spaces 12345", "tokentokentoken1234;" })
        {
            var ex = await Assert.ThrowsAsync<AgentCallException>(() => agent.Client.PutAcmeChallengeAsync(
                new AcmeChallengeRequest(TenantA, account, $"{account}.test", token, token + ".thumbthumbthumbthumb")));
            Assert.Equal(HttpStatusCode.BadRequest, ex.Status);
        }
        const string good = "Zm9vYmFyYmF6cXV4LTEyMzQ1Njc4";
        await agent.Client.PutAcmeChallengeAsync(new AcmeChallengeRequest(TenantA, account, $"www.{account}.test", good, good + ".dGh1bWJwcmludC10aHVtYnByaW50"));
        var file = Path.Combine(agent.DataDir, "acme", $"{account}.test", ".well-known", "acme-challenge", good);
        Assert.Equal(good + ".dGh1bWJwcmludC10aHVtYnByaW50", await File.ReadAllTextAsync(file));
        await agent.Client.DeleteAcmeChallengeAsync(new AcmeChallengeRequest(TenantA, account, $"{account}.test", good, null));
        Assert.False(File.Exists(file));
    }
}
