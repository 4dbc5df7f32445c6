using System.ComponentModel.DataAnnotations;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MPanel.Domain.Common;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Events;
using MPanel.Infrastructure.Health;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Jobs;
using MPanel.Infrastructure.Mail;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Persistence.Interceptors;
using MPanel.Infrastructure.Seeding;
using MPanel.Infrastructure.Tenancy;
using Npgsql;
using StackExchange.Redis;

namespace MPanel.Infrastructure;

public sealed class DatabaseOptions
{
    [Required(ErrorMessage = "ConnectionStrings:Default is required: set the environment variable ConnectionStrings__Default (scripts/run does this for you).")]
    public string? ConnectionString { get; set; }
    public bool MigrateOnStartup { get; set; } = true;
}

public sealed class JobsOptions
{
    public const string Section = "Jobs";
    /// <summary>Run a Hangfire server in this instance (the dashboard and enqueueing work either way).</summary>
    public bool RunServer { get; set; } = true;
    [Range(1, 64)]
    public int WorkerCount { get; set; } = 4;
    public static readonly string[] Queues = ["billing", "provisioning", "backups", "default"];
}

public static class DependencyInjection
{
    public const string HangfireSchema = "hangfire";

    public static IServiceCollection AddMPanelInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Default");
        services.AddOptions<DatabaseOptions>()
            .Configure(o =>
            {
                o.ConnectionString = connectionString;
                o.MigrateOnStartup = configuration.GetValue("Database:MigrateOnStartup", true);
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MailOptions>().Bind(configuration.GetSection(MailOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BootstrapOptions>().Bind(configuration.GetSection(BootstrapOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);

        // One data source per process; an empty connection string still builds so that ValidateOnStart reports it clearly.
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString ?? "Host=invalid"));
        services.AddScoped<CurrentTenant>();
        services.AddScoped<ICurrentTenant>(sp => sp.GetRequiredService<CurrentTenant>());
        services.AddScoped<TenantScopeFactory>();
        services.AddScoped<CrossTenantAccess>();
        services.AddScoped<SessionRegistry>();
        services.AddSingleton<TenantGuardInterceptor>();
        services.AddSingleton<AuditInterceptor>();
        services.AddDbContext<MPanelDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(sp.GetRequiredService<TenantGuardInterceptor>(), sp.GetRequiredService<AuditInterceptor>()));

        // Live events: Redis pub/sub when a Redis connection string is configured, in-process otherwise.
        services.AddSingleton<InProcessLiveEventBus>();
        var redis = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<ILiveEventBus>(sp => sp.GetRequiredService<InProcessLiveEventBus>());
        }
        else
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
            services.AddSingleton<ILiveEventBus, RedisLiveEventBus>();
        }

        services.AddSingleton<IMailer>(sp =>
        {
            var mail = sp.GetRequiredService<IOptions<MailOptions>>();
            return string.IsNullOrWhiteSpace(mail.Value.SmtpHost)
                ? ActivatorUtilities.CreateInstance<PickupDirectoryMailer>(sp)
                : ActivatorUtilities.CreateInstance<SmtpMailer>(sp);
        });

        services.AddDataProtection().SetApplicationName("MPanel").PersistKeysToDbContext<MPanelDbContext>();

        services.AddHangfire((sp, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
            {
                SchemaName = HangfireSchema,
                // Installed by PlatformBootstrapper after the EF migrations, so building the app never touches the database.
                PrepareSchemaIfNecessary = false,
                // Known issues: a short poll interval hammers PostgreSQL; the sliding invisibility timeout keeps
                // long jobs from being picked up twice.
                QueuePollInterval = TimeSpan.FromSeconds(2),
                InvisibilityTimeout = TimeSpan.FromMinutes(5),
                UseSlidingInvisibilityTimeout = true,
                DistributedLockTimeout = TimeSpan.FromMinutes(1),
            }));
        if (configuration.GetValue("Jobs:RunServer", true))
        {
            services.AddHangfireServer((sp, server) =>
            {
                server.Queues = JobsOptions.Queues;
                server.WorkerCount = sp.GetRequiredService<IOptions<JobsOptions>>().Value.WorkerCount;
                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            });
        }
        services.AddScoped<AuditRetentionJob>();

        services.AddScoped<PlatformBootstrapper>();
        services.AddScoped<DemoSeeder>();

        var health = services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgresql", tags: ["ready"]);
        if (!string.IsNullOrWhiteSpace(redis)) health.AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return services;
    }

    /// <summary>Identity with MPanel's rules: OWASP ASVS 5 L2 passwords, lockout 5 → 15 min, PBKDF2 at 210,000 iterations.</summary>
    public static IdentityBuilder AddMPanelIdentityCore(this IServiceCollection services)
    {
        services.Configure<PasswordHasherOptions>(o =>
        {
            o.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            o.IterationCount = PasswordHashing.IterationCount;
        });
        return services.AddIdentityCore<ApplicationUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                // New accounts prove their address first (an invitation's set-password link does that).
                o.SignIn.RequireConfirmedEmail = true;
                o.Password.RequiredLength = PasswordPolicyValidator.MinLength;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 1;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Tokens.AuthenticatorTokenProvider = TotpTokenProvider.Name;
            })
            .AddRoles<ApplicationRole>()
            .AddEntityFrameworkStores<MPanelDbContext>()
            .AddUserStore<MPanelUserStore>()
            .AddTokenProvider<TotpTokenProvider>(TotpTokenProvider.Name)
            .AddPasswordValidator<PasswordPolicyValidator>()
            .AddClaimsPrincipalFactory<MPanelClaimsFactory>()
            .AddDefaultTokenProviders();
    }
}

public static class PasswordHashing
{
    /// <summary>OWASP's figure for PBKDF2-HMAC-SHA512. Older hashes are rehashed at the next sign-in.</summary>
    public const int IterationCount = 210_000;
}
