using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using MPanel.Domain.Common;

namespace MPanel.Infrastructure.Persistence.Interceptors;

/// <summary>Stamps the current tenant on new tenant-owned rows and refuses any write into another tenant.</summary>
public sealed class TenantGuardInterceptor : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Guard(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Guard(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Guard(DbContext? context)
    {
        if (context is not MPanelDbContext db) return;
        var tenant = db.Tenant;
        foreach (var entry in db.ChangeTracker.Entries<ITenantOwned>())
        {
            var property = entry.Property(e => e.TenantId);
            switch (entry.State)
            {
                case EntityState.Added:
                    if (property.CurrentValue == Guid.Empty)
                    {
                        property.CurrentValue = tenant.TenantId
                            ?? throw new TenantViolationException($"Cannot add {entry.Metadata.ClrType.Name}: no tenant is resolved.");
                    }
                    else if (!tenant.IsCrossTenant && property.CurrentValue != tenant.TenantId)
                    {
                        throw new TenantViolationException($"Refused to add {entry.Metadata.ClrType.Name} into another tenant.");
                    }
                    break;
                case EntityState.Modified:
                case EntityState.Deleted:
                    if (property.IsModified && property.OriginalValue != property.CurrentValue)
                        throw new TenantViolationException($"Refused to move {entry.Metadata.ClrType.Name} to another tenant.");
                    if (!tenant.IsCrossTenant && property.OriginalValue != tenant.TenantId)
                        throw new TenantViolationException($"Refused to change {entry.Metadata.ClrType.Name} of another tenant.");
                    break;
            }
        }
    }
}

/// <summary>A programming error: code tried to write across the tenant wall. Never an expected failure.</summary>
public sealed class TenantViolationException(string message) : InvalidOperationException(message);
