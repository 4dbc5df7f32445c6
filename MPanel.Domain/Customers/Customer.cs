using MPanel.Domain.Common;

namespace MPanel.Domain.Customers;

public enum CustomerStatus { Active, Suspended, Closed }

public sealed class Customer : Entity, ITenantOwned, IVersioned
{
    private readonly List<CustomerNote> _notes = [];

    private Customer() { }

    public Guid TenantId { get; private set; }
    public string FirstName { get; private set; } = "";
    public string LastName { get; private set; } = "";
    public string Email { get; private set; } = "";
    public string? Company { get; private set; }
    public string? Phone { get; private set; }
    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    public string Country { get; private set; } = "";
    public CustomerStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint Version { get; private set; }
    public IReadOnlyList<CustomerNote> Notes => _notes;

    public string DisplayName => Company is null ? $"{FirstName} {LastName}" : $"{FirstName} {LastName} ({Company})";

    public static Customer Create(CustomerDetails details, DateTimeOffset now)
    {
        var clean = details.Validated();
        return new Customer
        {
            FirstName = clean.FirstName,
            LastName = clean.LastName,
            Email = clean.Email,
            Company = clean.Company,
            Phone = clean.Phone,
            Country = clean.Country,
            Status = CustomerStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public void UpdateDetails(CustomerDetails details, DateTimeOffset now)
    {
        var clean = details.Validated();
        FirstName = clean.FirstName;
        LastName = clean.LastName;
        Email = clean.Email;
        Company = clean.Company;
        Phone = clean.Phone;
        Country = clean.Country;
        UpdatedAt = now;
    }

    public void ChangeStatus(CustomerStatus status, DateTimeOffset now)
    {
        if (Status == status) return;
        if (Status == CustomerStatus.Closed)
            throw new ConflictError("customer_closed", "A closed customer cannot be reactivated; create a new customer instead.").ToException();
        Status = status;
        UpdatedAt = now;
    }

    public CustomerNote AddNote(string text, string author, DateTimeOffset now)
    {
        var clean = text?.Trim();
        new Validator().Require(clean is { Length: >= 1 and <= 4000 }, "text", "A note must be 1 to 4000 characters.").ThrowIfInvalid();
        var note = new CustomerNote(Id, TenantId, clean!, author, now);
        _notes.Add(note);
        UpdatedAt = now;
        return note;
    }
}

public sealed class CustomerNote : Entity, ITenantOwned
{
    private CustomerNote() { }

    internal CustomerNote(Guid customerId, Guid tenantId, string text, string author, DateTimeOffset at)
    {
        CustomerId = customerId;
        TenantId = tenantId;
        Text = text;
        Author = author;
        CreatedAt = at;
    }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public string Text { get; private set; } = "";
    public string Author { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>The editable details of a customer, as a form or an API body sends them.</summary>
public sealed record CustomerDetails(string FirstName, string LastName, string Email, string? Company, string? Phone, string Country)
{
    public CustomerDetails Validated()
    {
        var first = Text.Clean(FirstName);
        var last = Text.Clean(LastName);
        var email = Email?.Trim();
        var country = Country?.Trim().ToUpperInvariant();
        var phone = Text.Clean(Phone);
        new Validator()
            .Require(first is { Length: >= 1 and <= 100 }, "firstName", "First name is required (up to 100 characters).")
            .Require(last is { Length: >= 1 and <= 100 }, "lastName", "Last name is required (up to 100 characters).")
            .Require(Text.IsEmail(email), "email", "Enter a valid email address.")
            .Require(Text.Clean(Company) is null or { Length: <= 150 }, "company", "Company is at most 150 characters.")
            .Require(phone is null || (phone.Length <= 32 && phone.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.')), "phone", "Phone may contain digits, spaces and + - ( ) . only.")
            .Require(country is not null && Countries.IsKnown(country), "country", "Choose a country.")
            .ThrowIfInvalid();
        return new CustomerDetails(first!, last!, Text.NormalizeEmail(email!), Text.Clean(Company), phone, country!);
    }
}
