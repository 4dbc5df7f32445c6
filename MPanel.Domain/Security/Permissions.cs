using System.Collections.Frozen;

namespace MPanel.Domain.Security;

/// <summary>The permission catalogue: resource × action, written "resource.action". Every page and endpoint
/// is guarded by one of these (they double as authorization policy names).</summary>
public static class Permissions
{
    public static class Tenants { public const string Read = "tenants.read"; public const string Manage = "tenants.manage"; }
    public static class Users { public const string Read = "users.read"; public const string Manage = "users.manage"; }
    public static class Customers { public const string Read = "customers.read"; public const string Manage = "customers.manage"; }
    public static class Products { public const string Read = "products.read"; public const string Manage = "products.manage"; }
    public static class Orders { public const string Read = "orders.read"; public const string Manage = "orders.manage"; }
    public static class Invoices { public const string Read = "invoices.read"; public const string Manage = "invoices.manage"; }
    public static class Payments { public const string Read = "payments.read"; public const string Manage = "payments.manage"; }
    public static class Servers { public const string Read = "servers.read"; public const string Manage = "servers.manage"; }
    public static class Services { public const string Read = "services.read"; public const string Manage = "services.manage"; }
    public static class Reports { public const string Read = "reports.read"; }
    public static class Audit { public const string Read = "audit.read"; }
    public static class Jobs { public const string Manage = "jobs.manage"; }
    public static class Settings { public const string Manage = "settings.manage"; }
    public static class ClientArea { public const string Use = "clientarea.use"; }
    public static class Dashboard { public const string Read = "dashboard.read"; }
    /// <summary>Your own account: sessions and devices (every role).</summary>
    public static class Profile { public const string Manage = "profile.manage"; }
    /// <summary>Status incidents: open, update and resolve them.</summary>
    public static class Incidents { public const string Manage = "incidents.manage"; }

    public static readonly IReadOnlyList<string> All = typeof(Permissions).GetNestedTypes()
        .SelectMany(t => t.GetFields())
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    private static readonly FrozenDictionary<string, FrozenSet<string>> ByRole = new Dictionary<string, FrozenSet<string>>
    {
        [Roles.SuperAdmin] = All.Where(p => p != ClientArea.Use).ToFrozenSet(),
        [Roles.Admin] = All.Where(p => p is not (ClientArea.Use or Tenants.Manage or Tenants.Read)).ToFrozenSet(),
        [Roles.BillingManager] = new[]
        {
            Dashboard.Read, Customers.Read, Customers.Manage, Products.Read, Products.Manage, Orders.Read, Orders.Manage,
            Invoices.Read, Invoices.Manage, Payments.Read, Payments.Manage, Reports.Read, Services.Read, Profile.Manage,
        }.ToFrozenSet(),
        [Roles.Support] = new[]
        {
            Dashboard.Read, Customers.Read, Customers.Manage, Products.Read, Orders.Read, Invoices.Read, Payments.Read,
            Services.Read, Services.Manage, Servers.Read, Profile.Manage,
        }.ToFrozenSet(),
        [Roles.Operations] = new[]
        {
            Dashboard.Read, Customers.Read, Servers.Read, Servers.Manage, Services.Read, Services.Manage, Reports.Read, Profile.Manage, Incidents.Manage,
        }.ToFrozenSet(),
        [Roles.Reseller] = new[]
        {
            Dashboard.Read, Users.Read, Users.Manage, Customers.Read, Customers.Manage, Products.Read, Products.Manage,
            Orders.Read, Orders.Manage, Invoices.Read, Invoices.Manage, Payments.Read, Payments.Manage,
            Services.Read, Services.Manage, Reports.Read, Audit.Read, Settings.Manage, Profile.Manage,
        }.ToFrozenSet(),
        [Roles.ResellerStaff] = new[]
        {
            Dashboard.Read, Customers.Read, Customers.Manage, Products.Read, Orders.Read, Invoices.Read, Payments.Read,
            Services.Read, Services.Manage, Profile.Manage,
        }.ToFrozenSet(),
        [Roles.Client] = new[] { ClientArea.Use, Profile.Manage }.ToFrozenSet(),
    }.ToFrozenDictionary();

    public static IReadOnlySet<string> ForRole(string role) =>
        ByRole.TryGetValue(role, out var set) ? set : FrozenSet<string>.Empty;

    public static bool RoleHas(string role, string permission) => ForRole(role).Contains(permission);

    public static bool AnyRoleHas(IEnumerable<string> roles, string permission) => roles.Any(r => RoleHas(r, permission));
}
