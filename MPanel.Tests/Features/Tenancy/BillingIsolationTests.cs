using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Security;
using MPanel.Infrastructure.Tenancy;
using MPanel.Tests.Support;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Orders;
using Xunit;

namespace MPanel.Tests.Features.Tenancy;

/// <summary>Billing from the wrong side: a reseller's staff, who may manage billing in their own tenant, try every
/// billing id of the platform tenant — to read, pay, void, refund, suspend or order it — and get 404 each time.</summary>
public sealed class BillingIsolationTests(BillingIsolationTests.Setup t) : IClassFixture<BillingIsolationTests.Setup>
{
    public sealed class Setup : MPanelFactory
    {
        public ProductView Product { get; private set; } = null!;
        public OrderView Order { get; private set; } = null!;
        public Guid SubscriptionId { get; private set; }
        public Guid ResellerCustomerId { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var platform = await PlatformAsync();
            var reseller = await CreateResellerAsync("isolated");
            var customer = await CreateCustomerAsync(platform.Id, "Plat", "Form");
            ResellerCustomerId = (await CreateCustomerAsync(reseller.Id, "Res", "Eller")).Id;
            await CreateUserAsync(reseller.Id, "owner@isolated.test", Roles.Reseller);
            await using var scope = Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(platform.Id, "test");
            Product = await scope.ServiceProvider.GetRequiredService<CatalogService>().CreateProductAsync(new ProductDetails("Platform only", ProductType.SharedHosting,
                null, [], new ProductResources(), ProductVisibility.Public, null, ProvisioningPolicy.OnOrder, [new ProductPrice(BillingCycle.Monthly, "EUR", 9m, 0m)], []));
            Order = await scope.ServiceProvider.GetRequiredService<OrdersService>().PlaceAsync(new PlaceOrder(customer.Id, [new CartLine(Product.Id, BillingCycle.Monthly)]), OrderChannel.Admin);
            SubscriptionId = Order.Items[0].SubscriptionId;
        }
    }

    public static TheoryData<string, string> ForeignRoutes() => new()
    {
        { "GET", "/api/products/{product}" },
        { "PUT", "/api/products/{product}" },
        { "GET", "/api/orders/{order}" },
        { "POST", "/api/orders/{order}/approve" },
        { "POST", "/api/orders/{order}/cancel" },
        { "GET", "/api/invoices/{invoice}" },
        { "GET", "/api/invoices/{invoice}/pdf" },
        { "POST", "/api/invoices/{invoice}/payments" },
        { "POST", "/api/invoices/{invoice}/void" },
        { "POST", "/api/invoices/{invoice}/credit-notes" },
        { "POST", "/api/invoices/{invoice}/resend" },
        { "GET", "/api/subscriptions/{subscription}" },
        { "POST", "/api/subscriptions/{subscription}/suspend" },
        { "POST", "/api/subscriptions/{subscription}/cancel" },
        { "POST", "/api/subscriptions/{subscription}/quote" },
        { "GET", "/api/customers/{customer}/billing" },
    };

    [Theory]
    [MemberData(nameof(ForeignRoutes))]
    public async Task ForeignBillingIds_AreNotFound(string method, string template)
    {
        var client = await t.SignedInAsync("owner@isolated.test");
        var path = template.Replace("{product}", t.Product.Id.ToString()).Replace("{order}", t.Order.Id.ToString())
            .Replace("{invoice}", t.Order.InvoiceId.ToString()).Replace("{subscription}", t.SubscriptionId.ToString())
            .Replace("{customer}", t.Order.CustomerId.ToString());
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
            request.Content = JsonContent.Create(new
            {
                amount = 1m, gateway = "BankTransfer", reference = "stolen", reason = "trying the wrong tenant", atPeriodEnd = false,
                productId = t.Product.Id, cycle = "Monthly", version = 0, name = "x", type = "SharedHosting", prices = Array.Empty<object>(),
            });
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task OrderingAnotherTenantsProduct_IsRefused_AndItsInvoiceIsUntouched()
    {
        var client = await t.SignedInAsync("owner@isolated.test");
        var response = await client.PostAsJsonAsync("/api/orders", new { customerId = t.ResellerCustomerId, items = new[] { new { productId = t.Product.Id, cycle = "Monthly" } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var invoices = await client.GetStringAsync("/api/invoices?pageSize=200");
        Assert.DoesNotContain(t.Order.InvoiceId.ToString()!, invoices);
        var orders = await client.GetStringAsync("/api/orders?pageSize=200");
        Assert.DoesNotContain(t.Order.Id.ToString(), orders);
        var products = await client.GetStringAsync("/api/products?pageSize=200");
        Assert.DoesNotContain(t.Product.Id.ToString(), products);
    }
}
