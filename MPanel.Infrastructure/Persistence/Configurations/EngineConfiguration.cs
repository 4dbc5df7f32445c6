using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Billing;
using MPanel.Domain.Databases;
using MPanel.Domain.Provisioning;
using MPanel.Domain.Servers;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class ProvisioningTaskConfiguration : IEntityTypeConfiguration<ProvisioningTask>
{
    public void Configure(EntityTypeBuilder<ProvisioningTask> b)
    {
        b.ToTable("provisioning_tasks");
        b.Property(t => t.RequestedBy).HasMaxLength(256);
        b.Property(t => t.Reason).HasMaxLength(500);
        b.Property(t => t.Error).HasMaxLength(2000);
        // One open task per subscription and action: a repeated request finds it instead of adding another.
        b.HasIndex(t => new { t.SubscriptionId, t.Action }).IsUnique()
            .HasFilter("status IN ('Queued', 'Running', 'Failed')").HasDatabaseName("ix_provisioning_tasks_open");
        b.HasIndex(t => new { t.TenantId, t.Status, t.CreatedAt });
        b.HasIndex(t => new { t.SubscriptionId, t.CreatedAt });
        b.HasOne<Subscription>().WithMany().HasForeignKey(t => t.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(t => t.Steps).WithOne().HasForeignKey(s => s.TaskId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(t => t.Steps).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.Ignore(t => t.IsOpen);
        b.Ignore(t => t.Duration);
    }
}

internal sealed class ProvisioningStepConfiguration : IEntityTypeConfiguration<ProvisioningStep>
{
    public void Configure(EntityTypeBuilder<ProvisioningStep> b)
    {
        b.ToTable("provisioning_steps");
        b.Property(s => s.Kind).HasMaxLength(64);
        b.Property(s => s.Title).HasMaxLength(120);
        b.Property(s => s.LastError).HasMaxLength(2000);
        b.HasIndex(s => new { s.TaskId, s.Position }).IsUnique();
        b.Ignore(s => s.IsDone);
    }
}

internal sealed class ProvisioningDriftConfiguration : IEntityTypeConfiguration<ProvisioningDriftRecord>
{
    public void Configure(EntityTypeBuilder<ProvisioningDriftRecord> b)
    {
        b.ToTable("provisioning_drift");
        b.Property(d => d.Kind).HasMaxLength(64);
        b.Property(d => d.Resource).HasMaxLength(300);
        b.Property(d => d.Expected).HasMaxLength(1000);
        b.Property(d => d.Actual).HasMaxLength(1000);
        b.HasIndex(d => new { d.SubscriptionId, d.ResolvedAt });
        b.HasOne<Subscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class HostingAccountConfiguration : IEntityTypeConfiguration<HostingAccount>
{
    public void Configure(EntityTypeBuilder<HostingAccount> b)
    {
        b.ToTable("hosting_accounts");
        b.HasIndex(a => a.SubscriptionId).IsUnique();
        b.HasIndex(a => a.ServerId);
        b.HasOne<Subscription>().WithMany().HasForeignKey(a => a.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Server>().WithMany().HasForeignKey(a => a.ServerId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class ServerDriftSummaryConfiguration : IEntityTypeConfiguration<ServerDriftSummary>
{
    public void Configure(EntityTypeBuilder<ServerDriftSummary> b)
    {
        b.ToTable("server_drift_summaries");
        b.Property(s => s.ServerName).HasMaxLength(120);
        b.HasIndex(s => new { s.ServerId, s.StartedAt });
    }
}

internal sealed class ServerConfiguration : IEntityTypeConfiguration<Server>
{
    public void Configure(EntityTypeBuilder<Server> b)
    {
        b.ToTable("servers");
        b.Property(s => s.Name).HasMaxLength(120);
        b.Property(s => s.Host).HasMaxLength(253);
        b.Property(s => s.Connections).HasJsonConversion();
        b.HasIndex(s => s.Name).IsUnique();
    }
}

internal sealed class CustomerDatabaseConfiguration : IEntityTypeConfiguration<CustomerDatabase>
{
    public void Configure(EntityTypeBuilder<CustomerDatabase> b)
    {
        b.ToTable("customer_databases");
        b.Property(d => d.Name).HasMaxLength(32);
        b.Property(d => d.UserName).HasMaxLength(32);
        // Names are unique per engine across every tenant: they live in one shared database server.
        b.HasIndex(d => new { d.Engine, d.Name }).IsUnique();
        b.HasIndex(d => new { d.Engine, d.UserName }).IsUnique();
        b.HasIndex(d => d.SubscriptionId);
        b.HasIndex(d => d.CustomerId);
        b.HasOne<MPanel.Domain.Customers.Customer>().WithMany().HasForeignKey(d => d.CustomerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Subscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<Server>().WithMany().HasForeignKey(d => d.ServerId).OnDelete(DeleteBehavior.SetNull);
    }
}
