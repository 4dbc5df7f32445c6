using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Domain.Customers;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Emails;

namespace MPanel.Web.Features.Billing;

/// <summary>Work done after a billing transaction commits: tell provisioning, wake the email dispatcher.</summary>
public sealed class AfterCommit
{
    private readonly List<Func<CancellationToken, Task>> _actions = [];
    public void Add(Func<CancellationToken, Task> action) => _actions.Add(action);

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var action in _actions) await action(ct);
        _actions.Clear();
    }
}

/// <summary>The shared mechanics of money, used by every billing feature inside its own transaction: settings, tax
/// context, gap-free numbers, finalising, credit balance, and applying a payment with everything a paid invoice
/// sets off (activation, renewal, unsuspension, plan change, receipt).</summary>
public sealed class BillingLedger(TimeProvider clock, EmailQueue emails, IProvisioningPort provisioning)
{
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public async Task<BillingSettings> SettingsAsync(TenantScope scope, CancellationToken ct)
    {
        var settings = await scope.Db.BillingSettings.FirstOrDefaultAsync(ct);
        if (settings is not null) return settings;
        var tenantId = scope.Tenant.TenantId ?? throw new InvalidOperationException("No tenant in scope.");
        var tenant = await scope.Db.Tenants.AsNoTracking().FirstAsync(t => t.Id == tenantId, ct);
        var defaults = BillingSettings.CreateDefault(tenantId, tenant.DefaultCurrency, tenant.Name, clock.GetUtcNow());
        await CreateOnceAsync(scope, defaults, ct);
        return await scope.Db.BillingSettings.FirstAsync(ct);
    }

    /// <summary>Creates a row that is made on first use (settings, a billing profile) on the caller's own connection, so
    /// two first uses at once cannot deadlock the pool: inside a transaction a savepoint fences the insert, and the
    /// loser of a race rolls back to it, forgets its copy (and its audit row) and reads the winner's.</summary>
    private static async Task CreateOnceAsync(TenantScope scope, object entity, CancellationToken ct)
    {
        var db = scope.Db;
        var tx = db.Database.CurrentTransaction;
        if (tx is not null) await tx.CreateSavepointAsync("create_once", ct);
        db.Add(entity);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added && (e.Entity == entity || e.Entity is Domain.Auditing.AuditEntry)).ToList())
                entry.State = EntityState.Detached;
            if (tx is not null) await tx.RollbackToSavepointAsync("create_once", ct);
        }
    }

    public async Task<(Customer Customer, BillingProfile Profile)> CustomerAsync(TenantScope scope, Guid customerId, CancellationToken ct)
    {
        var customer = await scope.Db.Customers.FirstOrDefaultAsync(c => c.Id == customerId, ct)
            ?? throw new NotFoundError("Customer", customerId).ToException();
        var profile = await scope.Db.BillingProfiles.FirstOrDefaultAsync(p => p.Id == customerId, ct);
        if (profile is null)
        {
            await CreateOnceAsync(scope, BillingProfile.For(customer.TenantId, customer.Id), ct);
            profile = await scope.Db.BillingProfiles.FirstAsync(p => p.Id == customerId, ct);
        }
        return (customer, profile);
    }

    public async Task<TaxContext> TaxContextAsync(TenantScope scope, BillingSettings settings, Customer customer, BillingProfile profile, CancellationToken ct)
    {
        var rules = await scope.Db.TaxRules.AsNoTracking().Where(r => r.Country == customer.Country).ToListAsync(ct);
        return new TaxContext(settings.SellerCountry, customer.Country, profile.Region, profile.VatId, profile.TaxExempt, rules, settings.PricesIncludeTax);
    }

    public static BuyerSnapshot Buyer(Customer c, BillingProfile p) =>
        new(c.Company ?? $"{c.FirstName} {c.LastName}", c.Email, c.Country,
            [.. (c.Company is null ? [] : new[] { $"Attn. {c.FirstName} {c.LastName}" }), .. p.AddressLines, Countries.NameOf(c.Country)], p.VatId);

    /// <summary>Takes the next number of a series. The UPDATE holds the counter row's lock until the caller's transaction
    /// commits, so concurrent finalisations queue up and a rollback gives the number back: gap-free.</summary>
    public static async Task<long> NextNumberAsync(TenantScope scope, DocumentSeries series, int year, int count, CancellationToken ct)
    {
        var tenantId = scope.Tenant.TenantId ?? throw new InvalidOperationException("No tenant in scope.");
        if (scope.Db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Document numbers are taken inside the transaction that finalises the document.");
        await scope.Db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO document_counters (id, tenant_id, series, year, last_number) VALUES ({Guid.CreateVersion7()}, {tenantId}, {series.ToString()}, {year}, 0) ON CONFLICT (tenant_id, series, year) DO NOTHING", ct);
        var last = await scope.Db.Database.SqlQuery<long>(
            $"UPDATE document_counters SET last_number = last_number + {count} WHERE tenant_id = {tenantId} AND series = {series.ToString()} AND year = {year} RETURNING last_number AS \"Value\"").ToListAsync(ct);
        return last.Single() - count + 1;
    }

    public async Task<string> FormatNextAsync(TenantScope scope, BillingSettings settings, DocumentSeries series, DateOnly issueDate, CancellationToken ct)
    {
        var n = await NextNumberAsync(scope, series, DocumentNumbering.CounterYear(settings.NumberingResetsYearly, issueDate), 1, ct);
        var prefix = series == DocumentSeries.CreditNote ? settings.CreditNotePrefix : settings.InvoicePrefix;
        return DocumentNumbering.Format(settings.InvoiceNumberFormat, prefix, issueDate, n);
    }

    /// <summary>Issues a draft: a final number (or a proforma when the tenant numbers on payment) and the invoice email.</summary>
    public async Task IssueAsync(TenantScope scope, BillingSettings settings, Invoice invoice, CancellationToken ct, bool email = true)
    {
        var now = clock.GetUtcNow();
        if (settings.IssueProformas && invoice.Kind == InvoiceKind.Invoice && invoice.Total > 0)
            invoice.IssueAsProforma(now);
        else
            invoice.Finalise(await FormatNextAsync(scope, settings, invoice.Series, invoice.IssueDate, ct), now);
        if (email && invoice.Kind == InvoiceKind.Invoice && invoice.Total > 0)
            await emails.QueueAsync(scope, invoice.Buyer.Email, EmailTemplates.Invoice, invoice.Id, $"invoice:{invoice.Id}", ct);
        if (email && invoice.Kind == InvoiceKind.CreditNote)
            await emails.QueueAsync(scope, invoice.Buyer.Email, EmailTemplates.CreditNote, invoice.Id, $"credit-note:{invoice.Id}", ct);
    }

    public static async Task<decimal> CreditBalanceAsync(TenantScope scope, Guid customerId, string currency, CancellationToken ct) =>
        await scope.Db.CreditEntries.Where(c => c.CustomerId == customerId && c.Currency == currency).SumAsync(c => (decimal?)c.Amount, ct) ?? 0m;

    /// <summary>Locks the customer's billing profile row: credit is spent one transaction at a time.</summary>
    public static Task LockCustomerAsync(TenantScope scope, Guid customerId, CancellationToken ct) =>
        scope.Db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM billing_profiles WHERE id = {customerId} FOR UPDATE", ct);

    public static Task LockInvoiceAsync(TenantScope scope, Guid invoiceId, CancellationToken ct) =>
        scope.Db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM invoices WHERE id = {invoiceId} FOR UPDATE", ct);

    /// <summary>Spends the customer's credit balance on an invoice (as much as both allow). Call inside a transaction.</summary>
    public async Task<decimal> ApplyCreditAsync(TenantScope scope, Invoice invoice, AfterCommit after, CancellationToken ct)
    {
        if (!invoice.IsPayable) return 0m;
        await LockCustomerAsync(scope, invoice.CustomerId, ct);
        var balance = await CreditBalanceAsync(scope, invoice.CustomerId, invoice.Currency, ct);
        var amount = Math.Min(balance, invoice.AmountDue);
        if (amount <= 0) return 0m;
        var key = $"credit:{invoice.Id}:{invoice.AmountPaid.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        await ApplyPaymentAsync(scope, invoice, PaymentGatewayKind.Credit, amount, key, null, "Account credit", after, ct);
        scope.Db.CreditEntries.Add(new CreditEntry(invoice.TenantId, invoice.CustomerId, invoice.Currency, -amount, CreditEntryKind.AppliedToInvoice,
            $"Applied to invoice {invoice.Number ?? "(proforma)"}", invoice.Id, key, scope.Tenant.Actor.UserName ?? "system", clock.GetUtcNow()));
        return amount;
    }

    /// <summary>Records a successful payment and, when it settles the invoice, everything that follows. Idempotent: a
    /// payment already recorded under the same idempotency key or gateway reference changes nothing. Call inside a
    /// transaction with the invoice row locked.</summary>
    public async Task<Payment?> ApplyPaymentAsync(TenantScope scope, Invoice invoice, PaymentGatewayKind gateway, decimal amount, string idempotencyKey,
        string? gatewayReference, string? reference, AfterCommit after, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var existing = await scope.Db.Payments.FirstOrDefaultAsync(p => p.IdempotencyKey == idempotencyKey
            || (gatewayReference != null && p.GatewayReference == gatewayReference && p.Gateway == gateway && p.Status == PaymentStatus.Succeeded), ct);
        if (existing is { Status: PaymentStatus.Succeeded }) return null;
        if (!invoice.IsPayable) return null;
        amount = Math.Min(amount, invoice.AmountDue);
        var payment = existing ?? Payment.Start(invoice.TenantId, invoice, gateway, amount, idempotencyKey, scope.Tenant.Actor.UserName, now);
        if (existing is null) scope.Db.Payments.Add(payment);
        payment.Succeed(gatewayReference, reference, now);
        var settled = invoice.ApplyPayment(amount, now);
        if (settled) await SettleAsync(scope, invoice, after, ct);
        return payment;
    }

    /// <summary>A paid invoice: number a proforma, complete its order, activate, renew or change plan, lift a dunning
    /// suspension, and send the receipt.</summary>
    private async Task SettleAsync(TenantScope scope, Invoice invoice, AfterCommit after, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var settings = await SettingsAsync(scope, ct);
        if (invoice.NeedsNumberAfterPayment)
            invoice.CompleteProformaPayment(await FormatNextAsync(scope, settings, DocumentSeries.Invoice, Today, ct), now);
        await emails.QueueAsync(scope, invoice.Buyer.Email, EmailTemplates.Receipt, invoice.Id, $"receipt:{invoice.Id}", ct);
        const string actor = "billing";

        if (invoice.OrderId is { } orderId)
        {
            var order = await scope.Db.Orders.FirstAsync(o => o.Id == orderId, ct);
            var subscriptionIds = order.Items.Select(i => i.SubscriptionId).ToList();
            var subscriptions = await scope.Db.Subscriptions.Where(s => subscriptionIds.Contains(s.Id)).ToListAsync(ct);
            var productIds = subscriptions.Select(s => s.ProductId).ToList();
            var products = await scope.Db.Products.Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
            var needsApproval = false;
            foreach (var s in subscriptions.Where(s => s.Status == SubscriptionStatus.Pending))
            {
                if (products[s.ProductId].ProvisioningPolicy == ProvisioningPolicy.ManualApproval) { needsApproval = true; continue; }
                Activate(s, "First invoice paid");
            }
            if (needsApproval) order.AwaitApproval();
            else order.Complete(now);
        }

        if (invoice.SubscriptionId is { } subscriptionId)
        {
            var s = await scope.Db.Subscriptions.FirstAsync(x => x.Id == subscriptionId, ct);
            var renewal = invoice.Lines.FirstOrDefault(l => l.Kind == InvoiceLineKind.Renewal && l.SubscriptionId == s.Id);
            if (renewal is { PeriodStart: { } start, PeriodEnd: { } end })
                s.RecordPeriodPaid(start, end);
            if (s.PendingChange is { InvoiceId: { } changeInvoice } && changeInvoice == invoice.Id)
            {
                var product = await scope.Db.Products.FirstAsync(p => p.Id == s.PendingChange.ProductId, ct);
                s.ApplyPlanChange(product, Today, actor, now);
                after.Add(c => provisioning.RequestAsync(s.TenantId, s.Id, ServiceAction.ChangePlan, "Plan change paid", c));
            }
            if (s.Status == SubscriptionStatus.Suspended && await NoOtherOverdueAsync(scope, s.Id, invoice.Id, Today, ct))
            {
                s.Activate("Overdue invoice paid", actor, now);
                after.Add(c => provisioning.RequestAsync(s.TenantId, s.Id, ServiceAction.Unsuspend, "Overdue invoice paid", c));
            }
        }

        void Activate(Subscription s, string reason)
        {
            s.Activate(reason, actor, now);
            after.Add(c => provisioning.RequestAsync(s.TenantId, s.Id, ServiceAction.Provision, reason, c));
        }
    }

    private static async Task<bool> NoOtherOverdueAsync(TenantScope scope, Guid subscriptionId, Guid paidInvoiceId, DateOnly today, CancellationToken ct) =>
        !await scope.Db.Invoices.AnyAsync(i => i.SubscriptionId == subscriptionId && i.Id != paidInvoiceId && i.DueDate < today
                                              && (i.Status == InvoiceStatus.Open || i.Status == InvoiceStatus.Proforma), ct);
}
