namespace MPanel.Domain.Billing;

/// <summary>Everything a printed invoice or credit note shows, already computed and rounded: the PDF renderer,
/// the printable page and the invoice email all draw from this one record.</summary>
public sealed record InvoiceDocument(
    string Title,                 // "Invoice", "Credit note", "Proforma invoice"
    string? Number,               // null for drafts and proformas
    string Status,
    DateOnly IssueDate,
    DateOnly DueDate,
    string Currency,
    DocumentParty Seller,
    DocumentParty Buyer,
    IReadOnlyList<DocumentLine> Lines,
    IReadOnlyList<DocumentTax> Taxes,
    decimal Subtotal,
    decimal DiscountTotal,
    decimal TaxTotal,
    decimal Total,
    decimal AmountPaid,
    decimal AmountDue,
    bool PricesIncludeTax,
    string? ReverseChargeNote,
    string? Notes,
    DocumentBranding Branding);

public sealed record DocumentParty(string Name, IReadOnlyList<string> AddressLines, string? VatId, string? Email);

public sealed record DocumentLine(string Description, decimal Quantity, decimal UnitPrice, decimal Discount, decimal Net,
    string TaxLabel, decimal Tax, decimal Total, DateOnly? PeriodStart, DateOnly? PeriodEnd);

/// <summary>One tax rate as the invoice shows it: "VAT 21%" on a base of 100.00 is 21.00.</summary>
public sealed record DocumentTax(string Name, decimal Rate, decimal Base, decimal Amount);

/// <summary>The tenant's brand on its documents. Colours are #rrggbb.</summary>
public sealed record DocumentBranding(string ProductName, string PrimaryColor, string? LogoUrl, string? InvoiceHeader,
    string? Footer, string? SupportEmail);
