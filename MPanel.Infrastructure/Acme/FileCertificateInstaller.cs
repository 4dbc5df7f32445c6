using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MPanel.Domain.Certificates;

namespace MPanel.Infrastructure.Acme;

/// <summary>Writes <c>fullchain.pem</c> and <c>privkey.pem</c> (mode 600) under
/// <c>{Acme:InstallDirectory}/{tenant}/{account}/{domain}/</c>: the stand-in until the agent's install-certificate
/// puts them where nginx reads them. Names are re-validated so nothing escapes the directory.</summary>
public sealed partial class FileCertificateInstaller(IOptions<AcmeOptions> options) : ICertificateInstaller
{
    [GeneratedRegex("^[a-z][a-z0-9]{0,31}$")]
    private static partial Regex AccountName();

    public async Task InstallAsync(CertificateInstallation installation, CancellationToken ct)
    {
        var dir = DirectoryFor(installation.TenantId, installation.AccountName, installation.Domain);
        Directory.CreateDirectory(dir);
        await WriteAtomicallyAsync(Path.Combine(dir, "privkey.pem"), installation.PrivateKeyPem, ct);
        await WriteAtomicallyAsync(Path.Combine(dir, "fullchain.pem"), installation.ChainPem, ct);
    }

    public Task RemoveAsync(Guid tenantId, string accountName, string domain, CancellationToken ct)
    {
        var dir = DirectoryFor(tenantId, accountName, domain);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        return Task.CompletedTask;
    }

    public async Task<string?> GetInstalledSerialAsync(Guid tenantId, string accountName, string domain, CancellationToken ct)
    {
        var file = Path.Combine(DirectoryFor(tenantId, accountName, domain), "fullchain.pem");
        if (!File.Exists(file)) return null;
        using var leaf = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(file, ct)); // the first certificate: the leaf
        return leaf.SerialNumber.ToUpperInvariant();
    }

    private string DirectoryFor(Guid tenantId, string accountName, string domain)
    {
        if (!AccountName().IsMatch(accountName)) throw new ArgumentException($"Invalid account name '{accountName}'.", nameof(accountName));
        if (!Certificate.IsValidName(domain)) throw new ArgumentException($"Invalid domain '{domain}'.", nameof(domain));
        return Path.Combine(Path.GetFullPath(options.Value.InstallDirectory), tenantId.ToString("N"), accountName, domain.Replace('*', '_'));
    }

    private static async Task WriteAtomicallyAsync(string path, string content, CancellationToken ct)
    {
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var stream = new FileStream(temp, fileOptions))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(content.AsMemory(), ct);
        }
        File.Move(temp, path, overwrite: true);
    }
}
