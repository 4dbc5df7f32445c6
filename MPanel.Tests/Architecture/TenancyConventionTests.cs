using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;

namespace MPanel.Tests.Architecture;

public sealed class TenancyConventionTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    [Fact]
    public void EveryEntity_IsTenantOwnedOrGlobal()
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        var offenders = db.Model.GetEntityTypes()
            .Where(t => !t.IsOwned())
            .Select(t => t.ClrType)
            .Where(t => !typeof(ITenantOwned).IsAssignableFrom(t) && !typeof(IGlobalEntity).IsAssignableFrom(t)
                        && !MPanelDbContext.IdentityLinkTypes.Contains(t))
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void EveryTenantOwnedEntity_HasTheNamedTenantFilter()
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        var owned = db.Model.GetEntityTypes().Where(t => typeof(ITenantOwned).IsAssignableFrom(t.ClrType)).ToList();
        Assert.True(owned.Count >= 4);
        Assert.All(owned, t => Assert.NotNull(t.FindDeclaredQueryFilter(MPanelDbContext.TenantFilter)));
    }

    [Fact]
    public void Domain_DependsOnNoFrameworkForIO()
    {
        var references = typeof(Entity).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Npgsql", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithNoTenantResolved_TenantOwnedRowsAreInvisible()
    {
        var platform = await factory.PlatformAsync();
        await factory.CreateCustomerAsync(platform.Id, "Nobody", "Sees");
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        Assert.Equal(0, await db.Customers.CountAsync());
        Assert.Equal(0, await db.Users.CountAsync());
        Assert.True(await db.Customers.IgnoreQueryFilters([MPanelDbContext.TenantFilter]).AnyAsync());
    }
}
