using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Infrastructure.Persistence;

/// <summary>For <c>dotnet ef migrations add</c>: builds the model without the web host.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<MPanelDbContext>
{
    public MPanelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MPanelDbContext>()
            .UseNpgsql("Host=localhost;Database=mpanel_design", o => o.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            .Options, new CurrentTenant());
}
