using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Features.Billing;
using MPanel.Web.Features.Emails;
using MPanel.Web.Features.Invoices;

namespace MPanel.Web.Features.Payments;

public sealed record SavedCardView(Guid Id, string Brand, string Last4, int ExpMonth, int ExpYear, bool IsDefault);

public sealed record CreditEntryView(Guid Id, decimal Amount, string Currency, CreditEntryKind Kind, string Description, string Actor, DateTimeOffset CreatedAt);

public sealed record CustomerBilling(Guid CustomerId, BillingProfileDetails Profile, uint ProfileVersion, IReadOnlyDictionary<string, decimal> CreditBalance,
    IReadOnlyList<CreditEntryView> Credit, IReadOnlyList<SavedCardView> Cards, bool CardsAvailable);

public sealed record ChargeOutcome(bool Succeeded, string Status, string? Message);

/// <summary>Collecting and returning money: manual and bank payments, account credit, saved cards (SetupIntent),
/// off-session charges, Stripe Checkout and refunds. Every gateway call carries an idempotency key made of our ids.</summary>
public sealed class PaymentsService(TenantScopeFactory scopes, TimeProvider clock, BillingLedger ledger, IPaymentGateway gateway,
    InvoicesService invoices, EmailQueue emails, Hangfire.IBackgroundJobClient jobs)
{
    public bool CardsAvailable => gateway.IsConfigured;

    /// <summary>Staff record money received outside the gateway (bank transfer, cash). The reference makes it idempotent.</summary>
    public async Task<InvoiceView> RecordManualAsync(Guid invoiceId, decimal amount, PaymentGatewayKind kind, string reference, CancellationToken ct = default)
    {
        if (kind is not (PaymentGatewayKind.BankTransfer or PaymentGatewayKind.Manual))
            throw ValidationError.For("gateway", "Record bank transfers or other manual payments here.").ToException();
        var clean = Text.Clean(reference);
        new Validator().Require(clean is { Length: >= 2 and <= 200 }, "reference", "Enter the payment's reference (bank statement line, receipt number).").ThrowIfInvalid();
        await InTransactionAsync(invoiceId, async (scope, invoice, after) =>
        {
            if (!invoice.IsPayable) throw new ConflictError("invoice_not_payable", invoice.Status == InvoiceStatus.Paid ? "This invoice is already paid." : "This invoice cannot be paid.").ToException();
            if (amount <= 0 || amount > invoice.AmountDue) throw ValidationError.For("amount", $"Enter an amount between 0 and {invoice.AmountDue:0.00} {invoice.Currency}.").ToException();
            await ledger.ApplyPaymentAsync(scope, invoice, kind, amount, $"manual:{invoice.Id}:{clean}", null, clean, after, ct);
        }, ct);
        return await invoices.GetAsync(invoiceId, ct);
    }

    public async Task<InvoiceView> ApplyCreditAsync(Guid invoiceId, CancellationToken ct = default)
    {
        var applied = 0m;
        await InTransactionAsync(invoiceId, async (scope, invoice, after) => applied = await ledger.ApplyCreditAsync(scope, invoice, after, ct), ct);
        if (applied == 0) throw new ConflictError("no_credit", "The customer has no credit in this currency.").ToException();
        return await invoices.GetAsync(invoiceId, ct);
    }

    /// <summary>Charges the customer's default saved card now (staff "charge card", or a client paying with a saved card).</summary>
    public async Task<ChargeOutcome> ChargeSavedCardAsync(Guid invoiceId, CancellationToken ct = default)
    {
        RequireGateway();
        await using var scope = scopes.Create();
        var invoice = await scope.Db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == invoiceId, ct) ?? throw new NotFoundError("Invoice", invoiceId).ToException();
        var attempt = await scope.Db.Payments.CountAsync(p => p.InvoiceId == invoiceId && p.Gateway == PaymentGatewayKind.Stripe, ct);
        return await ChargeAsync(invoice.TenantId, invoiceId, $"charge:{invoiceId}:manual-{attempt + 1}", ct);
    }

    /// <summary>One off-session charge attempt under a key our ids determine. The payment row is written (Pending) before
    /// the gateway call; a retry of the same attempt reuses the key, so the gateway replays instead of charging again.</summary>
    public async Task<ChargeOutcome> ChargeAsync(Guid tenantId, Guid invoiceId, string idempotencyKey, CancellationToken ct = default)
    {
        RequireGateway();
        GatewayChargeRequest request;
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            await BillingLedger.LockInvoiceAsync(scope, invoiceId, ct);
            var invoice = await scope.Db.Invoices.FirstOrDefaultAsync(i => i.Id == invoiceId, ct) ?? throw new NotFoundError("Invoice", invoiceId).ToException();
            var existing = await scope.Db.Payments.FirstOrDefaultAsync(p => p.IdempotencyKey == idempotencyKey, ct);
            if (existing is { Status: not PaymentStatus.Pending }) return new ChargeOutcome(existing.Status == PaymentStatus.Succeeded, existing.Status.ToString(), existing.FailureMessage);
            if (!invoice.IsPayable) return new ChargeOutcome(false, "not_payable", "The invoice is not open.");
            var card = await scope.Db.SavedCards.AsNoTracking().Where(c => c.CustomerId == invoice.CustomerId).OrderByDescending(c => c.IsDefault).ThenByDescending(c => c.CreatedAt).FirstOrDefaultAsync(ct)
                ?? throw new ConflictError("no_saved_card", "The customer has no saved card.").ToException();
            var (_, profile) = await ledger.CustomerAsync(scope, invoice.CustomerId, ct);
            if (profile.GatewayCustomerId is null) throw new ConflictError("no_saved_card", "The customer has no card on file at the gateway.").ToException();
            var payment = existing ?? Payment.Start(invoice.TenantId, invoice, PaymentGatewayKind.Stripe, invoice.AmountDue, idempotencyKey, scope.Tenant.Actor.UserName, clock.GetUtcNow());
            if (existing is null) scope.Db.Payments.Add(payment);
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            request = new GatewayChargeRequest(profile.GatewayCustomerId, card.GatewayPaymentMethodId, invoice.TenantId, invoice.Id,
                ToMinor(payment.Amount, invoice.Currency), invoice.Currency, $"Invoice {invoice.Number ?? invoice.Id.ToString()}", idempotencyKey);
        }
        GatewayCharge charge;
        try
        {
            charge = await gateway.ChargeOffSessionAsync(request, ct);
        }
        catch (GatewayException ex)
        {
            charge = new GatewayCharge("", "failed", request.AmountMinor, 0, request.Currency, request.PaymentMethodId, ex.Code, ex.Message, new Dictionary<string, string>());
        }
        await RecordChargeResultAsync(invoiceId, idempotencyKey, charge, ct);
        return new ChargeOutcome(charge.Succeeded, charge.Status, charge.FailureMessage);
    }

    /// <summary>Applies what the gateway says about a charge: a success pays the invoice (once, whichever of the job and
    /// the webhook gets here first), a failure is recorded and the customer told.</summary>
    public async Task RecordChargeResultAsync(Guid invoiceId, string? idempotencyKey, GatewayCharge charge, CancellationToken ct = default)
    {
        await InTransactionAsync(invoiceId, async (scope, invoice, after) =>
        {
            var now = clock.GetUtcNow();
            var key = idempotencyKey ?? $"stripe:{charge.Id}";
            if (charge.Succeeded)
            {
                await ledger.ApplyPaymentAsync(scope, invoice, PaymentGatewayKind.Stripe, FromMinor(charge.AmountReceivedMinor, invoice.Currency), key, charge.Id, null, after, ct);
                return;
            }
            if (charge.Status is "processing" or "requires_action" or "requires_confirmation") return;
            var payment = await scope.Db.Payments.FirstOrDefaultAsync(p => p.IdempotencyKey == key, ct);
            if (payment is { Status: PaymentStatus.Pending })
            {
                payment.Fail(charge.Id is { Length: > 0 } ? charge.Id : null, charge.FailureCode, charge.FailureMessage ?? "The card was declined.", now);
                await emails.QueueAsync(scope, invoice.Buyer.Email, EmailTemplates.PaymentFailed, invoice.Id, $"payment-failed:{payment.Id}", ct);
            }
        }, ct);
        EmailDispatchJob.Trigger(jobs);
    }

    /// <summary>A hosted Stripe Checkout page for an invoice (the first payment, or a customer paying by hand). The card
    /// is saved for renewals; the webhook pays the invoice.</summary>
    public async Task<string> StartCheckoutAsync(Guid invoiceId, string successUrl, string cancelUrl, CancellationToken ct = default)
    {
        RequireGateway();
        await using var scope = scopes.Create();
        var invoice = await scope.Db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == invoiceId, ct) ?? throw new NotFoundError("Invoice", invoiceId).ToException();
        if (!invoice.IsPayable) throw new ConflictError("invoice_not_payable", invoice.Status == InvoiceStatus.Paid ? "This invoice is already paid." : "This invoice cannot be paid.").ToException();
        var customerId = await EnsureGatewayCustomerAsync(scope, invoice.CustomerId, ct);
        var session = await gateway.CreateCheckoutSessionAsync(new GatewayCheckoutRequest(customerId, invoice.TenantId, invoice.Id,
            $"Invoice {invoice.Number ?? "(proforma)"}", ToMinor(invoice.AmountDue, invoice.Currency), invoice.Currency, successUrl, cancelUrl,
            $"checkout:{invoice.Id}:{invoice.AmountPaid.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), ct);
        return session.Url;
    }

    /// <summary>Applies a completed Checkout Session (re-fetched from the gateway) and saves its card.</summary>
    public async Task<string> CompleteCheckoutAsync(string sessionId, CancellationToken ct = default)
    {
        var session = await gateway.GetCheckoutSessionAsync(sessionId, ct);
        if (session.PaymentStatus != "paid" || session.PaymentIntentId is null) return $"session {session.Status}/{session.PaymentStatus}: nothing to apply";
        if (!session.Metadata.TryGetValue("invoice_id", out var raw) || !Guid.TryParse(raw, out var invoiceId)) return "session without invoice_id";
        var intent = await gateway.GetPaymentIntentAsync(session.PaymentIntentId, ct);
        await RecordChargeResultAsync(invoiceId, null, intent, ct);
        if (intent.PaymentMethodId is { } pm) await SaveCardAsync(invoiceId, pm, ct);
        return $"invoice {invoiceId}: {intent.Status}";
    }

    private async Task SaveCardAsync(Guid invoiceId, string paymentMethodId, CancellationToken ct)
    {
        await using var scope = scopes.Create();
        var invoice = await scope.Db.Invoices.AsNoTracking().FirstAsync(i => i.Id == invoiceId, ct);
        await AddCardInScopeAsync(scope, invoice.CustomerId, paymentMethodId, ct);
    }

    private async Task AddCardInScopeAsync(TenantScope scope, Guid customerId, string paymentMethodId, CancellationToken ct)
    {
        if (await scope.Db.SavedCards.AnyAsync(c => c.GatewayPaymentMethodId == paymentMethodId, ct)) return;
        var card = await gateway.GetPaymentMethodAsync(paymentMethodId, ct);
        var first = !await scope.Db.SavedCards.AnyAsync(c => c.CustomerId == customerId, ct);
        var tenantId = scope.Tenant.TenantId!.Value;
        scope.Db.SavedCards.Add(new SavedCard(tenantId, customerId, card, first, clock.GetUtcNow()));
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Saved by the other path (webhook or return page) a moment ago.
        }
    }

    /// <summary>Starts saving a card: a SetupIntent whose client secret the browser confirms.</summary>
    public async Task<GatewaySetup> StartCardSetupAsync(Guid customerId, CancellationToken ct = default)
    {
        RequireGateway();
        await using var scope = scopes.Create();
        var gatewayCustomer = await EnsureGatewayCustomerAsync(scope, customerId, ct);
        var count = await scope.Db.SavedCards.CountAsync(c => c.CustomerId == customerId, ct);
        return await gateway.CreateSetupIntentAsync(gatewayCustomer, $"setup:{customerId}:{count}:{clock.GetUtcNow().ToUnixTimeSeconds() / 3600}", ct);
    }

    /// <summary>Finishes saving a card once its SetupIntent succeeded (re-fetched, never trusted from the browser).</summary>
    public async Task<SavedCardView> CompleteCardSetupAsync(Guid customerId, string setupIntentId, CancellationToken ct = default)
    {
        RequireGateway();
        var setup = await gateway.GetSetupIntentAsync(setupIntentId, ct);
        if (setup.Status != "succeeded" || setup.PaymentMethodId is null)
            throw new ConflictError("setup_incomplete", "The card was not confirmed.").ToException();
        await using var scope = scopes.Create();
        _ = await ledger.CustomerAsync(scope, customerId, ct);
        await AddCardInScopeAsync(scope, customerId, setup.PaymentMethodId, ct);
        var card = await scope.Db.SavedCards.AsNoTracking().FirstAsync(c => c.GatewayPaymentMethodId == setup.PaymentMethodId, ct);
        return new SavedCardView(card.Id, card.Brand, card.Last4, card.ExpMonth, card.ExpYear, card.IsDefault);
    }

    public async Task SetDefaultCardAsync(Guid customerId, Guid cardId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var cards = await scope.Db.SavedCards.Where(c => c.CustomerId == customerId).ToListAsync(ct);
        if (cards.All(c => c.Id != cardId)) throw new NotFoundError("Card", cardId).ToException();
        foreach (var c in cards) c.SetDefault(c.Id == cardId);
        await scope.Db.SaveChangesAsync(ct);
    }

    public async Task RemoveCardAsync(Guid customerId, Guid cardId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var card = await scope.Db.SavedCards.FirstOrDefaultAsync(c => c.Id == cardId && c.CustomerId == customerId, ct) ?? throw new NotFoundError("Card", cardId).ToException();
        if (gateway.IsConfigured) await gateway.DetachPaymentMethodAsync(card.GatewayPaymentMethodId, ct);
        scope.Db.SavedCards.Remove(card);
        if (card.IsDefault && await scope.Db.SavedCards.Where(c => c.CustomerId == customerId && c.Id != cardId).OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(ct) is { } next)
            next.SetDefault(true);
        await scope.Db.SaveChangesAsync(ct);
    }

    /// <summary>Refunds (part of) a payment: through the gateway for card payments (idempotent key per refund), back to
    /// the credit balance for credit payments, or as a record for manual ones; a credit note documents every refund.</summary>
    public async Task<InvoiceView> RefundAsync(Guid paymentId, decimal amount, string reason, CancellationToken ct = default)
    {
        Guid invoiceId;
        await using (var scope = scopes.Create())
        {
            var payment = await scope.Db.Payments.AsNoTracking().FirstOrDefaultAsync(p => p.Id == paymentId, ct) ?? throw new NotFoundError("Payment", paymentId).ToException();
            invoiceId = payment.InvoiceId;
        }
        string? gatewayRefundId = null;
        await InTransactionAsync(invoiceId, async (scope, invoice, after) =>
        {
            var payment = await scope.Db.Payments.FirstAsync(p => p.Id == paymentId, ct);
            payment.RecordRefund(amount);
            invoice.RecordRefund(amount);
            var note = await invoices.CreditNoteInScopeAsync(scope, invoice, amount, reason, ct);
            var refundNumber = await scope.Db.Refunds.CountAsync(r => r.PaymentId == paymentId, ct) + 1;
            if (payment.Gateway == PaymentGatewayKind.Stripe)
            {
                RequireGateway();
                var refund = await gateway.RefundAsync(payment.GatewayReference ?? throw new ConflictError("no_reference", "This card payment has no gateway reference.").ToException(),
                    ToMinor(amount, payment.Currency), $"refund:{payment.Id}:{refundNumber}", ct);
                gatewayRefundId = refund.Id;
            }
            else if (payment.Gateway == PaymentGatewayKind.Credit)
            {
                scope.Db.CreditEntries.Add(new CreditEntry(invoice.TenantId, invoice.CustomerId, invoice.Currency, amount, CreditEntryKind.Reversal,
                    $"Refund of credit on invoice {invoice.Number}", invoice.Id, $"refund:{payment.Id}:{refundNumber}", scope.Tenant.Actor.UserName ?? "staff", clock.GetUtcNow()));
            }
            scope.Db.Refunds.Add(new Refund(payment, amount, note.Id, Text.Clean(reason) ?? "Refund", gatewayRefundId, scope.Tenant.Actor.UserName ?? "staff", clock.GetUtcNow()));
        }, ct);
        EmailDispatchJob.Trigger(jobs);
        return await invoices.GetAsync(invoiceId, ct);
    }

    public async Task<CustomerBilling> CustomerBillingAsync(Guid customerId, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var (customer, profile) = await ledger.CustomerAsync(scope, customerId, ct);
        var entries = await scope.Db.CreditEntries.AsNoTracking().Where(c => c.CustomerId == customerId).OrderByDescending(c => c.CreatedAt).Take(100)
            .Select(c => new CreditEntryView(c.Id, c.Amount, c.Currency, c.Kind, c.Description, c.Actor, c.CreatedAt)).ToListAsync(ct);
        var balance = await scope.Db.CreditEntries.AsNoTracking().Where(c => c.CustomerId == customerId).GroupBy(c => c.Currency)
            .Select(g => new { g.Key, Sum = g.Sum(x => x.Amount) }).ToDictionaryAsync(x => x.Key, x => x.Sum, ct);
        var cards = await scope.Db.SavedCards.AsNoTracking().Where(c => c.CustomerId == customerId).OrderByDescending(c => c.IsDefault).ThenBy(c => c.CreatedAt)
            .Select(c => new SavedCardView(c.Id, c.Brand, c.Last4, c.ExpMonth, c.ExpYear, c.IsDefault)).ToListAsync(ct);
        return new CustomerBilling(customer.Id, new BillingProfileDetails(profile.AddressLine1, profile.AddressLine2, profile.City, profile.PostalCode, profile.Region, profile.VatId, profile.TaxExempt),
            profile.Version, balance, entries, cards, gateway.IsConfigured);
    }

    public async Task UpdateBillingProfileAsync(Guid customerId, BillingProfileDetails details, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var (customer, profile) = await ledger.CustomerAsync(scope, customerId, ct);
        profile.Update(details, customer.Country);
        await scope.Db.SaveChangesAsync(ct);
    }

    /// <summary>Staff add or remove credit by hand (goodwill, corrections); the balance may not go below zero.</summary>
    public async Task AdjustCreditAsync(Guid customerId, decimal amount, string currency, string description, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
        var (customer, _) = await ledger.CustomerAsync(scope, customerId, ct);
        await scope.Db.SaveChangesAsync(ct);
        await BillingLedger.LockCustomerAsync(scope, customerId, ct);
        var clean = Text.Clean(description);
        new Validator()
            .Require(amount != 0 && decimal.Round(amount, 2) == amount, "amount", "Enter a non-zero amount with at most two decimals.")
            .Require(clean is { Length: >= 3 and <= 300 }, "description", "Say why (3 to 300 characters).")
            .ThrowIfInvalid();
        var balance = await BillingLedger.CreditBalanceAsync(scope, customerId, currency, ct);
        if (balance + amount < 0) throw ValidationError.For("amount", $"The balance is {balance:0.00} {currency}; it cannot go below zero.").ToException();
        scope.Db.CreditEntries.Add(new CreditEntry(customer.TenantId, customerId, currency, amount, CreditEntryKind.Manual, clean!, null, null, scope.Tenant.Actor.UserName ?? "staff", clock.GetUtcNow()));
        await scope.Db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task<string> EnsureGatewayCustomerAsync(TenantScope scope, Guid customerId, CancellationToken ct)
    {
        var (customer, profile) = await ledger.CustomerAsync(scope, customerId, ct);
        if (profile.GatewayCustomerId is { } existing) return existing;
        var id = await gateway.EnsureCustomerAsync(new GatewayCustomer(customer.Id, customer.TenantId, customer.Email, $"{customer.FirstName} {customer.LastName}", null), ct);
        profile.LinkGatewayCustomer(id);
        await scope.Db.SaveChangesAsync(ct);
        return id;
    }

    private async Task InTransactionAsync(Guid invoiceId, Func<TenantScope, Invoice, AfterCommit, Task> work, CancellationToken ct)
    {
        var after = new AfterCommit();
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            await BillingLedger.LockInvoiceAsync(scope, invoiceId, ct);
            var invoice = await scope.Db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == invoiceId, ct)
                ?? throw new NotFoundError("Invoice", invoiceId).ToException();
            await work(scope, invoice, after);
            await scope.Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        await after.RunAsync(ct);
    }

    private void RequireGateway()
    {
        if (!gateway.IsConfigured) throw new ConflictError("gateway_unavailable", "Card payments are not configured (Stripe:SecretKey).").ToException();
    }

    public static long ToMinor(decimal amount, string currency) => (long)decimal.Round(amount * Pow10(Money.MinorUnits(currency)), 0, MidpointRounding.ToEven);
    public static decimal FromMinor(long amount, string currency) => amount / Pow10(Money.MinorUnits(currency));
    private static decimal Pow10(int n) => n switch { 0 => 1m, 3 => 1000m, _ => 100m };
}
