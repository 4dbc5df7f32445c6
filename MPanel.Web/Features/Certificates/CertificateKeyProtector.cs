using Microsoft.AspNetCore.DataProtection;

namespace MPanel.Web.Features.Certificates;

/// <summary>Encrypts certificate and ACME account private keys at rest with ASP.NET Data Protection, one purpose per kind
/// of key and per tenant: a key copied into another tenant's row does not decrypt there.</summary>
public sealed class CertificateKeyProtector(IDataProtectionProvider provider)
{
    public const string PrivateKeyPurpose = "MPanel.Certificates.PrivateKey.v1";
    public const string AccountKeyPurpose = "MPanel.Certificates.AcmeAccountKey.v1";

    public string ProtectPrivateKey(Guid tenantId, string pem) => Protector(PrivateKeyPurpose, tenantId).Protect(pem);
    public string UnprotectPrivateKey(Guid tenantId, string protectedPem) => Protector(PrivateKeyPurpose, tenantId).Unprotect(protectedPem);
    public string ProtectAccountKey(Guid tenantId, string pem) => Protector(AccountKeyPurpose, tenantId).Protect(pem);
    public string UnprotectAccountKey(Guid tenantId, string protectedPem) => Protector(AccountKeyPurpose, tenantId).Unprotect(protectedPem);

    private IDataProtector Protector(string purpose, Guid tenantId) => provider.CreateProtector(purpose, tenantId.ToString("N"));
}
