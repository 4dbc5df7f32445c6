using Microsoft.Extensions.DependencyInjection;
using MPanel.Infrastructure.Persistence;

namespace MPanel.Infrastructure.Tenancy;

/// <summary>A short unit of work in a fresh DI scope that carries the caller's tenant and actor.
/// Blazor circuits live for hours, so feature services open one of these per operation instead of
/// holding a DbContext; HTTP endpoints and jobs use the same path.</summary>
public sealed class TenantScopeFactory(IServiceScopeFactory scopes, CurrentTenant current)
{
    public TenantScope Create()
    {
        var scope = scopes.CreateAsyncScope();
        current.CopyTo(scope.ServiceProvider.GetRequiredService<CurrentTenant>());
        return new TenantScope(scope);
    }
}

public sealed class TenantScope(AsyncServiceScope scope) : IAsyncDisposable
{
    public IServiceProvider Services => scope.ServiceProvider;
    public MPanelDbContext Db => scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
    public CurrentTenant Tenant => scope.ServiceProvider.GetRequiredService<CurrentTenant>();
    public T Get<T>() where T : notnull => scope.ServiceProvider.GetRequiredService<T>();
    public ValueTask DisposeAsync() => scope.DisposeAsync();
}
