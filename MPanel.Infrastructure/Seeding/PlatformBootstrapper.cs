using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MPanel.Domain.Security;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Infrastructure.Seeding;

public sealed class BootstrapOptions : IValidatableObject
{
    public const string Section = "Bootstrap";
    public string PlatformName { get; set; } = "MPanel Hosting";
    /// <summary>On a database with no users, creates this SuperAdmin (production's first login). Set both or neither.</summary>
    public string? AdminEmail { get; set; }
    public string? AdminPassword { get; set; }

    public bool CreatesAdmin => !string.IsNullOrWhiteSpace(AdminEmail);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CreatesAdmin && !MPanel.Domain.Common.Text.IsEmail(AdminEmail!.Trim()))
            yield return new ValidationResult("Bootstrap:AdminEmail must be an email address.", [nameof(AdminEmail)]);
        if (CreatesAdmin && string.IsNullOrWhiteSpace(AdminPassword))
            yield return new ValidationResult("Bootstrap:AdminPassword is required when Bootstrap:AdminEmail is set (use an environment variable).", [nameof(AdminPassword)]);
    }
}

/// <summary>Runs at start-up on every instance: applies migrations, then makes sure the roles and the platform
/// tenant exist (and a first SuperAdmin when configured). Idempotent.</summary>
public sealed class PlatformBootstrapper(
    MPanelDbContext db, Npgsql.NpgsqlDataSource dataSource, CrossTenantAccess crossTenant, RoleManager<ApplicationRole> roles, UserManager<ApplicationUser> users,
    IOptions<DatabaseOptions> database, IOptions<BootstrapOptions> options, TimeProvider clock, ILogger<PlatformBootstrapper> logger)
{
    public const string PlatformSlug = "platform";

    public async Task<Tenant> RunAsync(CancellationToken ct = default)
    {
        if (database.Value.MigrateOnStartup)
        {
            await db.Database.MigrateAsync(ct);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            Hangfire.PostgreSql.PostgreSqlObjectsInstaller.Install(connection, DependencyInjection.HangfireSchema);
        }
        using var _ = crossTenant.BeginSystem();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
                await Check(roles.CreateAsync(new ApplicationRole(role)));
        }
        var platform = await db.Tenants.FirstOrDefaultAsync(t => t.Slug == PlatformSlug, ct);
        if (platform is null)
        {
            platform = Tenant.CreatePlatform(options.Value.PlatformName, PlatformSlug, clock.GetUtcNow());
            db.Tenants.Add(platform);
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Created the platform tenant {Name}", platform.Name);
        }
        if (options.Value.CreatesAdmin && !await db.Users.AnyAsync(ct))
        {
            var email = options.Value.AdminEmail!.Trim();
            var password = options.Value.AdminPassword!;
            var admin = new ApplicationUser
            {
                TenantId = platform.Id, UserName = email, Email = email, EmailConfirmed = true,
                DisplayName = "Platform administrator", CreatedAt = clock.GetUtcNow(),
            };
            await Check(users.CreateAsync(admin, password));
            await Check(users.AddToRoleAsync(admin, Roles.SuperAdmin));
            logger.LogInformation("Created the first SuperAdmin {Email}", email);
        }
        return platform;
    }

    internal static async Task Check(Task<IdentityResult> task)
    {
        var result = await task;
        if (!result.Succeeded)
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
