using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Customers;
using MPanel.Web.Features.Invoices;

namespace MPanel.Web.Features.ClientArea;

public sealed record ClientSummary(decimal OpenBalance, string Currency, InvoiceRow? NextInvoice, int OpenInvoices);

/// <summary>The client area: what a signed-in client (role Client) may see about themselves. Every read goes through the
/// feature services staff use; the one client-scoping check (the record belongs to the signed-in user's customer, else
/// not found) lives here, so ids of another customer or another tenant answer 404 alike.</summary>
public sealed class ClientAreaService(TenantScopeFactory scopes, CurrentTenant current, CustomersService customers, InvoicesService invoices)
{
    /// <summary>The customer id the signed-in user is linked to, or null when there is none.</summary>
    public async Task<Guid?> MyCustomerIdAsync(CancellationToken ct = default)
    {
        if (current.Actor.UserId is not { } userId) return null;
        await using var scope = scopes.Create();
        return await scope.Db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.CustomerId).FirstOrDefaultAsync(ct);
    }

    private async Task<Guid> RequireCustomerIdAsync(string entity, object id, CancellationToken ct) =>
        await MyCustomerIdAsync(ct) ?? throw new NotFoundError(entity, id).ToException();

    /// <summary>The customer record the signed-in user is linked to, or null when there is none. Staff notes are internal
    /// and never leave through here.</summary>
    public async Task<CustomerView?> GetMyCustomerAsync(CancellationToken ct = default)
    {
        if (await MyCustomerIdAsync(ct) is not { } id) return null;
        try
        {
            var customer = await customers.GetAsync(id, ct);
            return customer with { Notes = [] };
        }
        catch (DomainException ex) when (ex.Error is NotFoundError)
        {
            return null;
        }
    }

    /// <summary>The signed-in client's invoices and credit notes (drafts are internal and not shown).</summary>
    public async Task<Paged<InvoiceRow>> ListMyInvoicesAsync(PageQuery page, CancellationToken ct = default)
    {
        if (await MyCustomerIdAsync(ct) is not { } customerId) return new Paged<InvoiceRow>([], 0);
        var all = await invoices.ListAsync(page, new InvoiceListQuery(CustomerId: customerId), ct);
        var visible = all.Items.Where(i => i.Status != InvoiceStatus.Draft).ToList();
        return new Paged<InvoiceRow>(visible, all.Total - (all.Items.Count - visible.Count));
    }

    /// <summary>One of the signed-in client's invoices; another customer's (or tenant's) invoice, or a draft, is not found.</summary>
    public async Task<InvoiceView> GetMyInvoiceAsync(Guid id, CancellationToken ct = default)
    {
        var customerId = await RequireCustomerIdAsync("Invoice", id, ct);
        InvoiceView invoice;
        try
        {
            invoice = await invoices.GetAsync(id, ct);
        }
        catch (DomainException ex) when (ex.Error is NotFoundError)
        {
            throw new NotFoundError("Invoice", id).ToException();
        }
        if (invoice.Summary.CustomerId != customerId || invoice.Summary.Status == InvoiceStatus.Draft)
            throw new NotFoundError("Invoice", id).ToException();
        // Staff-only fields stay with staff: a client cannot void or credit.
        return invoice with { CanVoid = false, CanCredit = false };
    }

    /// <summary>Dashboard figures: open balance, the next invoice due, and how many are open.</summary>
    public async Task<ClientSummary> SummaryAsync(CancellationToken ct = default)
    {
        var page = await ListMyInvoicesAsync(new PageQuery(0, 100, "duedate", false), ct);
        var open = page.Items.Where(i => i.Kind == InvoiceKind.Invoice && i.AmountDue > 0).ToList();
        return new ClientSummary(open.Sum(i => i.AmountDue), open.FirstOrDefault()?.Currency ?? page.Items.FirstOrDefault()?.Currency ?? "EUR",
            open.OrderBy(i => i.DueDate).FirstOrDefault(), open.Count);
    }
}
