using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Infrastructure.Seeding;

public sealed record DemoLogin(string Role, string Tenant, string Email, string Password);

/// <summary>Demo data for <c>scripts/run</c>: a reseller under the platform, one user per role, a few dozen
/// customers. Seeded once (skipped when the reseller exists); the logins are returned either way for printing.</summary>
public sealed class DemoSeeder(MPanelDbContext db, CrossTenantAccess crossTenant, UserManager<ApplicationUser> users, TimeProvider clock)
{
    public const string Password = "mpanel-demo-2026";
    public const string ResellerSlug = "northwind";

    public static readonly IReadOnlyList<(string Role, bool Reseller, string Email, string Name)> Users =
    [
        (Roles.SuperAdmin, false, "superadmin@mpanel.localhost", "Sofia Lindqvist"),
        (Roles.Admin, false, "admin@mpanel.localhost", "Marcus Okafor"),
        (Roles.BillingManager, false, "billing@mpanel.localhost", "Priya Raman"),
        (Roles.Support, false, "support@mpanel.localhost", "Tomás Herrera"),
        (Roles.Operations, false, "ops@mpanel.localhost", "Hannah Weber"),
        (Roles.Client, false, "client@mpanel.localhost", "Olivia Bennett"),
        (Roles.Reseller, true, "owner@northwind.localhost", "Daniel Novak"),
        (Roles.ResellerStaff, true, "staff@northwind.localhost", "Aiko Tanaka"),
        (Roles.Client, true, "client@northwind.localhost", "Lucas Moreau"),
    ];

    private static readonly string[] FirstNames =
    [
        "Emma", "Liam", "Noah", "Mia", "Elena", "Jonas", "Chloé", "Mateo", "Freya", "Arjun", "Zara", "Luca", "Ingrid", "Kenji",
        "Amara", "Felix", "Nora", "Diego", "Leah", "Oskar", "Yara", "Hugo", "Maya", "Viktor", "Isla", "Rafael", "Sanne", "Theo",
    ];
    private static readonly string[] LastNames =
    [
        "Schneider", "García", "Kowalski", "Dubois", "Rossi", "Jensen", "Nakamura", "Haddad", "Fischer", "Silva", "Andersson",
        "Murphy", "Novák", "Costa", "Van Dijk", "Papadopoulos", "Keller", "Brennan", "Moretti", "Horvat", "Larsen", "Adeyemi",
    ];
    private static readonly string[] Companies =
    [
        "Bluebird Bakery", "Kestrel Legal", "Orchard Dental", "Fjord Outdoor", "Copperleaf Studio", "Harbor Yoga", "Atlas Freight",
        "Lumen Architects", "Pinecrest Vets", "Saffron Kitchen", "Nimbus Analytics", "Quarry Books",
    ];
    private static readonly string[] CountryCodes = ["DE", "NL", "FR", "GB", "US", "ES", "IT", "SE", "PL", "IE", "AT", "DK", "PT", "CA"];

    public async Task<IReadOnlyList<DemoLogin>> SeedAsync(Tenant platform, CancellationToken ct = default)
    {
        using var _ = crossTenant.BeginSystem();
        var reseller = await db.Tenants.FirstOrDefaultAsync(t => t.Slug == ResellerSlug, ct);
        if (reseller is null)
        {
            var now = clock.GetUtcNow();
            reseller = Tenant.CreateReseller(platform, "Northwind Hosting", ResellerSlug, "EUR", now);
            reseller.UpdateBranding(new TenantBranding
            {
                ProductName = "Northwind Cloud", PrimaryColor = "#0f766e", SecondaryColor = "#f59e0b", SupportEmail = "help@northwind.localhost",
            });
            db.Tenants.Add(reseller);
            var random = new Random(2026);
            var platformCustomers = MakeCustomers(platform.Id, 36, random, "example.com", now);
            var resellerCustomers = MakeCustomers(reseller.Id, 14, random, "example.net", now);
            db.Customers.AddRange(platformCustomers);
            db.Customers.AddRange(resellerCustomers);
            await db.SaveChangesAsync(ct);

            foreach (var (role, isReseller, email, name) in Users)
            {
                var tenantId = isReseller ? reseller.Id : platform.Id;
                Guid? customerId = null;
                if (role == Roles.Client)
                {
                    var parts = name.Split(' ');
                    var customer = Customer.Create(new CustomerDetails(parts[0], parts[1], email, null, null, isReseller ? "FR" : "GB"), now);
                    Stamp(customer, tenantId);
                    db.Customers.Add(customer);
                    await db.SaveChangesAsync(ct);
                    customerId = customer.Id;
                }
                var user = new ApplicationUser
                {
                    TenantId = tenantId, UserName = email, Email = email, EmailConfirmed = true, DisplayName = name,
                    CustomerId = customerId, CreatedAt = now,
                };
                await PlatformBootstrapper.Check(users.CreateAsync(user, Password));
                await PlatformBootstrapper.Check(users.AddToRoleAsync(user, role));
            }
        }
        return Users.Select(u => new DemoLogin(u.Role, u.Reseller ? reseller.Name : platform.Name, u.Email, Password)).ToList();
    }

    private List<Customer> MakeCustomers(Guid tenantId, int count, Random random, string domain, DateTimeOffset now)
    {
        var result = new List<Customer>();
        var used = new HashSet<string>();
        while (result.Count < count)
        {
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var email = $"{Ascii(first)}.{Ascii(last)}@{domain}";
            if (!used.Add(email)) continue;
            var company = random.Next(3) == 0 ? Companies[random.Next(Companies.Length)] : null;
            var phone = $"+{random.Next(30, 49)} {random.Next(100, 999)} {random.Next(1000000, 9999999)}";
            var customer = Customer.Create(new CustomerDetails(first, last, email, company, phone, CountryCodes[random.Next(CountryCodes.Length)]),
                now.AddDays(-random.Next(1, 720)).AddMinutes(-random.Next(0, 1440)));
            if (random.Next(12) == 0) customer.ChangeStatus(CustomerStatus.Suspended, now);
            Stamp(customer, tenantId);
            result.Add(customer);
        }
        return result;
    }

    private void Stamp(Customer customer, Guid tenantId) => db.Entry(customer).Property(c => c.TenantId).CurrentValue = tenantId;

    private static string Ascii(string s) =>
        new string(s.Normalize(System.Text.NormalizationForm.FormD).Where(char.IsAsciiLetter).ToArray()).ToLowerInvariant();
}
