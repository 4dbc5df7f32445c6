using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;
using MPanel.Domain.Agent;

namespace MPanel.Agent;

/// <summary>The agent's actions. Every input is re-validated here; every action on an account checks that the tenant named
/// in the request owns it. Host changes run under one lock: pools and server blocks are written as a transaction, checked
/// (<c>php-fpm -t</c>, <c>nginx -t</c>) and rolled back on a failed check, then the daemons reload.</summary>
public sealed class SiteManager(IOptions<AgentOptions> options, AgentState state, SystemUsers users, Nginx nginx, PhpFpm php,
    ProcessRunner runner, ILogger<SiteManager> logger)
{
    private const UnixFileMode Mode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Mode755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode Mode700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    /// <summary>Owner full, group (the web user) read and traverse, set-group-id so new folders keep that group.</summary>
    private const UnixFileMode Mode2750 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.SetGroup;

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www", "backup", "list",
        "irc", "gnats", "nobody", "systemd", "postgres", "mysql", "redis", "nginx", "admin", "mpanel", "pdns", "debian",
    };

    private AgentOptions O => options.Value;

    public string Home(string account) => Path.Combine(O.SitesRoot, account);
    public string DocumentRoot(string account, string primary) => Path.Combine(Home(account), primary, "public");
    private string AcmeRoot(string primary) => Path.Combine(O.DataDir, "acme", primary);
    private string AcmeDir(string primary) => Path.Combine(AcmeRoot(primary), ".well-known", "acme-challenge");
    private string CertDir(string primary) => Path.Combine(O.DataDir, "certs", primary);
    private string SuspendDir => Path.Combine(O.DataDir, "suspended");

    /// <summary>Folders the agent needs, and the suspend page (written once; an operator may brand it).</summary>
    public void PrepareHost()
    {
        Directory.CreateDirectory(O.DataDir);
        File.SetUnixFileMode(O.DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        foreach (var dir in new[] { Path.Combine(O.DataDir, "run"), Path.Combine(O.DataDir, "acme"), SuspendDir, O.SitesRoot, O.NginxSitesDir })
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, Mode755);
        }
        var certs = Path.Combine(O.DataDir, "certs");
        Directory.CreateDirectory(certs);
        File.SetUnixFileMode(certs, Mode700);
        var page = Path.Combine(SuspendDir, "suspended.html");
        if (!File.Exists(page))
            FileTransaction.AtomicWrite(page, Encoding.UTF8.GetBytes(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Site suspended</title></head>" +
                "<body style=\"font-family:sans-serif;text-align:center;padding:4em\"><h1>This site is suspended</h1>" +
                "<p>The site is temporarily unavailable. If you own it, please contact your hosting provider.</p></body></html>\n"), Mode644);
        foreach (var version in php.InstalledVersions())
            Directory.CreateDirectory(Path.GetDirectoryName(php.PoolPath(version, "x"))!);
    }

    // ------------------------------------------------------------------ validation ---

    private static void CheckTenant(Guid tenantId)
    {
        if (tenantId == Guid.Empty) throw AgentException.Invalid("tenantId", "A tenant id is required.");
    }

    private static string CheckAccount(string? account)
    {
        if (!AgentNames.IsAccount(account)) throw AgentException.Invalid("account", "An account name is 3-16 lower-case letters and digits, starting with a letter.");
        if (Reserved.Contains(account!)) throw AgentException.Invalid("account", "This account name is reserved.");
        return account!;
    }

    private static string CheckDomain(string? domain, string field) =>
        AgentNames.NormalizeDomain(domain) ?? throw AgentException.Invalid(field, "A domain is an ASCII (punycode) host name of letters, digits and hyphens.");

    /// <summary>The account, if the tenant owns it; 404 when unknown, 403 when another tenant's.</summary>
    private AccountState Owned(Guid tenantId, string account)
    {
        if (!state.Data.Accounts.TryGetValue(account, out var a)) throw AgentException.NotFound("The account");
        if (a.TenantId != tenantId) throw AgentException.Forbidden();
        return a;
    }

    private (AccountState Account, SiteState Site) OwnedSite(Guid tenantId, string account, string primary)
    {
        var a = Owned(tenantId, account);
        return a.Sites.TryGetValue(primary, out var site) ? (a, site) : throw AgentException.NotFound("The site");
    }

    // -------------------------------------------------------------------- accounts ---

    public async Task<AccountResponse> EnsureAccountAsync(EnsureAccountRequest r, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var account = CheckAccount(r.Account);
        if (r.QuotaMb is < 0 or > 10_000_000) throw AgentException.Invalid("quotaMb", "The quota is between 0 and 10,000,000 MB.");
        using var _ = await state.LockAsync(ct);
        var existing = await users.FindAsync(account, ct);
        var created = false;
        if (state.Data.Accounts.TryGetValue(account, out var known))
        {
            if (known.TenantId != r.TenantId) throw AgentException.Forbidden();
        }
        else if (existing is not null)
        {
            // A system user the agent did not create (root, a daemon, another tool's account): never adopt it.
            throw AgentException.Conflict("A system user with this name already exists on the host.");
        }
        var home = Home(account);
        if (existing is null)
        {
            existing = await users.CreateAsync(account, home, ct);
            created = true;
        }
        var webGid = await users.GroupIdAsync(O.WebUser, ct);
        EnsureDir(home, existing.Uid, webGid, Mode2750);
        EnsureDir(Path.Combine(home, "tmp"), existing.Uid, existing.Gid, Mode700);
        if (known is null)
        {
            known = new AccountState { TenantId = r.TenantId, CreatedAt = DateTimeOffset.UtcNow };
            state.Data.Accounts[account] = known;
        }
        known.QuotaMb = r.QuotaMb;
        state.Save();
        if (created) logger.LogInformation("Created account {Account} for tenant {Tenant}", account, r.TenantId);
        return new AccountResponse(account, home, existing.Uid, r.QuotaMb, created);
    }

    public async Task<AccountResponse?> DeleteAccountAsync(AccountRequest r, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var account = CheckAccount(r.Account);
        using var _ = await state.LockAsync(ct);
        if (!state.Data.Accounts.TryGetValue(account, out var a)) return null; // already gone (or never ours: left alone)
        if (a.TenantId != r.TenantId) throw AgentException.Forbidden();
        var before = a.Sites.ToDictionary(s => s.Key, s => s.Value.Clone());
        a.Sites.Clear();
        await ApplyAsync(account, a, before, ct);
        foreach (var primary in before.Keys) RemoveSiteFiles(primary);
        await users.DeleteAsync(account, ct);
        var home = Home(account);
        if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        state.Data.Accounts.Remove(account);
        state.Save();
        logger.LogInformation("Deleted account {Account} of tenant {Tenant}", account, r.TenantId);
        return new AccountResponse(account, home, -1, a.QuotaMb, false);
    }

    public async Task<DiskUsageResponse> DiskUsageAsync(AccountRequest r, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var account = CheckAccount(r.Account);
        var a = Owned(r.TenantId, account);
        var home = Home(account);
        if (!Directory.Exists(home)) return new DiskUsageResponse(account, 0, a.QuotaMb);
        var du = await runner.RunAsync("du", ["-s", "--block-size=1", "--one-file-system", "--", home], ct);
        var first = du.Output.Split('\t', 2)[0].Trim();
        if (!long.TryParse(first, out var bytes)) throw AgentException.HostFailure($"du failed: {du.Combined}");
        return new DiskUsageResponse(account, bytes, a.QuotaMb);
    }

    // ----------------------------------------------------------------------- sites ---

    public async Task<SiteResponse> EnsureSiteAsync(EnsureSiteRequest r, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var account = CheckAccount(r.Account);
        var primary = CheckDomain(r.PrimaryDomain, "primaryDomain");
        if (r.Aliases is null || r.Aliases.Count > AgentNames.MaxAliases) throw AgentException.Invalid("aliases", $"At most {AgentNames.MaxAliases} aliases.");
        var aliases = r.Aliases.Select((alias, i) => CheckDomain(alias, $"aliases[{i}]")).Where(a => a != primary).Distinct().Order(StringComparer.Ordinal).ToList();
        if (!Enum.IsDefined(r.Kind)) throw AgentException.Invalid("kind", "The kind is static or php.");
        string? version = null;
        if (r.Kind == SiteKind.Php)
        {
            var installed = php.InstalledVersions();
            if (r.PhpVersion is null) version = installed.FirstOrDefault() ?? throw AgentException.Invalid("phpVersion", "No PHP-FPM is installed on this host.");
            else if (!AgentNames.IsPhpVersion(r.PhpVersion) || !installed.Contains(r.PhpVersion))
                throw AgentException.Invalid("phpVersion", $"PHP {(AgentNames.IsPhpVersion(r.PhpVersion) ? r.PhpVersion : "")} is not installed here; installed: {string.Join(", ", installed)}.");
            else version = r.PhpVersion;
        }

        using var _ = await state.LockAsync(ct);
        var a = Owned(r.TenantId, account);
        foreach (var domain in aliases.Prepend(primary))
            if (state.FindDomain(domain) is { } owner && !(owner.Account == account && owner.Primary == primary))
                throw AgentException.Conflict($"The domain {domain} is already served by another site on this host.");

        var user = await users.FindAsync(account, ct) ?? throw AgentException.HostFailure("The account's system user is missing; ensure the account again.");
        var webGid = await users.GroupIdAsync(O.WebUser, ct);
        var home = Home(account);
        EnsureDir(home, user.Uid, webGid, Mode2750);
        EnsureDir(Path.Combine(home, primary), user.Uid, webGid, Mode2750);
        EnsureDir(DocumentRoot(account, primary), user.Uid, webGid, Mode2750);
        Directory.CreateDirectory(AcmeDir(primary));

        var before = a.Sites.ToDictionary(s => s.Key, s => s.Value.Clone());
        var isNew = !a.Sites.TryGetValue(primary, out var existing);
        var site = existing ?? new SiteState();
        site.Aliases = aliases;
        site.Kind = r.Kind;
        site.PhpVersion = version;
        a.Sites[primary] = site;
        try
        {
            await ApplyAsync(account, a, before, ct);
        }
        catch
        {
            RestoreSites(a, before);
            if (isNew)
            {
                // Nothing of a site that never went live stays behind.
                RemoveSiteFiles(primary);
                var dir = Path.Combine(home, primary);
                if (Directory.Exists(dir) && !Posix.IsSymlink(dir)) Directory.Delete(dir, recursive: true);
            }
            throw;
        }
        state.Save();
        return ToResponse(account, primary, site);
    }

    public async Task<SiteResponse> PutDefaultPageAsync(SiteRequest r, CancellationToken ct)
    {
        var (account, primary) = (CheckAccount(r.Account), CheckDomain(r.PrimaryDomain, "primaryDomain"));
        CheckTenant(r.TenantId);
        using var _ = await state.LockAsync(ct);
        var (_, site) = OwnedSite(r.TenantId, account, primary);
        var root = DocumentRoot(account, primary);
        RefuseLinks(Home(account), root);
        var hasIndex = Directory.Exists(root) && Directory.EnumerateFiles(root, "index.*").Any();
        if (!hasIndex)
        {
            var user = await users.FindAsync(account, ct) ?? throw AgentException.HostFailure("The account's system user is missing.");
            var index = Path.Combine(root, "index.html");
            var html = $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(primary)}</title></head>" +
                       $"<body style=\"font-family:sans-serif;text-align:center;padding:4em\"><h1>{WebUtility.HtmlEncode(primary)}</h1>" +
                       "<p>This site is hosted with MPanel. Upload your own files to replace this page.</p></body></html>\n";
            // CreateNew: fails on anything already there, including a planted symbolic link.
            await using (var stream = new FileStream(index, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Mode644 }))
                await stream.WriteAsync(Encoding.UTF8.GetBytes(html), ct);
            Posix.Chown(index, user.Uid, user.Gid);
        }
        return ToResponse(account, primary, site);
    }

    public Task<SiteResponse> SuspendAsync(SiteRequest r, CancellationToken ct) => SetSuspendedAsync(r, true, ct);
    public Task<SiteResponse> UnsuspendAsync(SiteRequest r, CancellationToken ct) => SetSuspendedAsync(r, false, ct);

    private async Task<SiteResponse> SetSuspendedAsync(SiteRequest r, bool suspended, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var (account, primary) = (CheckAccount(r.Account), CheckDomain(r.PrimaryDomain, "primaryDomain"));
        using var _ = await state.LockAsync(ct);
        var (a, site) = OwnedSite(r.TenantId, account, primary);
        if (site.Suspended != suspended)
        {
            var before = a.Sites.ToDictionary(s => s.Key, s => s.Value.Clone());
            site.Suspended = suspended;
            try
            {
                await ApplyAsync(account, a, before, ct);
            }
            catch
            {
                RestoreSites(a, before);
                throw;
            }
            state.Save();
        }
        return ToResponse(account, primary, site);
    }

    public async Task<SiteResponse?> DeleteSiteAsync(SiteRequest r, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var (account, primary) = (CheckAccount(r.Account), CheckDomain(r.PrimaryDomain, "primaryDomain"));
        using var _ = await state.LockAsync(ct);
        if (!state.Data.Accounts.TryGetValue(account, out var a)) return null;
        if (a.TenantId != r.TenantId) throw AgentException.Forbidden();
        if (!a.Sites.TryGetValue(primary, out var site)) return null;
        var before = a.Sites.ToDictionary(s => s.Key, s => s.Value.Clone());
        a.Sites.Remove(primary);
        try
        {
            await ApplyAsync(account, a, before, ct);
        }
        catch
        {
            RestoreSites(a, before);
            throw;
        }
        RemoveSiteFiles(primary);
        var dir = Path.Combine(Home(account), primary);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        state.Save();
        return ToResponse(account, primary, site);
    }

    public async Task<SiteInspection> GetSiteAsync(SiteRequest r, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var (account, primary) = (CheckAccount(r.Account), CheckDomain(r.PrimaryDomain, "primaryDomain"));
        SiteState? site = null;
        if (state.Data.Accounts.TryGetValue(account, out var a))
        {
            if (a.TenantId != r.TenantId) throw AgentException.Forbidden();
            a.Sites.TryGetValue(primary, out site);
        }
        var user = a is null ? null : await users.FindAsync(account, ct);
        var block = nginx.ServerBlockPath(primary);
        var names = new List<string>();
        var blockExists = File.Exists(block);
        var https = false;
        var suspended = false;
        if (blockExists)
        {
            foreach (var line in await File.ReadAllLinesAsync(block, ct))
            {
                var t = line.Trim();
                if (t.StartsWith("server_name ", StringComparison.Ordinal)) names.AddRange(t["server_name ".Length..].TrimEnd(';').Split(' ', StringSplitOptions.RemoveEmptyEntries));
                if (t.StartsWith("listen ", StringComparison.Ordinal) && t.Contains(" ssl", StringComparison.Ordinal)) https = true;
                if (t.Contains("mpanel-suspended", StringComparison.Ordinal)) suspended = true;
            }
        }
        var poolExists = site is { Kind: SiteKind.Php, PhpVersion: { } v } && File.Exists(php.PoolPath(v, account));
        var root = DocumentRoot(account, primary);
        return new SiteInspection(site is not null, user is not null, Directory.Exists(root), blockExists, poolExists, names,
            site?.Kind, site?.PhpVersion, suspended, https, site is null ? null : root);
    }

    // ------------------------------------------------------------- ACME and TLS ---

    public async Task<object> PutChallengeAsync(AcmeChallengeRequest r, CancellationToken ct)
    {
        var (primary, token) = await ChallengeTargetAsync(r, ct);
        if (!AgentNames.IsKeyAuthorization(r.KeyAuthorization) || !r.KeyAuthorization!.StartsWith(token + ".", StringComparison.Ordinal))
            throw AgentException.Invalid("keyAuthorization", "The key authorization is the token, a dot and the account key thumbprint (base64url).");
        var dir = AcmeDir(primary);
        Directory.CreateDirectory(dir);
        FileTransaction.AtomicWrite(Path.Combine(dir, token), Encoding.ASCII.GetBytes(r.KeyAuthorization), Mode644);
        return new { written = true };
    }

    public async Task<object> DeleteChallengeAsync(AcmeChallengeRequest r, CancellationToken ct)
    {
        var (primary, token) = await ChallengeTargetAsync(r, ct);
        var file = Path.Combine(AcmeDir(primary), token);
        var existed = File.Exists(file);
        if (existed) File.Delete(file);
        return new { deleted = existed };
    }

    private Task<(string Primary, string Token)> ChallengeTargetAsync(AcmeChallengeRequest r, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        CheckTenant(r.TenantId);
        var account = CheckAccount(r.Account);
        var domain = CheckDomain(r.Domain, "domain");
        if (!AgentNames.IsAcmeToken(r.Token)) throw AgentException.Invalid("token", "An ACME token is 16-128 base64url characters.");
        var a = Owned(r.TenantId, account);
        var primary = a.Sites.FirstOrDefault(s => s.Key == domain || s.Value.Aliases.Contains(domain)).Key
            ?? throw AgentException.NotFound("A site of this account serving the domain");
        return Task.FromResult((primary, r.Token));
    }

    public async Task<CertificateResponse> InstallCertificateAsync(InstallCertificateRequest r, CancellationToken ct)
    {
        CheckTenant(r.TenantId);
        var (account, primary) = (CheckAccount(r.Account), CheckDomain(r.PrimaryDomain, "primaryDomain"));
        if (r.CertificateChainPem is null || r.CertificateChainPem.Length > 64_000) throw AgentException.Invalid("certificateChainPem", "A PEM certificate chain is required.");
        if (r.PrivateKeyPem is null || r.PrivateKeyPem.Length > 16_000) throw AgentException.Invalid("privateKeyPem", "A PEM private key is required.");
        // Parse, check and re-export: what reaches the disk is exactly certificates and one key, nothing else.
        string chainPem, keyPem;
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(r.CertificateChainPem, r.PrivateKeyPem);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(r.CertificateChainPem);
            chainPem = string.Concat(chain.Select(c => c.ExportCertificatePem() + "\n"));
            keyPem = (leaf.GetRSAPrivateKey()?.ExportPkcs8PrivateKeyPem()
                      ?? leaf.GetECDsaPrivateKey()?.ExportPkcs8PrivateKeyPem()
                      ?? throw AgentException.Invalid("privateKeyPem", "Only RSA and ECDSA keys are supported.")) + "\n";
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            throw AgentException.Invalid("certificateChainPem", "The certificate chain or key could not be read, or the key does not match the certificate.");
        }
        catch (ArgumentException)
        {
            throw AgentException.Invalid("certificateChainPem", "The certificate chain or key could not be read.");
        }
        if (!leaf.MatchesHostname(primary)) throw AgentException.Invalid("certificateChainPem", $"The certificate does not cover {primary}.");

        using var _ = await state.LockAsync(ct);
        var (a, site) = OwnedSite(r.TenantId, account, primary);
        var before = a.Sites.ToDictionary(s => s.Key, s => s.Value.Clone());
        var dir = CertDir(primary);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, Mode700);
        var tx = new FileTransaction();
        tx.Write(Path.Combine(dir, "fullchain.pem"), chainPem, Mode600);
        tx.Write(Path.Combine(dir, "privkey.pem"), keyPem, Mode600);
        site.Https = true;
        try
        {
            await ApplyAsync(account, a, before, ct, tx);
        }
        catch
        {
            RestoreSites(a, before);
            throw;
        }
        state.Save();
        return new CertificateResponse(primary, leaf.NotAfter.ToUniversalTime(), leaf.Thumbprint);
    }

    // ----------------------------------------------------------------- applying ---

    /// <summary>Writes the account's pools and server blocks for its sites as they now are (and removes what is no longer
    /// wanted), checks them, and reloads; on a failed check every file is put back as it was.</summary>
    private async Task ApplyAsync(string account, AccountState a, Dictionary<string, SiteState> before, CancellationToken ct, FileTransaction? tx = null)
    {
        tx ??= new FileTransaction();
        var home = Home(account);
        // PHP-FPM: one pool per account and PHP version in use.
        var versionsBefore = before.Values.Where(s => s.Kind == SiteKind.Php && s.PhpVersion is not null).Select(s => s.PhpVersion!).ToHashSet();
        var versionsNow = a.Sites.Values.Where(s => s.Kind == SiteKind.Php && s.PhpVersion is not null).Select(s => s.PhpVersion!).ToHashSet();
        var changedVersions = new List<string>();
        foreach (var v in versionsNow)
            if (tx.Write(php.PoolPath(v, account), php.PoolConfig(account, home, v))) changedVersions.Add(v);
        foreach (var v in versionsBefore.Except(versionsNow))
            if (tx.Delete(php.PoolPath(v, account))) changedVersions.Add(v);
        // nginx: one server block per site.
        foreach (var (primary, site) in a.Sites)
            tx.Write(nginx.ServerBlockPath(primary), ServerBlock(account, a.TenantId, primary, site));
        foreach (var primary in before.Keys.Except(a.Sites.Keys))
            tx.Delete(nginx.ServerBlockPath(primary));
        if (!tx.Changed) return;

        try
        {
            foreach (var v in changedVersions)
            {
                var test = await php.TestAsync(v, ct);
                if (!test.Ok) throw AgentException.ConfigRejected($"php-fpm{v} -t", test.Combined);
            }
            var check = await nginx.TestAsync(ct);
            if (!check.Ok) throw AgentException.ConfigRejected("nginx -t", check.Combined);
        }
        catch
        {
            tx.Rollback();
            throw;
        }
        foreach (var v in changedVersions)
        {
            var expect = versionsNow.Contains(v) ? new[] { php.SocketPath(v, account) } : [];
            var gone = versionsNow.Contains(v) ? [] : new[] { php.SocketPath(v, account) };
            await php.ReloadAsync(v, expect, gone, ct);
        }
        nginx.Reload();
    }

    private static void RestoreSites(AccountState a, Dictionary<string, SiteState> before)
    {
        a.Sites.Clear();
        foreach (var (k, v) in before) a.Sites[k] = v;
    }

    private void RemoveSiteFiles(string primary)
    {
        if (Directory.Exists(AcmeRoot(primary))) Directory.Delete(AcmeRoot(primary), recursive: true);
        if (Directory.Exists(CertDir(primary))) Directory.Delete(CertDir(primary), recursive: true);
    }

    public string ServerBlock(string account, Guid tenantId, string primary, SiteState site)
    {
        var root = DocumentRoot(account, primary);
        var sb = new StringBuilder()
            .AppendLine("# Managed by MPanel agent: rewritten on every change.")
            .AppendLine($"# account {account}, tenant {tenantId}")
            .AppendLine("server {")
            .AppendLine($"    listen {O.HttpListen};");
        if (site.Https)
        {
            sb.AppendLine($"    listen {O.HttpsListen} ssl;")
              .AppendLine($"    ssl_certificate {Path.Combine(CertDir(primary), "fullchain.pem")};")
              .AppendLine($"    ssl_certificate_key {Path.Combine(CertDir(primary), "privkey.pem")};");
        }
        sb.AppendLine($"    server_name {string.Join(' ', site.Aliases.Prepend(primary))};")
          .AppendLine($"    root {root};")
          .AppendLine($"    index {(site.Kind == SiteKind.Php ? "index.php " : "")}index.html index.htm;")
          .AppendLine("    location ^~ /.well-known/acme-challenge/ {")
          .AppendLine($"        root {AcmeRoot(primary)};")
          .AppendLine("        default_type text/plain;")
          .AppendLine("        try_files $uri =404;")
          .AppendLine("    }");
        if (site.Suspended)
        {
            sb.AppendLine("    error_page 503 /mpanel-suspended.html;")
              .AppendLine("    location = /mpanel-suspended.html {")
              .AppendLine($"        root {SuspendDir};")
              .AppendLine("        try_files /suspended.html =503;")
              .AppendLine("        internal;")
              .AppendLine("    }")
              .AppendLine("    location / {")
              .AppendLine("        return 503;")
              .AppendLine("    }");
        }
        else
        {
            sb.AppendLine("    location ~ /\\. {")
              .AppendLine("        deny all;")
              .AppendLine("    }")
              .AppendLine("    location / {")
              .AppendLine("        try_files $uri $uri/ =404;")
              .AppendLine("    }");
            if (site is { Kind: SiteKind.Php, PhpVersion: { } v })
            {
                sb.AppendLine("    location ~ \\.php$ {")
                  .AppendLine("        try_files $uri =404;")
                  .AppendLine($"        include {O.FastcgiParams};")
                  .AppendLine("        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;")
                  .AppendLine($"        fastcgi_pass unix:{php.SocketPath(v, account)};")
                  .AppendLine("    }");
            }
        }
        return sb.AppendLine("}").ToString();
    }

    private SiteResponse ToResponse(string account, string primary, SiteState s) =>
        new(account, primary, s.Aliases, s.Kind, s.PhpVersion, s.Suspended, DocumentRoot(account, primary), s.Https);

    // --------------------------------------------------------------- file system ---

    /// <summary>Creates a folder (or fixes an existing one) with an owner and mode, refusing symbolic links: a hosting
    /// account must not be able to point the agent (root) at a path outside its home.</summary>
    private static void EnsureDir(string path, int uid, int gid, UnixFileMode mode)
    {
        if (Path.Exists(path) && Posix.IsSymlink(path)) throw AgentException.Conflict("A folder of the site is a symbolic link; refusing to touch it.");
        Directory.CreateDirectory(path);
        Posix.Chown(path, uid, gid);
        File.SetUnixFileMode(path, mode);
    }

    private static void RefuseLinks(string home, string path)
    {
        var current = path;
        while (current.Length > home.Length)
        {
            if (Path.Exists(current) && Posix.IsSymlink(current)) throw AgentException.Conflict("A folder of the site is a symbolic link; refusing to touch it.");
            current = Path.GetDirectoryName(current)!;
        }
    }
}
