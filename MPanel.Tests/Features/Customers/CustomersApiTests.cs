using System.Net;
using MPanel.Domain.Customers;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Customers;

namespace MPanel.Tests.Features.Customers;

public sealed class CustomersApiTests(MPanelFactory factory) : IClassFixture<MPanelFactory>
{
    private async Task<HttpClient> AdminAsync(string name)
    {
        var platform = await factory.PlatformAsync();
        var email = $"{name}@platform.test";
        await factory.CreateUserAsync(platform.Id, email, Roles.Admin);
        return await factory.SignedInAsync(email);
    }

    [Fact]
    public async Task Create_ValidCustomer_IsListedAndAudited()
    {
        var client = await AdminAsync("creator");
        var response = await client.PostJsonAsync("/api/customers", new CustomerDetails("Ada", "Lovelace", "Ada@Analytical.example", "Engines Ltd", "+44 20 7946 0000", "gb"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync<CustomerView>();
        Assert.Equal("ada@analytical.example", created.Email);
        Assert.Equal("GB", created.Country);

        var list = await (await client.GetAsync("/api/customers?search=lovelace")).ReadAsync<Paged<CustomerRow>>();
        Assert.Contains(list.Items, c => c.Id == created.Id);

        var audit = await (await client.GetAsync($"/api/audit?entityType=Customer&search={created.Id}")).Content.ReadAsStringAsync();
        Assert.Contains("Created", audit);
        Assert.Contains("creator@platform.test", audit);
    }

    [Fact]
    public async Task Create_InvalidFields_AnswersProblemDetailsWithEveryFieldAndWritesNothing()
    {
        var client = await AdminAsync("invalid");
        var before = (await (await client.GetAsync("/api/customers")).ReadAsync<Paged<CustomerRow>>()).Total;
        var response = await client.PostJsonAsync("/api/customers", new CustomerDetails("", "X", "not-an-email", null, "call me; maybe", "XX"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        foreach (var field in new[] { "firstName", "email", "phone", "country" }) Assert.Contains($"\"{field}\"", body);
        var after = (await (await client.GetAsync("/api/customers")).ReadAsync<Paged<CustomerRow>>()).Total;
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Create_DuplicateEmail_IsAFieldError()
    {
        var client = await AdminAsync("dup");
        var details = new CustomerDetails("Grace", "Hopper", "grace@navy.example", null, null, "US");
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/customers", details)).StatusCode);
        var again = await client.PostJsonAsync("/api/customers", details with { FirstName = "Other" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("\"email\"", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Update_WithStaleVersion_AnswersConflict()
    {
        var client = await AdminAsync("editor");
        var created = await (await client.PostJsonAsync("/api/customers", new CustomerDetails("Alan", "Turing", "alan@bletchley.example", null, null, "GB"))).ReadAsync<CustomerView>();
        var first = await client.PutJsonAsync($"/api/customers/{created.Id}", new UpdateCustomerRequest("Alan M.", "Turing", created.Email, null, null, "GB", created.Version));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var stale = await client.PutJsonAsync($"/api/customers/{created.Id}", new UpdateCustomerRequest("Alan", "Turing", created.Email, null, null, "GB", created.Version));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var current = await (await client.GetAsync($"/api/customers/{created.Id}")).ReadAsync<CustomerView>();
        Assert.Equal("Alan M.", current.FirstName);
    }

    [Fact]
    public async Task Notes_AndStatus_AreKeptOnTheCustomer()
    {
        var client = await AdminAsync("noter");
        var created = await (await client.PostJsonAsync("/api/customers", new CustomerDetails("Hedy", "Lamarr", "hedy@example.at", null, null, "AT"))).ReadAsync<CustomerView>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"/api/customers/{created.Id}/notes", new AddNoteRequest("Prefers email over phone."))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"/api/customers/{created.Id}/status", new ChangeCustomerStatusRequest(CustomerStatus.Closed))).StatusCode);
        var reopen = await client.PostJsonAsync($"/api/customers/{created.Id}/status", new ChangeCustomerStatusRequest(CustomerStatus.Active));
        Assert.Equal(HttpStatusCode.Conflict, reopen.StatusCode);
        var view = await (await client.GetAsync($"/api/customers/{created.Id}")).ReadAsync<CustomerView>();
        Assert.Equal(CustomerStatus.Closed, view.Status);
        Assert.Equal("Prefers email over phone.", Assert.Single(view.Notes).Text);
        Assert.Equal("noter@platform.test", view.Notes[0].Author);
    }

    [Fact]
    public async Task Support_CanRead_ButBillingCannotSeeAudit_AndClientCannotReadCustomers()
    {
        var platform = await factory.PlatformAsync();
        await factory.CreateUserAsync(platform.Id, "client-reader@platform.test", Roles.Client);
        var clientUser = await factory.SignedInAsync("client-reader@platform.test");
        Assert.Equal(HttpStatusCode.Forbidden, (await clientUser.GetAsync("/api/customers")).StatusCode);

        await factory.CreateUserAsync(platform.Id, "billing-reader@platform.test", Roles.BillingManager);
        var billing = await factory.SignedInAsync("billing-reader@platform.test");
        Assert.Equal(HttpStatusCode.OK, (await billing.GetAsync("/api/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await billing.GetAsync("/api/audit")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_GetsUnauthorizedProblem()
    {
        var response = await factory.NewClient().GetAsync("/api/customers");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
