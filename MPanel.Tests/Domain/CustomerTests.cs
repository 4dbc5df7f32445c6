using MPanel.Domain.Common;
using MPanel.Domain.Customers;

namespace MPanel.Tests.Domain;

public sealed class CustomerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_NormalisesInput()
    {
        var c = Customer.Create(new CustomerDetails("  Marie ", " Curie  ", " Marie.Curie@Sorbonne.EXAMPLE ", "  ", " +33  1 23 45 ", "fr"), Now);
        Assert.Equal("Marie", c.FirstName);
        Assert.Equal("Curie", c.LastName);
        Assert.Equal("marie.curie@sorbonne.example", c.Email);
        Assert.Null(c.Company);
        Assert.Equal("+33 1 23 45", c.Phone);
        Assert.Equal("FR", c.Country);
        Assert.Equal(CustomerStatus.Active, c.Status);
    }

    [Fact]
    public void Create_ReportsEveryInvalidField()
    {
        var ex = Assert.Throws<DomainException>(() =>
            Customer.Create(new CustomerDetails("", "", "nope@", new string('x', 151), "12;DROP", "ZZ"), Now));
        var fields = Assert.IsType<ValidationError>(ex.Error).Fields.Keys;
        Assert.Equal(new[] { "company", "country", "email", "firstName", "lastName", "phone" }, fields.Order().ToArray());
    }

    [Fact]
    public void Closed_CannotBeReactivated()
    {
        var c = Customer.Create(new CustomerDetails("A", "B", "a@b.example", null, null, "DE"), Now);
        c.ChangeStatus(CustomerStatus.Closed, Now);
        var ex = Assert.Throws<DomainException>(() => c.ChangeStatus(CustomerStatus.Active, Now));
        Assert.Equal("customer_closed", ex.Error.Code);
    }

    [Fact]
    public void AddNote_RecordsAuthorAndTime_AndRejectsBlank()
    {
        var c = Customer.Create(new CustomerDetails("A", "B", "a@b.example", null, null, "DE"), Now);
        var note = c.AddNote("  Called about renewal  ", "sam@host.example", Now.AddHours(1));
        Assert.Equal("Called about renewal", note.Text);
        Assert.Equal("sam@host.example", note.Author);
        Assert.Equal(Now.AddHours(1), c.UpdatedAt);
        Assert.Throws<DomainException>(() => c.AddNote("   ", "x", Now));
    }
}
