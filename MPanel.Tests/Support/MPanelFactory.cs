using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Customers;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Seeding;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Tests.Support;

/// <summary>MPanel in-process against its own real PostgreSQL database (one per test class). Set
/// <see cref="Kestrel"/> for browser tests, which need a real port.</summary>
public class MPanelFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Password = "correct-horse-battery-staple-42";

    private readonly Dictionary<string, string?> _settings = new();

    public string ConnectionString { get; private set; } = "";
    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), "mpanel-mail-" + Guid.NewGuid().ToString("N")[..8]);
    protected virtual bool Kestrel => false;
    public bool IsKestrel => Kestrel;
    protected virtual bool SeedDemo => false;

    public MPanelFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    private string? _existingDatabase;

    /// <summary>A second instance on another instance's database (scale-out tests): nothing is created or dropped.</summary>
    public MPanelFactory OnDatabaseOf(MPanelFactory other)
    {
        _existingDatabase = other.ConnectionString;
        return this;
    }

    public virtual async Task InitializeAsync()
    {
        ConnectionString = _existingDatabase ?? await TestDatabase.CreateAsync(GetType().Name);
        if (Kestrel)
        {
            UseKestrel(0);
            StartServer();
        }
        else
        {
            _ = Server; // start the host (runs StartupTasks: bootstrap and seeding)
        }
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_existingDatabase is null) await TestDatabase.DropAsync(ConnectionString);
        if (Directory.Exists(MailDirectory)) Directory.Delete(MailDirectory, recursive: true);
    }

    /// <summary>The base address browsers use (Kestrel mode only).</summary>
    public string RootUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("127.0.0.1", "localhost");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Default", ConnectionString);
        builder.UseSetting("Jobs:RunServer", "false");
        builder.UseSetting("Mail:PickupDirectory", MailDirectory);
        builder.UseSetting("Demo:Seed", SeedDemo ? "true" : "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Most tests sign staff in with a password alone; the two-factor tests turn the requirement back on.
        builder.UseSetting("TwoFactor:RequireForStaff", "false");
        // Hundreds of sign-ins come from one (absent) client address and reuse a few accounts: the ordinary test host
        // lifts the rate limits, and Features/Security's tests put the real ones back.
        foreach (var limit in new[]
                 {
                     "SignInPerIpPer15Minutes", "SignInPerAccountPer15Minutes", "ForgotPasswordPerIpPer15Minutes",
                     "ForgotPasswordPerAccountPer15Minutes", "ResetPasswordPerIpPer15Minutes",
                 })
            builder.UseSetting("Security:" + limit, "100000");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    // ---- test data, written through the real services in an explicit system scope ----

    public async Task<T> InSystemScopeAsync<T>(Func<IServiceProvider, MPanelDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        var crossTenant = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>();
        using var _ = crossTenant.BeginSystem();
        return await work(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<MPanelDbContext>());
    }

    public Task<Tenant> PlatformAsync() =>
        InSystemScopeAsync((_, db) => db.Tenants.SingleAsync(t => t.Slug == PlatformBootstrapper.PlatformSlug));

    public async Task<Tenant> CreateResellerAsync(string slug)
    {
        var platform = await PlatformAsync();
        return await InSystemScopeAsync(async (_, db) =>
        {
            var tenant = Tenant.CreateReseller(platform, $"{slug} hosting", slug, "EUR", DateTimeOffset.UtcNow);
            db.Tenants.Add(tenant);
            await db.SaveChangesAsync();
            return tenant;
        });
    }

    public Task<ApplicationUser> CreateUserAsync(Guid tenantId, string email, string role, string password = Password) =>
        InSystemScopeAsync(async (sp, _) =>
        {
            var users = sp.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser
            {
                TenantId = tenantId, Email = email, UserName = email, EmailConfirmed = true, DisplayName = email.Split('@')[0],
                CreatedAt = DateTimeOffset.UtcNow,
            };
            Check(await users.CreateAsync(user, password));
            Check(await users.AddToRoleAsync(user, role));
            return user;
        });

    public Task<Customer> CreateCustomerAsync(Guid tenantId, string first, string last, string? email = null) =>
        InSystemScopeAsync(async (_, db) =>
        {
            var customer = Customer.Create(new CustomerDetails(first, last, email ?? $"{first}.{last}@example.org".ToLowerInvariant(), null, null, "DE"), DateTimeOffset.UtcNow);
            db.Entry(customer).Property(c => c.TenantId).CurrentValue = tenantId;
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            return customer;
        });

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
