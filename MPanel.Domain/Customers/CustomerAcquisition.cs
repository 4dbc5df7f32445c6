using MPanel.Domain.Common;

namespace MPanel.Domain.Customers;

/// <summary>Where a customer came from when they signed up: the channel and the UTM parameters of the visit (orders keep
/// their own UTM fields; this is the signup's). One row per customer, written with the customer.</summary>
public sealed class CustomerAcquisition : Entity, ITenantOwned
{
    public const int MaxFieldLength = 100;
    public const int MaxReferrerLength = 500;

    private CustomerAcquisition() { }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    /// <summary>How the account was made: "api" (the marketing website), "admin", "client-area".</summary>
    public string Channel { get; private set; } = "";
    public string? UtmSource { get; private set; }
    public string? UtmMedium { get; private set; }
    public string? UtmCampaign { get; private set; }
    public string? UtmTerm { get; private set; }
    public string? UtmContent { get; private set; }
    public string? Referrer { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public static CustomerAcquisition Record(Guid tenantId, Guid customerId, string channel, AcquisitionDetails details, DateTimeOffset now)
    {
        var clean = details.Validated();
        return new CustomerAcquisition
        {
            TenantId = tenantId,
            CustomerId = customerId,
            Channel = channel,
            UtmSource = clean.Source,
            UtmMedium = clean.Medium,
            UtmCampaign = clean.Campaign,
            UtmTerm = clean.Term,
            UtmContent = clean.Content,
            Referrer = clean.Referrer,
            CreatedAt = now,
        };
    }
}

/// <summary>UTM parameters and referrer as a signup form sends them.</summary>
public sealed record AcquisitionDetails(string? Source = null, string? Medium = null, string? Campaign = null, string? Term = null,
    string? Content = null, string? Referrer = null)
{
    public static readonly AcquisitionDetails None = new();

    public AcquisitionDetails Validated()
    {
        var v = new Validator();
        string? Field(string? value, string name, int max)
        {
            var clean = Text.Clean(value);
            v.Require(clean is null || clean.Length <= max, name, $"At most {max} characters.");
            return clean;
        }
        var result = new AcquisitionDetails(
            Field(Source, "utm.source", CustomerAcquisition.MaxFieldLength), Field(Medium, "utm.medium", CustomerAcquisition.MaxFieldLength),
            Field(Campaign, "utm.campaign", CustomerAcquisition.MaxFieldLength), Field(Term, "utm.term", CustomerAcquisition.MaxFieldLength),
            Field(Content, "utm.content", CustomerAcquisition.MaxFieldLength), Field(Referrer, "referrer", CustomerAcquisition.MaxReferrerLength));
        v.ThrowIfInvalid();
        return result;
    }
}
