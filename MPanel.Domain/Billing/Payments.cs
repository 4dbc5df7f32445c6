using MPanel.Domain.Common;
using MPanel.Domain.Customers;

namespace MPanel.Domain.Billing;

public enum PaymentGatewayKind { Stripe, Credit, BankTransfer, Manual }

public enum PaymentStatus { Pending, Succeeded, Failed }

/// <summary>An attempt to collect money for an invoice. <see cref="IdempotencyKey"/> (unique per tenant) is derived from our
/// ids, and <see cref="GatewayReference"/> (unique) is the gateway's object: the same PaymentIntent is applied once.</summary>
public sealed class Payment : Entity, ITenantOwned
{
    private Payment() { }

    public static Payment Start(Guid tenantId, Invoice invoice, PaymentGatewayKind gateway, decimal amount, string idempotencyKey, string? recordedBy, DateTimeOffset now) => new()
    {
        TenantId = tenantId,
        InvoiceId = invoice.Id,
        CustomerId = invoice.CustomerId,
        Gateway = gateway,
        Amount = amount,
        Currency = invoice.Currency,
        Status = PaymentStatus.Pending,
        IdempotencyKey = idempotencyKey,
        RecordedBy = recordedBy,
        CreatedAt = now,
    };

    public Guid TenantId { get; private set; }
    public Guid InvoiceId { get; private set; }
    public Guid CustomerId { get; private set; }
    public PaymentGatewayKind Gateway { get; private set; }
    public decimal Amount { get; private set; }
    public string Currency { get; private set; } = "";
    public PaymentStatus Status { get; private set; }
    public string IdempotencyKey { get; private set; } = "";
    public string? GatewayReference { get; private set; }
    public string? Reference { get; private set; }
    public string? FailureCode { get; private set; }
    public string? FailureMessage { get; private set; }
    public decimal AmountRefunded { get; private set; }
    public string? RecordedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }

    public void Succeed(string? gatewayReference, string? reference, DateTimeOffset now)
    {
        Status = PaymentStatus.Succeeded;
        GatewayReference = gatewayReference ?? GatewayReference;
        Reference = Text.Clean(reference);
        CompletedAt = now;
    }

    public void Fail(string? gatewayReference, string? code, string? message, DateTimeOffset now)
    {
        Status = PaymentStatus.Failed;
        GatewayReference = gatewayReference ?? GatewayReference;
        FailureCode = code;
        FailureMessage = message is { Length: > 500 } ? message[..500] : message;
        CompletedAt = now;
    }

    public void RecordRefund(decimal amount)
    {
        if (Status != PaymentStatus.Succeeded || amount <= 0 || amount > Amount - AmountRefunded)
            throw ValidationError.For("amount", $"At most {Amount - AmountRefunded:0.00} {Currency} of this payment can be refunded.").ToException();
        AmountRefunded += amount;
    }
}

/// <summary>A refund of (part of) a payment, with the credit note that documents it.</summary>
public sealed class Refund : Entity, ITenantOwned
{
    private Refund() { }

    public Refund(Payment payment, decimal amount, Guid creditNoteId, string reason, string? gatewayReference, string actor, DateTimeOffset at)
    {
        TenantId = payment.TenantId;
        PaymentId = payment.Id;
        InvoiceId = payment.InvoiceId;
        CreditNoteId = creditNoteId;
        Amount = amount;
        Currency = payment.Currency;
        Reason = reason;
        GatewayReference = gatewayReference;
        Actor = actor;
        CreatedAt = at;
    }

    public Guid TenantId { get; private set; }
    public Guid PaymentId { get; private set; }
    public Guid InvoiceId { get; private set; }
    public Guid CreditNoteId { get; private set; }
    public decimal Amount { get; private set; }
    public string Currency { get; private set; } = "";
    public string Reason { get; private set; } = "";
    public string? GatewayReference { get; private set; }
    public string Actor { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
}

public enum CreditEntryKind { Manual, CreditNote, Downgrade, Overpayment, AppliedToInvoice, Reversal }

/// <summary>One movement on a customer's credit balance (positive adds credit). The balance is the sum; applying credit
/// to an invoice writes a negative entry keyed by the invoice, so it happens once.</summary>
public sealed class CreditEntry : Entity, ITenantOwned
{
    private CreditEntry() { }

    public CreditEntry(Guid tenantId, Guid customerId, string currency, decimal amount, CreditEntryKind kind, string description,
        Guid? invoiceId, string? uniqueKey, string actor, DateTimeOffset at)
    {
        if (amount == 0) throw ValidationError.For("amount", "A credit movement cannot be zero.").ToException();
        _ = new Money(amount, currency);
        TenantId = tenantId;
        CustomerId = customerId;
        Currency = currency;
        Amount = amount;
        Kind = kind;
        Description = Text.Clean(description) ?? kind.ToString();
        InvoiceId = invoiceId;
        UniqueKey = uniqueKey;
        Actor = actor;
        CreatedAt = at;
    }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public string Currency { get; private set; } = "";
    public decimal Amount { get; private set; }
    public CreditEntryKind Kind { get; private set; }
    public string Description { get; private set; } = "";
    public Guid? InvoiceId { get; private set; }
    /// <summary>Makes automatic movements idempotent (unique per tenant when set).</summary>
    public string? UniqueKey { get; private set; }
    public string Actor { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>A card saved at the gateway for off-session renewals.</summary>
public sealed class SavedCard : Entity, ITenantOwned
{
    private SavedCard() { }

    public SavedCard(Guid tenantId, Guid customerId, GatewayCard card, bool isDefault, DateTimeOffset at)
    {
        TenantId = tenantId;
        CustomerId = customerId;
        GatewayPaymentMethodId = card.Id;
        Brand = card.Brand;
        Last4 = card.Last4;
        ExpMonth = card.ExpMonth;
        ExpYear = card.ExpYear;
        IsDefault = isDefault;
        CreatedAt = at;
    }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public string GatewayPaymentMethodId { get; private set; } = "";
    public string Brand { get; private set; } = "";
    public string Last4 { get; private set; } = "";
    public int ExpMonth { get; private set; }
    public int ExpYear { get; private set; }
    public bool IsDefault { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public void SetDefault(bool value) => IsDefault = value;
    public bool IsExpired(DateOnly today) => new DateOnly(ExpYear, ExpMonth, 1).AddMonths(1) <= today;
}

/// <summary>A customer's billing details: address for invoices, VAT ID and tax exemption, and the gateway's customer id.
/// Its id is the customer's id.</summary>
public sealed class BillingProfile : Entity, ITenantOwned, IVersioned
{
    private BillingProfile() { }

    public static BillingProfile For(Guid tenantId, Guid customerId) => new() { Id = customerId, TenantId = tenantId };

    public Guid TenantId { get; private set; }
    public Guid CustomerId => Id;
    public string? AddressLine1 { get; private set; }
    public string? AddressLine2 { get; private set; }
    public string? City { get; private set; }
    public string? PostalCode { get; private set; }
    public string? Region { get; private set; }
    public string? VatId { get; private set; }
    public bool TaxExempt { get; private set; }
    public string? GatewayCustomerId { get; private set; }
    public uint Version { get; private set; }

    public void Update(BillingProfileDetails d, string customerCountry)
    {
        var vat = Text.Clean(d.VatId)?.ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        new Validator()
            .Require(Text.Clean(d.AddressLine1) is null or { Length: <= 150 }, "addressLine1", "At most 150 characters.")
            .Require(Text.Clean(d.AddressLine2) is null or { Length: <= 150 }, "addressLine2", "At most 150 characters.")
            .Require(Text.Clean(d.City) is null or { Length: <= 100 }, "city", "At most 100 characters.")
            .Require(Text.Clean(d.PostalCode) is null or { Length: <= 20 }, "postalCode", "At most 20 characters.")
            .Require(Text.Clean(d.Region) is null or { Length: <= 10 }, "region", "Region is a short code such as CA.")
            .Require(!EuVat.IsMember(customerCountry) || EuVat.LooksValid(vat, customerCountry), "vatId",
                $"An EU VAT ID starts with the country prefix ({(customerCountry == "GR" ? "EL" : customerCountry)}) followed by 2 to 13 letters or digits.")
            .Require(vat is null or { Length: <= 20 }, "vatId", "At most 20 characters.")
            .ThrowIfInvalid();
        AddressLine1 = Text.Clean(d.AddressLine1);
        AddressLine2 = Text.Clean(d.AddressLine2);
        City = Text.Clean(d.City);
        PostalCode = Text.Clean(d.PostalCode);
        Region = Text.Clean(d.Region)?.ToUpperInvariant();
        VatId = vat;
        TaxExempt = d.TaxExempt;
    }

    public void LinkGatewayCustomer(string id) => GatewayCustomerId ??= id;

    public IReadOnlyList<string> AddressLines => new[]
    {
        AddressLine1, AddressLine2, string.Join(" ", new[] { PostalCode, City }.Where(x => x is not null)), Region,
    }.Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x!).ToList();
}

public sealed record BillingProfileDetails(string? AddressLine1, string? AddressLine2, string? City, string? PostalCode, string? Region,
    string? VatId, bool TaxExempt);
