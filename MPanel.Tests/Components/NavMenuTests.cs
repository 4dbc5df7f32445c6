using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Security;
using MPanel.Web.Components.Layout;
using MudBlazor.Services;

namespace MPanel.Tests.Components;

public sealed class NavMenuTests : BunitContext
{
    public NavMenuTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private IReadOnlyList<string> LinksFor(params string[] roles)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("someone@example.org");
        auth.SetRoles(roles);
        var menu = Render<NavMenu>();
        return menu.FindAll("a.mud-nav-link").Select(a => a.GetAttribute("href")!).ToList();
    }

    [Fact]
    public void SuperAdmin_SeesEverythingButTheClientArea() =>
        Assert.Equal(new[] { "/", "/customers", "/orders", "/invoices", "/subscriptions", "/billing/runs", "/emails", "/support/contact-requests", "/products", "/promo-codes", "/provisioning", "/sites", "/dns", "/domains", "/databases", "/certificates", "/servers", "/tenants", "/users", "/billing/settings", "/settings/api-keys", "/settings/api-activity", "/settings/webhooks", "/status/incidents", "/audit" }, LinksFor(Roles.SuperAdmin));

    [Fact]
    public void Admin_DoesNotSeeTenants() =>
        Assert.Equal(new[] { "/", "/customers", "/orders", "/invoices", "/subscriptions", "/billing/runs", "/emails", "/support/contact-requests", "/products", "/promo-codes", "/provisioning", "/sites", "/dns", "/domains", "/databases", "/certificates", "/servers", "/users", "/billing/settings", "/settings/api-keys", "/settings/api-activity", "/settings/webhooks", "/status/incidents", "/audit" }, LinksFor(Roles.Admin));

    [Fact]
    public void Support_SeesCustomersButNoAdministration() =>
        Assert.Equal(new[] { "/", "/customers", "/orders", "/invoices", "/subscriptions", "/billing/runs", "/emails", "/support/contact-requests", "/products", "/provisioning", "/sites", "/dns", "/domains", "/databases", "/certificates", "/servers" }, LinksFor(Roles.Support));

    [Fact]
    public void Client_SeesOnlyTheClientArea() =>
        Assert.Equal(new[] { "/client" }, LinksFor(Roles.Client));

    [Fact]
    public void EveryLink_IsGuardedByAPermissionFromTheCatalogue() =>
        Assert.All(NavMenu.Groups.SelectMany(g => g.Items), i => Assert.Contains(i.Permission, Permissions.All));
}
