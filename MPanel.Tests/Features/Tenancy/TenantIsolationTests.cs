using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Domain.Tenants;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Persistence.Interceptors;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Audit;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Dashboard;
using MPanel.Web.Features.Users;

namespace MPanel.Tests.Features.Tenancy;

/// <summary>Two tenants side by side; everything built so far is tried from the wrong side.</summary>
public sealed class TenantIsolationTests : IClassFixture<TenantIsolationTests.TwoTenants>
{
    public sealed class TwoTenants : MPanelFactory
    {
        public Tenant Platform { get; private set; } = null!;
        public Tenant Reseller { get; private set; } = null!;
        public Customer PlatformCustomer { get; private set; } = null!;
        public Customer ResellerCustomer { get; private set; } = null!;
        public ApplicationUser PlatformStaff { get; private set; } = null!;
        public ApplicationUser ResellerStaff { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Platform = await PlatformAsync();
            Reseller = await CreateResellerAsync("bluefin");
            PlatformCustomer = await CreateCustomerAsync(Platform.Id, "Platformina", "Onlyhere");
            ResellerCustomer = await CreateCustomerAsync(Reseller.Id, "Resellerio", "Onlythere");
            await CreateUserAsync(Platform.Id, "admin@platform.test", Roles.Admin);
            PlatformStaff = await CreateUserAsync(Platform.Id, "support@platform.test", Roles.Support);
            await CreateUserAsync(Reseller.Id, "owner@bluefin.test", Roles.Reseller);
            ResellerStaff = await CreateUserAsync(Reseller.Id, "staff@bluefin.test", Roles.ResellerStaff);
        }
    }

    private readonly TwoTenants _t;

    public TenantIsolationTests(TwoTenants t) => _t = t;

    [Fact]
    public async Task Lists_ShowOnlyTheirOwnTenant()
    {
        var reseller = await _t.SignedInAsync("owner@bluefin.test");
        var customers = await (await reseller.GetAsync("/api/customers?pageSize=200")).ReadAsync<Paged<CustomerRow>>();
        Assert.Contains(customers.Items, c => c.Id == _t.ResellerCustomer.Id);
        Assert.DoesNotContain(customers.Items, c => c.Id == _t.PlatformCustomer.Id);

        var users = await (await reseller.GetAsync("/api/users?pageSize=200")).ReadAsync<Paged<UserRow>>();
        Assert.All(users.Items, u => Assert.EndsWith("@bluefin.test", u.Email));

        var audit = await (await reseller.GetAsync("/api/audit?pageSize=200")).ReadAsync<Paged<AuditRow>>();
        Assert.DoesNotContain(audit.Items, a => a.EntityId == _t.PlatformCustomer.Id.ToString());

        var dashboard = await (await reseller.GetAsync("/api/dashboard")).ReadAsync<DashboardFigures>();
        Assert.Equal(1, dashboard.Customers);

        var platform = await _t.SignedInAsync("admin@platform.test");
        var platformCustomers = await (await platform.GetAsync("/api/customers?pageSize=200")).ReadAsync<Paged<CustomerRow>>();
        Assert.DoesNotContain(platformCustomers.Items, c => c.Id == _t.ResellerCustomer.Id);
    }

    [Fact]
    public async Task EveryCustomerRoute_AnswersNotFoundForAnotherTenantsId_AndChangesNothing()
    {
        var reseller = await _t.SignedInAsync("owner@bluefin.test");
        var id = _t.PlatformCustomer.Id;
        var responses = new[]
        {
            await reseller.GetAsync($"/api/customers/{id}"),
            await reseller.PutJsonAsync($"/api/customers/{id}", new UpdateCustomerRequest("Hacked", "Name", "x@y.example", null, null, "DE", 0)),
            await reseller.PostJsonAsync($"/api/customers/{id}/status", new ChangeCustomerStatusRequest(CustomerStatus.Closed)),
            await reseller.PostJsonAsync($"/api/customers/{id}/notes", new AddNoteRequest("was here")),
        };
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));

        var admin = await _t.SignedInAsync("admin@platform.test");
        var view = await (await admin.GetAsync($"/api/customers/{id}")).ReadAsync<CustomerView>();
        Assert.Equal("Platformina", view.FirstName);
        Assert.Equal(CustomerStatus.Active, view.Status);
        Assert.Empty(view.Notes);
    }

    [Fact]
    public async Task UserRoutes_AnswerNotFoundForAnotherTenantsUser()
    {
        var reseller = await _t.SignedInAsync("owner@bluefin.test");
        var id = _t.PlatformStaff.Id;
        Assert.Equal(HttpStatusCode.NotFound, (await reseller.PutJsonAsync($"/api/users/{id}/role", new ChangeRoleRequest(Roles.ResellerStaff))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reseller.PostAsync($"/api/users/{id}/disable", null)).StatusCode);
        var stillSignsIn = await _t.SignedInAsync("support@platform.test");
        Assert.Equal(HttpStatusCode.OK, (await stillSignsIn.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task CustomerPage_DoesNotRenderAnotherTenantsCustomer()
    {
        var reseller = await _t.SignedInAsync("owner@bluefin.test");
        var foreign = await reseller.GetStringAsync($"/customers/{_t.PlatformCustomer.Id}");
        Assert.DoesNotContain("Platformina", foreign);
        Assert.Contains("does not exist", foreign);

        var own = await reseller.GetStringAsync($"/customers/{_t.ResellerCustomer.Id}");
        Assert.Contains("Resellerio", own);
    }

    [Fact]
    public async Task Reseller_CannotReachPlatformOnlyApis()
    {
        var reseller = await _t.SignedInAsync("owner@bluefin.test");
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.GetAsync("/api/tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reseller.PostJsonAsync("/api/tenants", new { name = "Evil", slug = "evil", defaultCurrency = "EUR" })).StatusCode);
    }

    [Fact]
    public async Task SaveChangesGuard_RefusesWritesIntoAnotherTenant()
    {
        await using var scope = _t.Services.CreateAsyncScope();
        var current = scope.ServiceProvider.GetRequiredService<CurrentTenant>();
        current.InitializeForJob(_t.Reseller.Id, "isolation-test");
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();

        // Insert with another tenant's id.
        var customer = Customer.Create(new CustomerDetails("Sneaky", "Insert", "sneaky@example.org", null, null, "DE"), DateTimeOffset.UtcNow);
        db.Entry(customer).Property(c => c.TenantId).CurrentValue = _t.Platform.Id;
        db.Customers.Add(customer);
        await Assert.ThrowsAsync<TenantViolationException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();

        // Update a row of another tenant that was attached by hand.
        var foreign = await db.Customers.IgnoreQueryFilters([MPanelDbContext.TenantFilter]).FirstAsync(c => c.Id == _t.PlatformCustomer.Id);
        foreign.ChangeStatus(CustomerStatus.Suspended, DateTimeOffset.UtcNow);
        await Assert.ThrowsAsync<TenantViolationException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();

        // Move an own row to another tenant.
        var own = await db.Customers.FirstAsync(c => c.Id == _t.ResellerCustomer.Id);
        db.Entry(own).Property(c => c.TenantId).CurrentValue = _t.Platform.Id;
        await Assert.ThrowsAsync<TenantViolationException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task NewRows_AreStampedWithTheCurrentTenant()
    {
        var reseller = await _t.SignedInAsync("staff@bluefin.test");
        var created = await (await reseller.PostJsonAsync("/api/customers", new CustomerDetails("Stamped", "Row", "stamped@example.org", null, null, "NL"))).ReadAsync<CustomerView>();
        var tenantId = await _t.InSystemScopeAsync((_, db) => db.Customers.Where(c => c.Id == created.Id).Select(c => c.TenantId).SingleAsync());
        Assert.Equal(_t.Reseller.Id, tenantId);
    }

    [Fact]
    public async Task SwitchingTenant_IsSuperAdminOnly_AndAudited()
    {
        await _t.CreateUserAsync(_t.Platform.Id, "root@platform.test", Roles.SuperAdmin);
        await using var scope = _t.Services.CreateAsyncScope();
        var current = scope.ServiceProvider.GetRequiredService<CurrentTenant>();
        var cross = scope.ServiceProvider.GetRequiredService<CrossTenantAccess>();

        current.InitializeFrom(await PrincipalAsync("admin@platform.test"), "203.0.113.9", "test");
        await Assert.ThrowsAsync<MPanel.Domain.Common.DomainException>(() => cross.SwitchTenantAsync(_t.Reseller.Id, "curious"));

        current.InitializeFrom(await PrincipalAsync("root@platform.test"), "203.0.113.9", "test");
        await cross.SwitchTenantAsync(_t.Reseller.Id, "support ticket 42");
        Assert.Equal(_t.Reseller.Id, current.TenantId);
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        Assert.Equal(1, await db.Customers.CountAsync(c => c.Id == _t.ResellerCustomer.Id));

        var audited = await _t.InSystemScopeAsync((_, d) => d.AuditEntries
            .Where(a => a.TenantId == _t.Platform.Id && a.Action == "CrossTenantAccess").Select(a => a.Changes).ToListAsync());
        Assert.Contains(audited, c => c!.Contains("support ticket 42"));
    }

    private async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync(string email)
    {
        return await _t.InSystemScopeAsync(async (sp, db) =>
        {
            var user = await db.Users.SingleAsync(u => u.Email == email);
            var factory = sp.GetRequiredService<Microsoft.AspNetCore.Identity.IUserClaimsPrincipalFactory<ApplicationUser>>();
            return await factory.CreateAsync(user);
        });
    }
}
