using System.Linq.Expressions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Auditing;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Customers;
using MPanel.Domain.Marketing;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Infrastructure.Persistence;

public sealed class MPanelDbContext(DbContextOptions<MPanelDbContext> options, CurrentTenant tenant)
    : IdentityDbContext<ApplicationUser, ApplicationRole, Guid>(options), IDataProtectionKeyContext
{
    public const string TenantFilter = "Tenant";

    /// <summary>Identity's own join and token tables: reachable only through a user or role, never listed on their own.</summary>
    public static readonly IReadOnlySet<Type> IdentityLinkTypes = new HashSet<Type>
    {
        typeof(IdentityUserRole<Guid>), typeof(IdentityUserClaim<Guid>), typeof(IdentityUserLogin<Guid>),
        typeof(IdentityUserToken<Guid>), typeof(IdentityRoleClaim<Guid>),
        typeof(DataProtectionKey),
    };

    internal CurrentTenant Tenant => tenant;

    // Read by the tenant query filter: EF parameterises these per context instance.
    private Guid? CurrentTenantId => tenant.TenantId;
    private bool CrossTenant => tenant.IsCrossTenant;

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<CustomerNote> CustomerNotes => Set<CustomerNote>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<PlatformSecret> PlatformSecrets => Set<PlatformSecret>();
    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();
    public DbSet<Product> Products => Set<Product>();
    public DbSet<BillingSettings> BillingSettings => Set<BillingSettings>();
    public DbSet<TaxRule> TaxRules => Set<TaxRule>();
    public DbSet<PromoCode> PromoCodes => Set<PromoCode>();
    public DbSet<PromoRedemption> PromoRedemptions => Set<PromoRedemption>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<SubscriptionTransition> SubscriptionTransitions => Set<SubscriptionTransition>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceLine> InvoiceLines => Set<InvoiceLine>();
    public DbSet<DocumentCounter> DocumentCounters => Set<DocumentCounter>();
    public DbSet<Payment> Payments => Set<Payment>();
    public DbSet<Refund> Refunds => Set<Refund>();
    public DbSet<CreditEntry> CreditEntries => Set<CreditEntry>();
    public DbSet<SavedCard> SavedCards => Set<SavedCard>();
    public DbSet<BillingProfile> BillingProfiles => Set<BillingProfile>();
    public DbSet<EmailMessage> EmailMessages => Set<EmailMessage>();
    public DbSet<BillingRun> BillingRuns => Set<BillingRun>();
    public DbSet<GatewayEventRecord> GatewayEvents => Set<GatewayEventRecord>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ApiActivity> ApiActivity => Set<ApiActivity>();
    public DbSet<ApiIdempotencyRecord> ApiIdempotencyRecords => Set<ApiIdempotencyRecord>();
    public DbSet<CustomerAcquisition> CustomerAcquisitions => Set<CustomerAcquisition>();
    public DbSet<ContactRequest> ContactRequests => Set<ContactRequest>();
    public DbSet<Domain.Webhooks.WebhookEndpoint> WebhookEndpoints => Set<Domain.Webhooks.WebhookEndpoint>();
    public DbSet<Domain.Webhooks.WebhookEvent> WebhookOutbox => Set<Domain.Webhooks.WebhookEvent>();
    public DbSet<Domain.Webhooks.WebhookDelivery> WebhookDeliveries => Set<Domain.Webhooks.WebhookDelivery>();
    public DbSet<Domain.Webhooks.WebhookAttempt> WebhookAttempts => Set<Domain.Webhooks.WebhookAttempt>();
    public DbSet<Domain.Incidents.Incident> Incidents => Set<Domain.Incidents.Incident>();
    public DbSet<Domain.Incidents.IncidentUpdate> IncidentUpdates => Set<Domain.Incidents.IncidentUpdate>();
    public DbSet<Domain.DnsZones.DnsZone> DnsZones => Set<Domain.DnsZones.DnsZone>();
    public DbSet<Domain.DnsZones.DnsRecord> DnsRecords => Set<Domain.DnsZones.DnsRecord>();
    public DbSet<Domain.DnsZones.DnsZoneTemplate> DnsZoneTemplates => Set<Domain.DnsZones.DnsZoneTemplate>();
    public DbSet<Domain.Domains.RegisteredDomain> RegisteredDomains => Set<Domain.Domains.RegisteredDomain>();
    public DbSet<Domain.Domains.DomainTask> DomainTasks => Set<Domain.Domains.DomainTask>();
    public DbSet<Domain.Provisioning.ProvisioningTask> ProvisioningTasks => Set<Domain.Provisioning.ProvisioningTask>();
    public DbSet<Domain.Provisioning.ProvisioningStep> ProvisioningSteps => Set<Domain.Provisioning.ProvisioningStep>();
    public DbSet<Domain.Provisioning.ProvisioningDriftRecord> ProvisioningDrift => Set<Domain.Provisioning.ProvisioningDriftRecord>();
    public DbSet<Domain.Provisioning.HostingAccount> HostingAccounts => Set<Domain.Provisioning.HostingAccount>();
    public DbSet<Domain.Provisioning.ServerDriftSummary> ServerDriftSummaries => Set<Domain.Provisioning.ServerDriftSummary>();
    public DbSet<Domain.Servers.Server> Servers => Set<Domain.Servers.Server>();
    public DbSet<Domain.Databases.CustomerDatabase> CustomerDatabases => Set<Domain.Databases.CustomerDatabase>();
    public DbSet<MPanel.Domain.Sites.Site> Sites => Set<MPanel.Domain.Sites.Site>();
    public DbSet<MPanel.Domain.Certificates.Certificate> Certificates => Set<MPanel.Domain.Certificates.Certificate>();
    public DbSet<MPanel.Domain.Certificates.AcmeAccount> AcmeAccounts => Set<MPanel.Domain.Certificates.AcmeAccount>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(MPanelDbContext).Assembly);
        IdentityModel.Configure(builder);

        foreach (var entityType in builder.Model.GetEntityTypes().Where(t => t.BaseType is null))
        {
            if (typeof(ITenantOwned).IsAssignableFrom(entityType.ClrType))
            {
                builder.Entity(entityType.ClrType).HasQueryFilter(TenantFilter, BuildTenantFilter(entityType.ClrType));
                builder.Entity(entityType.ClrType).HasIndex(nameof(ITenantOwned.TenantId));
            }
            // Ids are time-ordered GUIDs made by the entity itself, so a child added to a loaded aggregate is an INSERT.
            if (typeof(Entity).IsAssignableFrom(entityType.ClrType))
                builder.Entity(entityType.ClrType).Property(nameof(Entity.Id)).ValueGeneratedNever();
            if (typeof(IVersioned).IsAssignableFrom(entityType.ClrType))
                builder.Entity(entityType.ClrType).Property(nameof(IVersioned.Version)).IsRowVersion();
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        configuration.Properties<decimal>().HavePrecision(19, 4);
        configuration.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    /// <summary>e => CrossTenant || e.TenantId == CurrentTenantId</summary>
    private LambdaExpression BuildTenantFilter(Type clrType)
    {
        var e = Expression.Parameter(clrType, "e");
        var context = Expression.Constant(this);
        var cross = Expression.Property(context, nameof(CrossTenant));
        var current = Expression.Property(context, nameof(CurrentTenantId));
        var owned = Expression.Convert(Expression.Property(e, nameof(ITenantOwned.TenantId)), typeof(Guid?));
        return Expression.Lambda(Expression.OrElse(cross, Expression.Equal(owned, current)), e);
    }
}
