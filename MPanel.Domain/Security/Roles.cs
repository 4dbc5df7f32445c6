namespace MPanel.Domain.Security;

public static class Roles
{
    public const string SuperAdmin = nameof(SuperAdmin);
    public const string Admin = nameof(Admin);
    public const string BillingManager = nameof(BillingManager);
    public const string Support = nameof(Support);
    public const string Operations = nameof(Operations);
    public const string Reseller = nameof(Reseller);
    public const string ResellerStaff = nameof(ResellerStaff);
    public const string Client = nameof(Client);

    public static readonly IReadOnlyList<string> All =
        [SuperAdmin, Admin, BillingManager, Support, Operations, Reseller, ResellerStaff, Client];

    /// <summary>Roles that work in the admin UI (everyone but Client).</summary>
    public static bool IsStaff(string role) => role != Client;

    /// <summary>"BillingManager" → "Billing manager".</summary>
    public static string Label(string? role) => role switch
    {
        null or "" => "",
        SuperAdmin => "Super admin",
        BillingManager => "Billing manager",
        ResellerStaff => "Reseller staff",
        _ => role,
    };

    public static string Describe(string role) => role switch
    {
        SuperAdmin => "Platform owner: every tenant and setting",
        Admin => "Runs the business of one tenant",
        BillingManager => "Catalogue, invoices, payments",
        Support => "Customers and their services",
        Operations => "Servers and hosted resources",
        Reseller => "Owner of a reseller tenant",
        ResellerStaff => "Staff of a reseller tenant",
        Client => "A customer in the client area",
        _ => role,
    };

    /// <summary>The roles a user holding <paramref name="actorRole"/> may give to others. Nobody grants a role
    /// above their own, and only the platform grants platform roles.</summary>
    public static IReadOnlyList<string> AssignableBy(string actorRole, bool platformTenant) => actorRole switch
    {
        SuperAdmin when platformTenant => [SuperAdmin, Admin, BillingManager, Support, Operations, Client],
        SuperAdmin or Admin when !platformTenant => [Reseller, ResellerStaff, Client],
        Admin => [Admin, BillingManager, Support, Operations, Client],
        Reseller => [ResellerStaff, Client],
        _ => [],
    };
}
