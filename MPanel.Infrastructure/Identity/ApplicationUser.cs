using Microsoft.AspNetCore.Identity;
using MPanel.Domain.Common;

namespace MPanel.Infrastructure.Identity;

/// <summary>A person who signs in. Belongs to one tenant; the login name is the email, unique platform-wide.</summary>
public sealed class ApplicationUser : IdentityUser<Guid>, ITenantOwned
{
    public Guid TenantId { get; set; }
    public string DisplayName { get; set; } = "";
    /// <summary>The customer record this user signs in for (role Client), if any.</summary>
    public Guid? CustomerId { get; set; }
    public bool IsDisabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
    /// <summary>The last TOTP time step accepted for this user; a code of that step or older is refused (no replay).</summary>
    public long? TwoFactorLastStep { get; set; }
}

public sealed class ApplicationRole : IdentityRole<Guid>, IGlobalEntity
{
    public ApplicationRole() { }
    public ApplicationRole(string name) : base(name) { }
}
