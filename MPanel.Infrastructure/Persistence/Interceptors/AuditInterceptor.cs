using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using MPanel.Domain.Auditing;
using MPanel.Domain.Common;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Interceptors;

/// <summary>Writes an <see cref="AuditEntry"/> for every insert, update and delete in the same transaction
/// (old and new values, secrets redacted), and once the transaction has committed publishes one live event
/// per change so open screens refresh.</summary>
public sealed class AuditInterceptor(ILiveEventBus bus, TimeProvider clock, ILogger<AuditInterceptor> logger) : SaveChangesInterceptor
{
    private static readonly string[] SecretMarkers = ["password", "secret", "token", "securitystamp", "concurrencystamp", "hash", "apikey", "privatekey"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly Dictionary<DbContext, List<LiveEvent>> _pending = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _lock = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        PublishAsync(eventData.Context).GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await PublishAsync(eventData.Context);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Take(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Take(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is not MPanelDbContext db) return;
        var now = clock.GetUtcNow();
        var entries = db.ChangeTracker.Entries()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            .Where(e => e.Entity is not (AuditEntry or Identity.PlatformSecret) && !MPanelDbContext.IdentityLinkTypes.Contains(e.Metadata.ClrType) || e.Metadata.ClrType == typeof(Microsoft.AspNetCore.Identity.IdentityUserRole<Guid>))
            .ToList();
        var events = new List<LiveEvent>();
        foreach (var entry in entries)
        {
            var tenantId = entry.Entity switch
            {
                ITenantOwned owned => owned.TenantId,
                Tenant t => db.Tenant.TenantId ?? t.Id,
                _ => db.Tenant.TenantId,
            };
            if (tenantId is not { } tid || tid == Guid.Empty) continue;
            var action = entry.State switch
            {
                EntityState.Added => AuditActions.Created,
                EntityState.Deleted => AuditActions.Deleted,
                _ => AuditActions.Updated,
            };
            var changes = Describe(entry);
            if (entry.State == EntityState.Modified && changes.Count == 0) continue;
            var kind = entry.Metadata.ClrType.Name switch { "IdentityUserRole`1" => "UserRole", nameof(Identity.ApplicationUser) => "User", nameof(Identity.UserSession) => "Session", var n => n };
            var id = KeyOf(entry);
            if (entry.Entity is not IOperationalRecord)
                db.AuditEntries.Add(new AuditEntry(tid, action, kind, id, JsonSerializer.Serialize(changes, Json), db.Tenant.Actor, now));
            events.Add(new LiveEvent(tid, kind, id, action));
            if (entry.Entity is Tenant tenantRow && tenantRow.Id != tid)
                events.Add(new LiveEvent(tenantRow.Id, kind, id, action));
        }
        lock (_lock) _pending[db] = events;
    }

    private List<LiveEvent>? Take(DbContext? context)
    {
        if (context is null) return null;
        lock (_lock)
        {
            return _pending.Remove(context, out var list) ? list : null;
        }
    }

    private async Task PublishAsync(DbContext? context)
    {
        var events = Take(context);
        if (events is null) return;
        foreach (var e in events.Distinct())
        {
            try
            {
                await bus.PublishAsync(e);
            }
            catch (Exception ex)
            {
                // The change is committed; a lost notice only delays a screen refresh.
                logger.LogWarning(ex, "Could not publish live event {Kind} {Action}", e.Kind, e.Action);
            }
        }
    }

    private static string? KeyOf(EntityEntry entry)
    {
        var key = entry.Metadata.FindPrimaryKey();
        if (key is null) return null;
        return string.Join(",", key.Properties.Select(p => entry.Property(p.Name).CurrentValue?.ToString()));
    }

    private static Dictionary<string, object?> Describe(EntityEntry entry)
    {
        var result = new Dictionary<string, object?>();
        foreach (var property in entry.Properties)
        {
            var name = property.Metadata.Name;
            if (property.Metadata.IsShadowProperty() && name != "UserId" && name != "RoleId") continue;
            if (name is nameof(IVersioned.Version)) continue;
            var secret = SecretMarkers.Any(m => name.Contains(m, StringComparison.OrdinalIgnoreCase));
            object? Show(object? v) => secret ? (v is null ? null : "***") : v;
            switch (entry.State)
            {
                case EntityState.Added:
                    result[name] = new { @new = Show(property.CurrentValue) };
                    break;
                case EntityState.Deleted:
                    result[name] = new { old = Show(property.OriginalValue) };
                    break;
                default:
                    if (property.IsModified && !Equals(property.OriginalValue, property.CurrentValue))
                        result[name] = new { old = Show(property.OriginalValue), @new = Show(property.CurrentValue) };
                    break;
            }
        }
        foreach (var complex in entry.ComplexProperties)
        {
            foreach (var property in complex.Properties)
            {
                var name = $"{complex.Metadata.Name}.{property.Metadata.Name}";
                if (entry.State == EntityState.Added) result[name] = new { @new = property.CurrentValue };
                else if (entry.State == EntityState.Modified && property.IsModified && !Equals(property.OriginalValue, property.CurrentValue))
                    result[name] = new { old = property.OriginalValue, @new = property.CurrentValue };
            }
        }
        return result;
    }
}
