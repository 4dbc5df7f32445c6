using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Incidents;
using MPanel.Domain.Tenants;
using MPanel.Domain.Webhooks;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> b)
    {
        b.ToTable("webhook_endpoints");
        b.Property(e => e.Url).HasMaxLength(WebhookEndpoint.MaxUrlLength);
        b.Property(e => e.Description).HasMaxLength(WebhookEndpoint.MaxDescriptionLength);
        b.Property(e => e.Events).HasMaxLength(1000);
        b.Property(e => e.Secret).HasMaxLength(100);
        b.Property(e => e.PreviousSecret).HasMaxLength(100);
        b.Property(e => e.DisabledReason).HasMaxLength(500);
        b.Ignore(e => e.EventList);
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
        b.HasOne<Tenant>().WithMany().HasForeignKey(e => e.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> b)
    {
        b.ToTable("webhook_outbox");
        b.Property(e => e.Type).HasMaxLength(64);
        b.Property(e => e.Payload).HasColumnType("jsonb");
        // The dispatcher's queue: events not yet fanned out, oldest first.
        b.HasIndex(e => e.CreatedAt).HasFilter("dispatched_at IS NULL").HasDatabaseName("ix_webhook_outbox_pending");
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.ToTable("webhook_deliveries");
        b.Property(d => d.EventType).HasMaxLength(64);
        b.Property(d => d.MessageId).HasMaxLength(64);
        b.Property(d => d.Body).HasColumnType("text");
        b.Property(d => d.LastError).HasMaxLength(WebhookDelivery.MaxErrorLength);
        // Fan-out is idempotent: one delivery per event and endpoint.
        b.HasIndex(d => new { d.EndpointId, d.EventId }).IsUnique();
        b.HasIndex(d => new { d.EndpointId, d.CreatedAt });
        // The sender's queue: due deliveries.
        b.HasIndex(d => d.NextAttemptAt).HasFilter("status IN ('Pending', 'Sending')").HasDatabaseName("ix_webhook_deliveries_due");
        b.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<WebhookEvent>().WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> b)
    {
        b.ToTable("webhook_attempts");
        b.Property(a => a.Url).HasMaxLength(WebhookEndpoint.MaxUrlLength);
        b.Property(a => a.ResponseExcerpt).HasMaxLength(WebhookAttempt.MaxExcerptBytes);
        b.Property(a => a.Error).HasMaxLength(WebhookDelivery.MaxErrorLength);
        b.HasIndex(a => new { a.DeliveryId, a.Number });
        b.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> b)
    {
        b.ToTable("incidents");
        b.Property(i => i.Title).HasMaxLength(Incident.MaxTitleLength);
        b.Property(i => i.Components).HasMaxLength(500);
        b.Property(i => i.CreatedBy).HasMaxLength(256);
        b.Ignore(i => i.ComponentList);
        b.Ignore(i => i.IsOpen);
        b.HasMany(i => i.Updates).WithOne().HasForeignKey(u => u.IncidentId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(i => i.Updates).HasField("_updates").UsePropertyAccessMode(PropertyAccessMode.Field);
        b.HasIndex(i => new { i.TenantId, i.Status, i.CreatedAt });
        b.HasOne<Tenant>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class IncidentUpdateConfiguration : IEntityTypeConfiguration<IncidentUpdate>
{
    public void Configure(EntityTypeBuilder<IncidentUpdate> b)
    {
        b.ToTable("incident_updates");
        b.Property(u => u.Message).HasMaxLength(Incident.MaxMessageLength);
        b.Property(u => u.Author).HasMaxLength(256);
        b.HasIndex(u => new { u.IncidentId, u.At });
    }
}
