using MPanel.Domain.Common;

namespace MPanel.Domain.Billing;

public enum InvoiceKind { Invoice, CreditNote }

/// <summary>Draft: editable, no number. Proforma: payable, no number (numbered when paid). Open: final and numbered,
/// awaiting payment. Paid. Void: cancelled, keeps its number. Issued: a final credit note.</summary>
public enum InvoiceStatus { Draft, Proforma, Open, Paid, Void, Issued }

public enum InvoiceLineKind { Product, SetupFee, Option, Renewal, Proration, LateFee, Adjustment }

/// <summary>The buyer as the document shows them, frozen when the document is made.</summary>
public sealed record BuyerSnapshot(string Name, string Email, string Country, IReadOnlyList<string> AddressLines, string? VatId);

/// <summary>One rate on the invoice's tax breakdown.</summary>
public sealed record InvoiceTax(string Name, decimal Rate, decimal Base, decimal Amount);

public sealed record InvoiceLineInput(InvoiceLineKind Kind, string Description, decimal Quantity, decimal UnitPrice, decimal Discount = 0m,
    Guid? ProductId = null, Guid? SubscriptionId = null, DateOnly? PeriodStart = null, DateOnly? PeriodEnd = null);

/// <summary>An invoice or a credit note. Totals are sums of lines rounded once each (see <see cref="TaxCalculator"/>);
/// a final number comes from the tenant's locked counter when the document is finalised.</summary>
public sealed class Invoice : Entity, ITenantOwned, IVersioned
{
    private readonly List<InvoiceLine> _lines = [];

    private Invoice() { }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public InvoiceKind Kind { get; private set; }
    public InvoiceStatus Status { get; private set; }
    public string? Number { get; private set; }
    public DateOnly IssueDate { get; private set; }
    public DateOnly DueDate { get; private set; }
    public string Currency { get; private set; } = "";
    public BuyerSnapshot Buyer { get; private set; } = null!;
    public bool ReverseCharge { get; private set; }
    public bool PricesIncludeTax { get; private set; }
    public decimal Subtotal { get; private set; }
    public decimal DiscountTotal { get; private set; }
    public decimal TaxTotal { get; private set; }
    public decimal Total { get; private set; }
    public decimal AmountPaid { get; private set; }
    public decimal AmountRefunded { get; private set; }
    public decimal AmountCredited { get; private set; }
    public List<InvoiceTax> Taxes { get; private set; } = [];
    public Guid? OrderId { get; private set; }
    /// <summary>With <see cref="RenewalPeriodStart"/>, the unique key that makes renewal invoicing idempotent.</summary>
    public Guid? SubscriptionId { get; private set; }
    public DateOnly? RenewalPeriodStart { get; private set; }
    /// <summary>For a credit note: the invoice it credits.</summary>
    public Guid? OriginalInvoiceId { get; private set; }
    public bool LateFeeApplied { get; private set; }
    public string? Notes { get; private set; }
    public string? VoidReason { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? FinalisedAt { get; private set; }
    public DateTimeOffset? PaidAt { get; private set; }
    public DateTimeOffset? VoidedAt { get; private set; }
    public uint Version { get; private set; }
    public IReadOnlyList<InvoiceLine> Lines => _lines;

    public decimal AmountDue => Kind == InvoiceKind.CreditNote || Status is InvoiceStatus.Void or InvoiceStatus.Draft ? 0m : Total - AmountPaid;
    public bool IsPayable => Kind == InvoiceKind.Invoice && Status is InvoiceStatus.Open or InvoiceStatus.Proforma && AmountDue > 0;
    public DocumentSeries Series => Kind == InvoiceKind.CreditNote ? DocumentSeries.CreditNote : DocumentSeries.Invoice;

    public static Invoice Create(Guid tenantId, Guid customerId, string currency, BuyerSnapshot buyer, TaxContext tax, DateOnly issueDate,
        DateOnly dueDate, DateTimeOffset now, Guid? orderId = null, string? notes = null)
    {
        _ = new Money(0m, currency);
        if (dueDate < issueDate)
            throw ValidationError.For("dueDate", "The due date cannot be before the issue date.").ToException();
        return new Invoice
        {
            TenantId = tenantId,
            CustomerId = customerId,
            Kind = InvoiceKind.Invoice,
            Status = InvoiceStatus.Draft,
            Currency = currency,
            Buyer = buyer,
            ReverseCharge = tax.ReverseCharge,
            PricesIncludeTax = tax.PricesIncludeTax,
            IssueDate = issueDate,
            DueDate = dueDate,
            OrderId = orderId,
            Notes = Text.Clean(notes),
            CreatedAt = now,
        };
    }

    /// <summary>A credit note for (part of) a paid or open invoice; lines are positive amounts being credited.</summary>
    public static Invoice CreateCreditNote(Invoice original, IReadOnlyList<InvoiceLineInput> lines, TaxContext tax, string reason, DateOnly today, DateTimeOffset now)
    {
        if (original.Kind != InvoiceKind.Invoice || original.Number is null || original.Status == InvoiceStatus.Void)
            throw new ConflictError("not_creditable", "Only a final invoice can be credited.").ToException();
        var note = new Invoice
        {
            TenantId = original.TenantId,
            CustomerId = original.CustomerId,
            Kind = InvoiceKind.CreditNote,
            Status = InvoiceStatus.Draft,
            Currency = original.Currency,
            Buyer = original.Buyer,
            ReverseCharge = original.ReverseCharge,
            PricesIncludeTax = original.PricesIncludeTax,
            IssueDate = today,
            DueDate = today,
            OriginalInvoiceId = original.Id,
            Notes = Text.Clean(reason) ?? $"Credit for invoice {original.Number}",
            CreatedAt = now,
        };
        foreach (var line in lines) note.AddLine(line, tax);
        if (note.Total + original.AmountCredited > original.Total)
            throw ValidationError.For("amount", $"At most {original.Total - original.AmountCredited:0.00} {original.Currency} of this invoice can still be credited.").ToException();
        original.AmountCredited += note.Total;
        return note;
    }

    public void MarkRenewalOf(Guid subscriptionId, DateOnly periodStart)
    {
        SubscriptionId = subscriptionId;
        RenewalPeriodStart = periodStart;
    }

    public void LinkSubscription(Guid subscriptionId) => SubscriptionId ??= subscriptionId;

    public InvoiceLine AddLine(InvoiceLineInput input, TaxContext tax)
    {
        if (Status is not (InvoiceStatus.Draft))
            throw new ConflictError("invoice_final", "Lines can only be added to a draft.").ToException();
        var description = Text.Clean(input.Description);
        new Validator()
            .Require(description is { Length: >= 1 and <= 500 }, "description", "Each line needs a description (up to 500 characters).")
            .Require(input.Quantity is > 0 and <= 100_000, "quantity", "Quantity must be positive.")
            .Require(decimal.Round(input.UnitPrice, 4) == input.UnitPrice && Math.Abs(input.UnitPrice) <= 100_000_000, "unitPrice", "Unit price has at most four decimals.")
            .Require(input.Discount >= 0 && input.Discount <= Math.Max(0, input.Quantity * input.UnitPrice), "discount", "A discount is between zero and the line amount.")
            .ThrowIfInvalid();
        var amount = input.Quantity * input.UnitPrice - input.Discount;
        var lineTax = TaxCalculator.ForLine(amount, Currency, tax.ApplicableRules, tax.PricesIncludeTax);
        var line = new InvoiceLine(this, _lines.Count + 1, input with { Description = description! }, lineTax,
            decimal.Round(input.Discount, Money.MinorUnits(Currency), MidpointRounding.ToEven));
        _lines.Add(line);
        Recalculate();
        return line;
    }

    public void RemoveLine(Guid lineId)
    {
        if (Status != InvoiceStatus.Draft)
            throw new ConflictError("invoice_final", "Lines can only be removed from a draft.").ToException();
        _lines.RemoveAll(l => l.Id == lineId);
        Recalculate();
    }

    private void Recalculate()
    {
        Subtotal = _lines.Sum(l => l.Net);
        DiscountTotal = _lines.Sum(l => l.Discount);
        TaxTotal = _lines.Sum(l => l.Tax);
        Total = _lines.Sum(l => l.Total);
        Taxes = _lines.SelectMany(l => l.TaxParts.Select(p => (l.Net, p)))
            .GroupBy(x => (x.p.Name, x.p.Rate))
            .Select(g => new InvoiceTax(g.Key.Name, g.Key.Rate, g.Sum(x => x.p.Base ?? x.Net), g.Sum(x => x.p.Amount)))
            .OrderBy(t => t.Name, StringComparer.Ordinal).ThenBy(t => t.Rate).ToList();
    }

    /// <summary>Payable without a final number (the number comes with payment).</summary>
    public void IssueAsProforma(DateTimeOffset now)
    {
        RequireStatus(InvoiceStatus.Draft);
        RequireLines();
        Status = InvoiceStatus.Proforma;
        FinalisedAt = now;
    }

    /// <summary>Gives the document its final number. The caller takes the number from the locked counter in the same
    /// transaction. A zero invoice is paid at once; a credit note is issued.</summary>
    public void Finalise(string number, DateTimeOffset now)
    {
        if (Status is not (InvoiceStatus.Draft or InvoiceStatus.Proforma))
            throw new ConflictError("invoice_final", "This document is already final.").ToException();
        RequireLines();
        Number = number;
        FinalisedAt ??= now;
        if (Kind == InvoiceKind.CreditNote) Status = InvoiceStatus.Issued;
        else if (Status == InvoiceStatus.Draft) Status = Total - AmountPaid <= 0 ? InvoiceStatus.Paid : InvoiceStatus.Open;
        if (Status == InvoiceStatus.Paid) PaidAt ??= now;
    }

    /// <summary>Records money received. Returns true when this payment settles the invoice.</summary>
    public bool ApplyPayment(decimal amount, DateTimeOffset now)
    {
        if (!IsPayable)
            throw new ConflictError("invoice_not_payable", Status == InvoiceStatus.Paid ? "This invoice is already paid." : $"A {Status.ToString().ToLowerInvariant()} invoice cannot be paid.").ToException();
        if (amount <= 0 || amount > AmountDue)
            throw ValidationError.For("amount", $"Enter an amount between 0 and {AmountDue:0.00} {Currency}.").ToException();
        AmountPaid += amount;
        if (AmountDue > 0) return false;
        if (Status == InvoiceStatus.Open) Status = InvoiceStatus.Paid;
        PaidAt = now;
        return true;
    }

    /// <summary>A proforma that has been paid in full, waiting for its number.</summary>
    public bool NeedsNumberAfterPayment => Status == InvoiceStatus.Proforma && AmountPaid >= Total && Total > 0;

    public void CompleteProformaPayment(string number, DateTimeOffset now)
    {
        if (!NeedsNumberAfterPayment) throw new ConflictError("not_proforma", "Only a paid proforma gets its number on payment.").ToException();
        Number = number;
        Status = InvoiceStatus.Paid;
        PaidAt ??= now;
    }

    public void RecordRefund(decimal amount)
    {
        if (amount <= 0 || amount > AmountPaid - AmountRefunded)
            throw ValidationError.For("amount", $"At most {AmountPaid - AmountRefunded:0.00} {Currency} can be refunded.").ToException();
        AmountRefunded += amount;
    }

    public void Void(string reason, DateTimeOffset now)
    {
        if (Kind != InvoiceKind.Invoice || Status is InvoiceStatus.Paid or InvoiceStatus.Void)
            throw new ConflictError("invoice_not_voidable", "Only an unpaid invoice can be voided; credit a paid one instead.").ToException();
        if (AmountPaid > 0)
            throw new ConflictError("invoice_partly_paid", "This invoice has payments; refund or credit them first.").ToException();
        var clean = Text.Clean(reason);
        new Validator().Require(clean is { Length: >= 3 and <= 500 }, "reason", "Say why the invoice is voided (3 to 500 characters).").ThrowIfInvalid();
        Status = InvoiceStatus.Void;
        VoidReason = clean;
        VoidedAt = now;
        // A voided renewal frees its period, so the next billing run can invoice it correctly.
        RenewalPeriodStart = null;
    }

    public void AddLateFee(string description, decimal amount, TaxContext tax)
    {
        if (LateFeeApplied || Status != InvoiceStatus.Open) return;
        var line = TaxCalculator.ForLine(amount, Currency, tax.ApplicableRules, tax.PricesIncludeTax);
        _lines.Add(new InvoiceLine(this, _lines.Count + 1, new InvoiceLineInput(InvoiceLineKind.LateFee, description, 1, amount), line, 0m));
        Recalculate();
        LateFeeApplied = true;
    }

    private void RequireStatus(InvoiceStatus status)
    {
        if (Status != status) throw new ConflictError("invoice_state", $"The invoice is {Status.ToString().ToLowerInvariant()}.").ToException();
    }

    private void RequireLines()
    {
        if (_lines.Count == 0) throw new ConflictError("invoice_empty", "An invoice needs at least one line.").ToException();
    }
}

public sealed class InvoiceLine : Entity, ITenantOwned
{
    private InvoiceLine() { }

    internal InvoiceLine(Invoice invoice, int position, InvoiceLineInput input, LineTax tax, decimal discount)
    {
        InvoiceId = invoice.Id;
        TenantId = invoice.TenantId;
        Position = position;
        Kind = input.Kind;
        Description = input.Description;
        Quantity = input.Quantity;
        UnitPrice = input.UnitPrice;
        Discount = discount;
        Net = tax.Net;
        Tax = tax.Tax;
        Total = tax.Total;
        TaxParts = [.. tax.Parts];
        ProductId = input.ProductId;
        SubscriptionId = input.SubscriptionId;
        PeriodStart = input.PeriodStart;
        PeriodEnd = input.PeriodEnd;
    }

    public Guid TenantId { get; private set; }
    public Guid InvoiceId { get; private set; }
    public int Position { get; private set; }
    public InvoiceLineKind Kind { get; private set; }
    public string Description { get; private set; } = "";
    public decimal Quantity { get; private set; }
    public decimal UnitPrice { get; private set; }
    public decimal Discount { get; private set; }
    public decimal Net { get; private set; }
    public decimal Tax { get; private set; }
    public decimal Total { get; private set; }
    public List<LineTaxPart> TaxParts { get; private set; } = [];
    public Guid? ProductId { get; private set; }
    public Guid? SubscriptionId { get; private set; }
    public DateOnly? PeriodStart { get; private set; }
    public DateOnly? PeriodEnd { get; private set; }

    public string TaxLabel => TaxParts.Count == 0 ? "—" : string.Join(" + ", TaxParts.Select(p =>
        $"{p.Name} {p.Rate.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}%"));
}

/// <summary>The locked counter row behind gap-free numbering: one per tenant, series and year (0 when it never resets).</summary>
public sealed class DocumentCounter : Entity, ITenantOwned
{
    private DocumentCounter() { }

    public DocumentCounter(Guid tenantId, DocumentSeries series, int year)
    {
        TenantId = tenantId;
        Series = series;
        Year = year;
    }

    public Guid TenantId { get; private set; }
    public DocumentSeries Series { get; private set; }
    public int Year { get; private set; }
    public long LastNumber { get; private set; }

    public long Next() => ++LastNumber;
}
