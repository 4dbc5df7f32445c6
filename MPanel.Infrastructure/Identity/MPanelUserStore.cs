using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using MPanel.Infrastructure.Persistence;

namespace MPanel.Infrastructure.Identity;

/// <summary>Identity's EF store, except that two-factor recovery codes are kept only as SHA-256 hashes (the codes
/// carry about 47 bits of randomness each, so a fast hash is enough) and each is usable once.</summary>
public sealed class MPanelUserStore(MPanelDbContext context, IdentityErrorDescriber? describer = null)
    : UserStore<ApplicationUser, ApplicationRole, MPanelDbContext, Guid>(context, describer)
{
    private const string Provider = "[MPanel]";
    private const string Name = "RecoveryCodeHashes";

    public override Task ReplaceCodesAsync(ApplicationUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        SetTokenAsync(user, Provider, Name, string.Join(';', recoveryCodes.Select(Hash)), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(ApplicationUser user, string code, CancellationToken cancellationToken)
    {
        var hashes = await StoredAsync(user, cancellationToken);
        var given = Convert.FromHexString(Hash(code));
        var match = hashes.FirstOrDefault(h => CryptographicOperations.FixedTimeEquals(Convert.FromHexString(h), given));
        if (match is null) return false;
        await SetTokenAsync(user, Provider, Name, string.Join(';', hashes.Where(h => h != match)), cancellationToken);
        return true;
    }

    public override async Task<int> CountCodesAsync(ApplicationUser user, CancellationToken cancellationToken) =>
        (await StoredAsync(user, cancellationToken)).Count;

    private async Task<List<string>> StoredAsync(ApplicationUser user, CancellationToken ct) =>
        ((await GetTokenAsync(user, Provider, Name, ct)) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static string Hash(string code) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim().Replace("-", "").ToUpperInvariant())));
}
