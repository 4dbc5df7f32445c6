using MPanel.Domain.Security;

namespace MPanel.Tests.Domain;

public sealed class PermissionsTests
{
    [Fact]
    public void Catalogue_IsResourceDotAction_AndEveryPermissionBelongsToSomeRole()
    {
        Assert.True(Permissions.All.Count >= 24);
        Assert.All(Permissions.All, p => Assert.Matches("^[a-z]+\\.[a-z]+$", p));
        Assert.All(Permissions.All, p => Assert.Contains(Roles.All, r => Permissions.RoleHas(r, p)));
        Assert.True(Permissions.All.Select(p => p.Split('.')[0]).Distinct().Count() >= 12);
    }

    [Theory]
    [InlineData(Roles.SuperAdmin, Permissions.Tenants.Manage, true)]
    [InlineData(Roles.Admin, Permissions.Tenants.Read, false)]
    [InlineData(Roles.Admin, Permissions.Jobs.Manage, true)]
    [InlineData(Roles.Operations, Permissions.Jobs.Manage, false)]
    [InlineData(Roles.BillingManager, Permissions.Invoices.Manage, true)]
    [InlineData(Roles.BillingManager, Permissions.Servers.Manage, false)]
    [InlineData(Roles.Support, Permissions.Audit.Read, false)]
    [InlineData(Roles.Reseller, Permissions.Users.Manage, true)]
    [InlineData(Roles.ResellerStaff, Permissions.Users.Read, false)]
    [InlineData(Roles.Client, Permissions.Customers.Read, false)]
    [InlineData(Roles.Client, Permissions.ClientArea.Use, true)]
    public void RoleMap_GrantsWhatTheRoleNeedsAndNoMore(string role, string permission, bool expected) =>
        Assert.Equal(expected, Permissions.RoleHas(role, permission));

    [Fact]
    public void NobodyAssignsARoleAboveTheirOwn()
    {
        Assert.DoesNotContain(Roles.SuperAdmin, Roles.AssignableBy(Roles.Admin, platformTenant: true));
        Assert.Equal(new[] { Roles.ResellerStaff, Roles.Client }, Roles.AssignableBy(Roles.Reseller, platformTenant: false));
        Assert.Empty(Roles.AssignableBy(Roles.Support, platformTenant: true));
        Assert.Empty(Roles.AssignableBy(Roles.Client, platformTenant: true));
        Assert.DoesNotContain(Roles.Admin, Roles.AssignableBy(Roles.SuperAdmin, platformTenant: false));
    }
}
