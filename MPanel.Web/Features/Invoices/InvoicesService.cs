using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Billing;
using MPanel.Web.Features.Emails;

namespace MPanel.Web.Features.Invoices;

public sealed record InvoiceRow(Guid Id, string? Number, InvoiceKind Kind, InvoiceStatus Status, Guid CustomerId, string CustomerName,
    DateOnly IssueDate, DateOnly DueDate, decimal Total, decimal AmountDue, string Currency, DateTimeOffset CreatedAt);

public sealed record PaymentRow(Guid Id, PaymentGatewayKind Gateway, PaymentStatus Status, decimal Amount, decimal AmountRefunded, string Currency,
    string? GatewayReference, string? Reference, string? FailureMessage, string? RecordedBy, DateTimeOffset CreatedAt);

public sealed record InvoiceView(Guid Id, InvoiceRow Summary, InvoiceDocument Document, IReadOnlyList<PaymentRow> Payments,
    IReadOnlyList<InvoiceRow> CreditNotes, Guid? OriginalInvoiceId, Guid? OrderId, Guid? SubscriptionId, decimal AmountRefunded, decimal AmountCredited,
    bool CanPay, bool CanVoid, bool CanCredit, string? VoidReason, uint Version);

public sealed record InvoiceListQuery(InvoiceStatus? Status = null, Guid? CustomerId = null, InvoiceKind? Kind = null, bool OverdueOnly = false);

public sealed record ManualLine(string Description, decimal Quantity, decimal UnitPrice, decimal Discount = 0m);

/// <summary>Invoices and credit notes: list, view, printable document, manual invoices, void, credit notes, resend.</summary>
public sealed class InvoicesService(TenantScopeFactory scopes, TimeProvider clock, BillingLedger ledger, EmailQueue emails, Hangfire.IBackgroundJobClient jobs)
{
    public async Task<Paged<InvoiceRow>> ListAsync(PageQuery page, InvoiceListQuery filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = scope.Db.Invoices.AsNoTracking();
        if (filter.Status is { } status) query = query.Where(i => i.Status == status);
        if (filter.CustomerId is { } cid) query = query.Where(i => i.CustomerId == cid);
        if (filter.Kind is { } kind) query = query.Where(i => i.Kind == kind);
        if (filter.OverdueOnly)
        {
            var today = ledger.Today;
            query = query.Where(i => (i.Status == InvoiceStatus.Open || i.Status == InvoiceStatus.Proforma) && i.DueDate < today);
        }
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(i => (i.Number != null && EF.Functions.ILike(i.Number, like))
                                     || scope.Db.Customers.Any(c => c.Id == i.CustomerId && (EF.Functions.ILike(c.FirstName + " " + c.LastName, like) || EF.Functions.ILike(c.Email, like))));
        }
        var total = await query.CountAsync(ct);
        IOrderedQueryable<Invoice> ordered = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("number", false) => query.OrderBy(i => i.Number),
            ("number", true) => query.OrderByDescending(i => i.Number),
            ("duedate", false) => query.OrderBy(i => i.DueDate),
            ("duedate", true) => query.OrderByDescending(i => i.DueDate),
            ("total", false) => query.OrderBy(i => i.Total),
            ("total", true) => query.OrderByDescending(i => i.Total),
            ("status", false) => query.OrderBy(i => i.Status),
            ("status", true) => query.OrderByDescending(i => i.Status),
            _ => query.OrderByDescending(i => i.CreatedAt),
        };
        var rows = await ordered.ThenByDescending(i => i.Id).Page(page)
            .Select(i => new InvoiceRow(i.Id, i.Number, i.Kind, i.Status, i.CustomerId,
                scope.Db.Customers.Where(c => c.Id == i.CustomerId).Select(c => c.FirstName + " " + c.LastName).FirstOrDefault() ?? "",
                i.IssueDate, i.DueDate, i.Total,
                i.Kind == InvoiceKind.CreditNote || i.Status == InvoiceStatus.Void || i.Status == InvoiceStatus.Draft ? 0m : i.Total - i.AmountPaid,
                i.Currency, i.CreatedAt))
            .ToListAsync(ct);
        return new Paged<InvoiceRow>(rows, total);
    }

    public async Task<InvoiceView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var invoice = await scope.Db.Invoices.AsNoTracking().Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct)
            ?? throw new NotFoundError("Invoice", id).ToException();
        var settings = await ledger.SettingsAsync(scope, ct);
        var tenant = await scope.Db.Tenants.AsNoTracking().FirstAsync(t => t.Id == invoice.TenantId, ct);
        var payments = await scope.Db.Payments.AsNoTracking().Where(p => p.InvoiceId == id).OrderBy(p => p.CreatedAt)
            .Select(p => new PaymentRow(p.Id, p.Gateway, p.Status, p.Amount, p.AmountRefunded, p.Currency, p.GatewayReference, p.Reference, p.FailureMessage, p.RecordedBy, p.CreatedAt))
            .ToListAsync(ct);
        var notes = await scope.Db.Invoices.AsNoTracking().Where(n => n.OriginalInvoiceId == id).OrderBy(n => n.CreatedAt).ToListAsync(ct);
        return new InvoiceView(invoice.Id, Row(invoice, invoice.Buyer.Name), Document(invoice, settings, tenant), payments,
            notes.Select(n => Row(n, n.Buyer.Name)).ToList(), invoice.OriginalInvoiceId, invoice.OrderId, invoice.SubscriptionId,
            invoice.AmountRefunded, invoice.AmountCredited, invoice.IsPayable,
            invoice.Kind == InvoiceKind.Invoice && invoice.Status is InvoiceStatus.Open or InvoiceStatus.Proforma or InvoiceStatus.Draft && invoice.AmountPaid == 0,
            invoice.Kind == InvoiceKind.Invoice && invoice.Number is not null && invoice.AmountCredited < invoice.Total && invoice.Status != InvoiceStatus.Void,
            invoice.VoidReason, invoice.Version);
    }

    public async Task<InvoiceDocument> DocumentAsync(Guid id, CancellationToken ct = default) => (await GetAsync(id, ct)).Document;

    /// <summary>A one-off invoice staff write by hand (consulting, migration work), issued at once.</summary>
    public async Task<InvoiceView> CreateManualAsync(Guid customerId, IReadOnlyList<ManualLine> lines, string? currency, int? dueInDays, string? notes, CancellationToken ct = default)
    {
        new Validator().Require(lines is { Count: >= 1 and <= 100 }, "lines", "An invoice has 1 to 100 lines.").ThrowIfInvalid();
        var after = new AfterCommit();
        Guid id;
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            var settings = await ledger.SettingsAsync(scope, ct);
            var (customer, profile) = await ledger.CustomerAsync(scope, customerId, ct);
            var cur = (currency ?? settings.BaseCurrency).ToUpperInvariant();
            if (!settings.Currencies.Contains(cur)) throw ValidationError.For("currency", $"Invoices are made in {string.Join(", ", settings.Currencies)}.").ToException();
            var tax = await ledger.TaxContextAsync(scope, settings, customer, profile, ct);
            var today = ledger.Today;
            var invoice = Invoice.Create(customer.TenantId, customer.Id, cur, BillingLedger.Buyer(customer, profile), tax, today,
                today.AddDays(dueInDays ?? settings.PaymentTermsDays), clock.GetUtcNow(), notes: notes);
            foreach (var l in lines) invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.Adjustment, l.Description, l.Quantity, l.UnitPrice, l.Discount), tax);
            scope.Db.Invoices.Add(invoice);
            await ledger.IssueAsync(scope, settings, invoice, ct);
            await scope.Db.SaveChangesAsync(ct);
            await ledger.ApplyCreditAsync(scope, invoice, after, ct);
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            id = invoice.Id;
        }
        await after.RunAsync(ct);
        EmailDispatchJob.Trigger(jobs);
        return await GetAsync(id, ct);
    }

    public async Task<InvoiceView> VoidAsync(Guid id, string reason, CancellationToken ct = default)
    {
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            await BillingLedger.LockInvoiceAsync(scope, id, ct);
            var invoice = await scope.Db.Invoices.FirstOrDefaultAsync(i => i.Id == id, ct) ?? throw new NotFoundError("Invoice", id).ToException();
            invoice.Void(reason, clock.GetUtcNow());
            var subscription = invoice.SubscriptionId is { } sid ? await scope.Db.Subscriptions.FirstOrDefaultAsync(s => s.Id == sid, ct) : null;
            if (subscription?.PendingChange?.InvoiceId == id) subscription.CancelPlanChange(scope.Tenant.Actor.UserName ?? "staff", clock.GetUtcNow());
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return await GetAsync(id, ct);
    }

    /// <summary>Credits part or all of an invoice with a credit note (own series); the amount goes to the customer's
    /// credit balance, where it pays their next invoices.</summary>
    public async Task<InvoiceView> CreditAsync(Guid id, decimal amount, string reason, CancellationToken ct = default)
    {
        Guid noteId;
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            await BillingLedger.LockInvoiceAsync(scope, id, ct);
            var invoice = await scope.Db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct) ?? throw new NotFoundError("Invoice", id).ToException();
            var note = await CreditNoteInScopeAsync(scope, invoice, amount, reason, ct);
            scope.Db.CreditEntries.Add(new CreditEntry(invoice.TenantId, invoice.CustomerId, invoice.Currency, note.Total, CreditEntryKind.CreditNote,
                $"Credit note {note.Number}", note.Id, $"credit-note:{note.Id}", scope.Tenant.Actor.UserName ?? "staff", clock.GetUtcNow()));
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            noteId = note.Id;
        }
        EmailDispatchJob.Trigger(jobs);
        return await GetAsync(noteId, ct);
    }

    /// <summary>Issues a credit note for <paramref name="amount"/> (tax included, split over the invoice's rates in
    /// proportion) against an invoice. Call inside a transaction with the invoice locked.</summary>
    internal async Task<Invoice> CreditNoteInScopeAsync(TenantScope scope, Invoice invoice, decimal amount, string reason, CancellationToken ct)
    {
        var settings = await ledger.SettingsAsync(scope, ct);
        if (amount <= 0) throw ValidationError.For("amount", "Enter a positive amount.").ToException();
        var clean = Text.Clean(reason);
        new Validator().Require(clean is { Length: >= 3 and <= 500 }, "reason", "Say why (3 to 500 characters).").ThrowIfInvalid();
        // Credit with the original's tax treatment: the gross amount is split back into net and tax at the invoice's rate
        // (one rate: that rate; several: their effective rate on the subtotal).
        (string Name, decimal Rate) rate = invoice.Taxes.Count switch
        {
            0 => ("", 0m),
            1 => (invoice.Taxes[0].Name, invoice.Taxes[0].Rate),
            _ => ("Tax", invoice.Subtotal == 0 ? 0m : decimal.Round(invoice.TaxTotal / invoice.Subtotal * 100m, 3)),
        };
        IReadOnlyList<TaxRule> rules = rate.Rate > 0
            ? [TaxRule.Create(new TaxRuleDetails(rate.Name, invoice.Buyer.Country, null, rate.Rate, false, 0), clock.GetUtcNow())]
            : [];
        var tax = new TaxContext(settings.SellerCountry, invoice.Buyer.Country, null, null, false, rules, PricesIncludeTax: true);
        var lines = new List<InvoiceLineInput> { new(InvoiceLineKind.Adjustment, $"Credit for invoice {invoice.Number}: {clean}", 1, decimal.Round(amount, 4)) };
        var note = Invoice.CreateCreditNote(invoice, lines, tax, clean!, ledger.Today, clock.GetUtcNow());
        scope.Db.Invoices.Add(note);
        await ledger.IssueAsync(scope, settings, note, ct);
        return note;
    }

    public async Task ResendAsync(Guid id, CancellationToken ct = default)
    {
        await using (var scope = scopes.Create())
        {
            var invoice = await scope.Db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct) ?? throw new NotFoundError("Invoice", id).ToException();
            if (invoice.Status is InvoiceStatus.Draft or InvoiceStatus.Void)
                throw new ConflictError("invoice_not_sendable", "Only an issued invoice can be sent.").ToException();
            var template = invoice.Kind == InvoiceKind.CreditNote ? EmailTemplates.CreditNote : EmailTemplates.Invoice;
            await emails.QueueAsync(scope, invoice.Buyer.Email, template, invoice.Id, $"{template}:{invoice.Id}:resend:{clock.GetUtcNow().ToUnixTimeMilliseconds()}", ct);
            await scope.Db.SaveChangesAsync(ct);
        }
        EmailDispatchJob.Trigger(jobs);
    }

    internal static InvoiceRow Row(Invoice i, string customerName) => new(i.Id, i.Number, i.Kind, i.Status, i.CustomerId, customerName, i.IssueDate, i.DueDate,
        i.Total, i.AmountDue, i.Currency, i.CreatedAt);

    internal static InvoiceDocument Document(Invoice i, BillingSettings settings, Domain.Tenants.Tenant tenant)
    {
        var title = i.Kind == InvoiceKind.CreditNote ? "Credit note" : i.Status == InvoiceStatus.Proforma ? "Proforma invoice" : i.Status == InvoiceStatus.Draft ? "Draft invoice" : "Invoice";
        return new InvoiceDocument(title, i.Number, i.Status.ToString(), i.IssueDate, i.DueDate, i.Currency,
            new DocumentParty(settings.SellerName, [.. settings.SellerAddress, Domain.Customers.Countries.NameOf(settings.SellerCountry)], settings.SellerVatId, tenant.Branding.SupportEmail),
            new DocumentParty(i.Buyer.Name, i.Buyer.AddressLines, i.Buyer.VatId, i.Buyer.Email),
            i.Lines.OrderBy(l => l.Position).Select(l => new DocumentLine(l.Description, l.Quantity, l.UnitPrice, l.Discount, l.Net, l.TaxLabel, l.Tax, l.Total, l.PeriodStart, l.PeriodEnd?.AddDays(-1))).ToList(),
            i.Taxes.Select(t => new DocumentTax(t.Name, t.Rate, t.Base, t.Amount)).ToList(),
            i.Subtotal, i.DiscountTotal, i.TaxTotal, i.Total, i.AmountPaid, i.AmountDue, i.PricesIncludeTax,
            i.ReverseCharge ? TaxContext.ReverseChargeNote : null,
            i.Kind == InvoiceKind.Invoice && i.IsPayable && settings.BankTransferInstructions is { } bank ? $"{i.Notes}\nBank transfer: {bank}".Trim() : i.Notes,
            new DocumentBranding(tenant.Branding.ProductName, tenant.Branding.PrimaryColor, tenant.Branding.LogoUrl, null, null, tenant.Branding.SupportEmail));
    }
}
