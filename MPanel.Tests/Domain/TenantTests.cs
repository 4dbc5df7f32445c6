using MPanel.Domain.Common;
using MPanel.Domain.Tenants;

namespace MPanel.Tests.Domain;

public sealed class TenantTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Reseller_HangsUnderItsParent()
    {
        var platform = Tenant.CreatePlatform("Host Co", "platform", Now);
        var reseller = Tenant.CreateReseller(platform, "Acme Web", "acme", "usd", Now);
        Assert.Equal(platform.Id, reseller.ParentTenantId);
        Assert.Equal(TenantKind.Reseller, reseller.Kind);
        Assert.Equal("USD", reseller.DefaultCurrency);
    }

    [Theory]
    [InlineData("-acme")]
    [InlineData("acme-")]
    [InlineData("Acme Web")]
    [InlineData("a/b")]
    public void Slug_MustBeUrlSafe(string slug)
    {
        var platform = Tenant.CreatePlatform("Host Co", "platform", Now);
        var ex = Assert.Throws<DomainException>(() => Tenant.CreateReseller(platform, "Acme", slug, "EUR", Now));
        Assert.Contains("slug", Assert.IsType<ValidationError>(ex.Error).Fields.Keys);
    }

    [Fact]
    public void PlatformTenant_CannotBeSuspended()
    {
        var platform = Tenant.CreatePlatform("Host Co", "platform", Now);
        Assert.Throws<DomainException>(() => platform.ChangeStatus(TenantStatus.Suspended));
    }

    [Fact]
    public void SuspendedParent_CannotGetNewResellers()
    {
        var platform = Tenant.CreatePlatform("Host Co", "platform", Now);
        var reseller = Tenant.CreateReseller(platform, "Acme", "acme", "EUR", Now);
        reseller.ChangeStatus(TenantStatus.Suspended);
        Assert.Throws<DomainException>(() => Tenant.CreateReseller(reseller, "Sub", "sub", "EUR", Now));
    }

    [Fact]
    public void Branding_RejectsBadColoursAndScriptUrls()
    {
        var platform = Tenant.CreatePlatform("Host Co", "platform", Now);
        var ex = Assert.Throws<DomainException>(() => platform.UpdateBranding(new TenantBranding
        {
            ProductName = "X Cloud", PrimaryColor = "red", SecondaryColor = "#12345g", LogoUrl = "javascript:alert(1)",
        }));
        Assert.Equal(new[] { "logoUrl", "primaryColor", "secondaryColor" }, Assert.IsType<ValidationError>(ex.Error).Fields.Keys.Order().ToArray());
    }

    [Fact]
    public void Limits_RejectNegativeFiguresFieldByField()
    {
        var reseller = Tenant.CreateReseller(Tenant.CreatePlatform("Host Co", "platform", Now), "Acme", "acme", "EUR", Now);
        var ex = Assert.Throws<DomainException>(() => reseller.SetLimits(new TenantLimits { MaxCustomers = -1, MaxDiskMb = -5 }));
        Assert.Equal(new[] { "maxCustomers", "maxDiskMb" }, Assert.IsType<ValidationError>(ex.Error).Fields.Keys.Order().ToArray());
    }

    [Fact]
    public void Limits_RefuseTheCustomerOrSiteBeyondTheLimitAndAllowUnlimited()
    {
        var reseller = Tenant.CreateReseller(Tenant.CreatePlatform("Host Co", "platform", Now), "Acme", "acme", "EUR", Now);
        reseller.EnsureRoomForCustomer(1000);
        reseller.SetLimits(new TenantLimits { MaxCustomers = 2, MaxSites = 0 });
        reseller.EnsureRoomForCustomer(1);
        var customers = Assert.Throws<DomainException>(() => reseller.EnsureRoomForCustomer(2));
        Assert.Equal("limit_customers", customers.Error.Code);
        Assert.Contains("limit of 2 customers", customers.Error.Message);
        Assert.Equal("limit_sites", Assert.Throws<DomainException>(() => reseller.EnsureRoomForSite(0)).Error.Code);
    }

    [Fact]
    public void Limits_CannotBeSetOnThePlatformTenant()
    {
        var platform = Tenant.CreatePlatform("Host Co", "platform", Now);
        Assert.Equal("platform_tenant", Assert.Throws<DomainException>(() => platform.SetLimits(new TenantLimits { MaxSites = 3 })).Error.Code);
    }
}
