using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Billing;
using MPanel.Domain.Marketing;
using MPanel.Web.Features.Payments;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>reports/revenue, reports/customers and reports/usage: figures from real orders, payments and refunds, every
/// bucket present, ranges checked with errors that name the field, and only the key's own shop counted.</summary>
public sealed class ReportsTests(MarketingApiFactory factory) : IClassFixture<MarketingApiFactory>
{
    private const string Base = MarketingApiFactory.Base;

    /// <summary>An account, an order of Web Starter paid by bank transfer; returns the invoice total and payment id.</summary>
    private async Task<(decimal Total, Guid PaymentId)> PaidOrderAsync(HttpClient api, Shop shop, string email)
    {
        var customer = await factory.AccountAsync(api, email);
        var order = await (await api.PostAsJsonAsync($"{Base}/orders", new { customerId = customer, items = new[] { new { productId = shop.StarterId, cycle = "Monthly" } } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var invoiceId = order.GetProperty("invoiceId").GetGuid();
        var total = order.GetProperty("total").GetDecimal();
        await factory.InTenantAsync(shop.Tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RecordManualAsync(invoiceId, total, PaymentGatewayKind.BankTransfer, "BANK-" + email));
        var paymentId = await factory.DbAsync(db => db.Payments.Where(p => p.InvoiceId == invoiceId).Select(p => p.Id).SingleAsync());
        return (total, paymentId);
    }

    [Fact]
    public async Task Revenue_SumsPaymentsMinusRefunds_PerDay_WithEveryBucketPresent_AndOnlyThisShop()
    {
        var shop = await factory.ShopAsync("revenue");
        var other = await factory.ShopAsync("revenue-other");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        var (first, _) = await PaidOrderAsync(api, shop, "one@revenue.test");
        var (second, payment) = await PaidOrderAsync(api, shop, "two@revenue.test");
        await factory.InTenantAsync(shop.Tenant.Id, sp => sp.GetRequiredService<PaymentsService>().RefundAsync(payment, 5m, "goodwill"));
        await PaidOrderAsync(factory.ApiClient((await factory.KeyAsync(other.Tenant.Id)).Secret), other, "x@revenue-other.test");

        var today = DateOnly.FromDateTime(factory.Clock.GetUtcNow().UtcDateTime);
        var reader = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.ReportsRead])).Secret);
        var report = await reader.GetFromJsonAsync<JsonElement>($"{Base}/reports/revenue?from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}&bucket=day");
        Assert.Equal("day", report.GetProperty("bucket").GetString());
        Assert.Equal("UTC", report.GetProperty("timeZone").GetString());
        var eur = Assert.Single(report.GetProperty("currencies").EnumerateArray());
        Assert.Equal("EUR", eur.GetProperty("currency").GetString());
        var buckets = eur.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(7, buckets.Count);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => today.AddDays(i - 6).ToString("yyyy-MM-dd")), buckets.Select(b => b.GetProperty("start").GetString()));
        Assert.All(buckets.Take(6), b => Assert.Equal(0m, b.GetProperty("gross").GetDecimal()));
        var last = buckets[^1];
        Assert.Equal(first + second, last.GetProperty("gross").GetDecimal());
        Assert.Equal(5m, last.GetProperty("refunds").GetDecimal());
        Assert.Equal(first + second - 5m, last.GetProperty("net").GetDecimal());
        Assert.Equal(2, last.GetProperty("payments").GetInt32());
        Assert.Equal(first + second - 5m, eur.GetProperty("net").GetDecimal());

        // Months over a year: twelve buckets, first of each month; another currency asked for: present, zero.
        var months = await reader.GetFromJsonAsync<JsonElement>($"{Base}/reports/revenue?from={today.Year}-01-01&to={today.Year}-12-31&bucket=month&currency=usd");
        var usd = Assert.Single(months.GetProperty("currencies").EnumerateArray());
        Assert.Equal("USD", usd.GetProperty("currency").GetString());
        Assert.Equal(12, usd.GetProperty("buckets").GetArrayLength());
        Assert.Equal($"{today.Year}-02-01", usd.GetProperty("buckets")[1].GetProperty("start").GetString());
        Assert.Equal(0m, usd.GetProperty("net").GetDecimal());
        var years = await reader.GetFromJsonAsync<JsonElement>($"{Base}/reports/revenue?from={today.Year - 2}-06-01&to={today:yyyy-MM-dd}&bucket=year");
        var yearBuckets = years.GetProperty("currencies")[0].GetProperty("buckets");
        Assert.Equal(3, yearBuckets.GetArrayLength());
        Assert.Equal(first + second - 5m, yearBuckets[2].GetProperty("net").GetDecimal());
    }

    [Theory]
    [InlineData("bucket=week", "bucket")]
    [InlineData("bucket=day&from=2020-01-01&to=2024-01-01", "to")]
    [InlineData("bucket=month&from=2000-01-01&to=2024-01-01", "to")]
    [InlineData("from=2024-05-01&to=2024-04-01", "from")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2024-13-01", "to")]
    [InlineData("currency=euro", "currency")]
    public async Task Revenue_RefusesBadRanges_With400_NamingTheField(string query, string field)
    {
        var shop = await factory.ShopAsync("ranges-" + field + query.Length);
        var reader = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.ReportsRead])).Secret);
        var response = await reader.GetAsync($"{Base}/reports/revenue?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Customers_GroupsSignupsByUtm_AndCountsThoseWithout()
    {
        var shop = await factory.ShopAsync("signups");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        await factory.AccountAsync(api, "a@signups.test"); // google / cpc / spring
        await factory.AccountAsync(api, "b@signups.test");
        var plain = await api.PostAsJsonAsync($"{Base}/accounts/create", new { firstName = "No", lastName = "Utm", email = "c@signups.test", country = "DE" });
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        var news = await api.PostAsJsonAsync($"{Base}/accounts/create",
            new { firstName = "News", lastName = "Letter", email = "d@signups.test", country = "DE", utm = new { source = "newsletter", medium = "email" } });
        Assert.Equal(HttpStatusCode.Created, news.StatusCode);

        var reader = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.ReportsRead])).Secret);
        var report = await reader.GetFromJsonAsync<JsonElement>($"{Base}/reports/customers");
        Assert.Equal(4, report.GetProperty("signups").GetInt32());
        Assert.Equal(3, report.GetProperty("withUtm").GetInt32());
        Assert.Equal(1, report.GetProperty("withoutUtm").GetInt32());
        var groups = report.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(3, groups.Count);
        Assert.Equal(("google", "cpc", "spring", 2), (groups[0].GetProperty("source").GetString(), groups[0].GetProperty("medium").GetString(),
            groups[0].GetProperty("campaign").GetString(), groups[0].GetProperty("signups").GetInt32()));
        Assert.Contains(groups, g => g.GetProperty("source").GetString() == "newsletter" && g.GetProperty("campaign").ValueKind == JsonValueKind.Null);

        var tomorrow = DateOnly.FromDateTime(factory.Clock.GetUtcNow().UtcDateTime).AddDays(1);
        var none = await reader.GetFromJsonAsync<JsonElement>($"{Base}/reports/customers?from={tomorrow:yyyy-MM-dd}&to={tomorrow:yyyy-MM-dd}");
        Assert.Equal(0, none.GetProperty("signups").GetInt32());
    }

    [Fact]
    public async Task Usage_CountsActiveSubscriptionsPerProduct_AndSumsTheirResources()
    {
        var shop = await factory.ShopAsync("usage");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id)).Secret);
        await PaidOrderAsync(api, shop, "one@usage.test");
        await PaidOrderAsync(api, shop, "two@usage.test");
        var unpaid = await factory.AccountAsync(api, "three@usage.test");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"{Base}/orders",
            new { customerId = unpaid, items = new[] { new { productId = shop.ProId, cycle = "Monthly" } } })).StatusCode); // pending: not in use

        var reader = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, [ApiScopes.ReportsRead])).Secret);
        var report = await reader.GetFromJsonAsync<JsonElement>($"{Base}/reports/usage");
        Assert.Equal(2, report.GetProperty("activeSubscriptions").GetInt32());
        var product = Assert.Single(report.GetProperty("products").EnumerateArray());
        Assert.Equal(shop.StarterId, product.GetProperty("productId").GetGuid());
        Assert.Equal(2, product.GetProperty("activeSubscriptions").GetInt32());
        var resources = report.GetProperty("resources");
        Assert.Equal(2, resources.GetProperty("sites").GetInt32());
        Assert.Equal(2 * 10240, resources.GetProperty("diskMb").GetInt64());
        Assert.Equal(0, resources.GetProperty("mailboxes").GetInt64());
    }

    [Fact]
    public async Task Reports_NeedTheReportsScope()
    {
        var shop = await factory.ShopAsync("report-scope");
        var api = factory.ApiClient((await factory.KeyAsync(shop.Tenant.Id, ApiScopes.All.Where(s => s != ApiScopes.ReportsRead).ToList())).Secret);
        foreach (var report in new[] { "revenue", "customers", "usage" })
            Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"{Base}/reports/{report}")).StatusCode);
    }
}
