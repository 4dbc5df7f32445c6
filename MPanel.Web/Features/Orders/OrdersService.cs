using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Tenancy;
using MPanel.Web.Common;
using MPanel.Web.Features.Billing;
using MPanel.Web.Features.Catalog;
using MPanel.Web.Features.Emails;

namespace MPanel.Web.Features.Orders;

public sealed record PlaceOrder(Guid CustomerId, IReadOnlyList<CartLine> Items, string? PromoCode = null, string? Currency = null,
    string? UtmSource = null, string? UtmMedium = null, string? UtmCampaign = null);

public sealed record OrderRow(Guid Id, string Reference, Guid CustomerId, string CustomerName, OrderStatus Status, OrderChannel Channel,
    decimal Total, string Currency, string? PromoCode, string? UtmSource, Guid? InvoiceId, DateTimeOffset CreatedAt);

public sealed record OrderView(Guid Id, string Reference, Guid CustomerId, string CustomerName, OrderStatus Status, OrderChannel Channel,
    string Currency, decimal Total, IReadOnlyList<OrderItem> Items, string? PromoCode, Utm Utm, Guid? InvoiceId, string? InvoiceNumber,
    InvoiceStatus? InvoiceStatus, string? CancelReason, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

public sealed record OrderListQuery(OrderStatus? Status = null, Guid? CustomerId = null);

/// <summary>Taking orders: subscriptions in Pending, the first invoice (numbered, credit applied), promo redemption and
/// stock, in one transaction; then activation by the product's provisioning policy.</summary>
public sealed class OrdersService(TenantScopeFactory scopes, TimeProvider clock, BillingLedger ledger, Hangfire.IBackgroundJobClient jobs)
{
    public async Task<OrderView> PlaceAsync(PlaceOrder request, OrderChannel channel, CancellationToken ct = default)
    {
        new Validator().Require(request.Items is { Count: >= 1 and <= 20 }, "items", "Choose 1 to 20 products.").ThrowIfInvalid();
        var after = new AfterCommit();
        Guid orderId;
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            var now = clock.GetUtcNow();
            var today = ledger.Today;
            var settings = await ledger.SettingsAsync(scope, ct);
            var (customer, profile) = await ledger.CustomerAsync(scope, request.CustomerId, ct);
            if (customer.Status != Domain.Customers.CustomerStatus.Active)
                throw new ConflictError("customer_inactive", "Only an active customer can order.").ToException();
            var currency = (request.Currency ?? settings.BaseCurrency).Trim().ToUpperInvariant();
            if (!settings.Currencies.Contains(currency))
                throw ValidationError.For("currency", $"Orders are taken in {string.Join(", ", settings.Currencies)}.").ToException();
            var productIds = request.Items.Select(i => i.ProductId).Distinct().ToList();
            var products = await scope.Db.Products.Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
            foreach (var id in productIds)
                if (!products.ContainsKey(id)) throw ValidationError.For("items", "One of the products does not exist.").ToException();

            PromoCode? promo = null;
            if (Text.Clean(request.PromoCode) is { } code)
            {
                var normalized = code.ToUpperInvariant();
                promo = await scope.Db.PromoCodes.FirstOrDefaultAsync(p => p.Code == normalized, ct)
                    ?? throw ValidationError.For("promoCode", "This promo code does not exist.").ToException();
                var uses = await scope.Db.PromoRedemptions.CountAsync(r => r.PromoCodeId == promo.Id && r.CustomerId == customer.Id, ct);
                promo.CheckEligibility(productIds, currency, uses, now);
            }

            var tax = await ledger.TaxContextAsync(scope, settings, customer, profile, ct);
            var newOrderId = Guid.CreateVersion7();
            var invoice = Invoice.Create(customer.TenantId, customer.Id, currency, BillingLedger.Buyer(customer, profile), tax, today,
                today.AddDays(settings.PaymentTermsDays), now, newOrderId);
            var items = new List<OrderItem>();
            foreach (var line in request.Items)
            {
                var product = products[line.ProductId];
                product.Reserve();
                var (price, setupFee, options) = OrdersPricing.ItemPrice(product, line, currency);
                var discount = promo?.DiscountFor(product.Id, price) ?? 0m;
                var subscription = Subscription.Create(customer.TenantId, customer.Id, product, line.Cycle, currency, price, options,
                    promo is { Recurring: true } ? discount : 0m, promo?.Code, newOrderId, today, now);
                var domain = Text.Clean(line.Domain) is { } d ? Domain.Provisioning.HostingNames.NormalizeDomain(d, $"items[{items.Count}].domain") : null;
                subscription.SetPrimaryDomain(domain);
                scope.Db.Subscriptions.Add(subscription);
                var (start, end) = (subscription.CurrentPeriodStart, line.Cycle.Renews() ? subscription.CurrentPeriodEnd : (DateOnly?)null);
                var periodText = end is { } e ? $" ({start:yyyy-MM-dd} – {e.AddDays(-1):yyyy-MM-dd})" : "";
                invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.Product, $"{product.Name}, {line.Cycle.Label().ToLowerInvariant()}{periodText}",
                    1, price - options.Sum(o => o.Quantity * o.UnitPrice), Math.Min(discount, price - options.Sum(o => o.Quantity * o.UnitPrice)), product.Id, subscription.Id, start, end), tax);
                var optionDiscountLeft = discount - Math.Min(discount, price - options.Sum(o => o.Quantity * o.UnitPrice));
                foreach (var option in options)
                {
                    var optionAmount = option.Quantity * option.UnitPrice;
                    var optionDiscount = Math.Min(optionDiscountLeft, optionAmount);
                    optionDiscountLeft -= optionDiscount;
                    invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.Option, $"{option.Name} × {option.Quantity}", option.Quantity, option.UnitPrice,
                        optionDiscount, product.Id, subscription.Id, start, end), tax);
                }
                if (setupFee > 0)
                    invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.SetupFee, $"{product.Name}: setup fee", 1, setupFee, 0m, product.Id, subscription.Id), tax);
                items.Add(new OrderItem(product.Id, product.Name, line.Cycle, options, price, setupFee, discount, subscription.Id, domain));
            }
            var order = Order.Place(customer.TenantId, customer.Id, channel, currency, items, promo?.Code, new Utm(request.UtmSource, request.UtmMedium, request.UtmCampaign), now, newOrderId);
            order.AttachInvoice(invoice.Id, invoice.Total);
            scope.Db.Orders.Add(order);
            scope.Db.Invoices.Add(invoice);
            if (promo is not null)
            {
                promo.Redeem();
                scope.Db.PromoRedemptions.Add(new PromoRedemption(promo, customer.Id, order.Id, now));
            }
            await ledger.IssueAsync(scope, settings, invoice, ct);
            await scope.Db.SaveChangesAsync(ct);
            await ledger.ApplyCreditAsync(scope, invoice, after, ct);
            if (invoice.Status == InvoiceStatus.Paid && invoice.AmountPaid == 0)
                await SettleFreeAsync(scope, order, ct);
            // Products provisioned on order start now, before payment.
            var subscriptions = await scope.Db.Subscriptions.Where(s => s.OrderId == order.Id && s.Status == SubscriptionStatus.Pending).ToListAsync(ct);
            foreach (var s in subscriptions.Where(s => products[s.ProductId].ProvisioningPolicy == ProvisioningPolicy.OnOrder))
            {
                s.Activate("Provisioned on order", scope.Tenant.Actor.UserName ?? "system", now);
                var (tid, sid) = (s.TenantId, s.Id);
                after.Add(c => scope.Get<IProvisioningPort>().RequestAsync(tid, sid, ServiceAction.Provision, "Provisioned on order", c));
            }
            await SaveAsync(scope, ct);
            await tx.CommitAsync(ct);
            orderId = order.Id;
            await after.RunAsync(ct);
        }
        EmailDispatchJob.Trigger(jobs);
        return await GetAsync(orderId, ct);
    }

    /// <summary>A zero-total first invoice: the order is paid as placed.</summary>
    private async Task SettleFreeAsync(TenantScope scope, Order order, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var products = await scope.Db.Products.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.ProvisioningPolicy, ct);
        var subscriptions = await scope.Db.Subscriptions.Where(s => s.OrderId == order.Id).ToListAsync(ct);
        var approval = false;
        foreach (var s in subscriptions)
        {
            if (products[s.ProductId] == ProvisioningPolicy.ManualApproval) { approval = true; continue; }
            s.Activate("Free order", "billing", now);
        }
        if (approval) order.AwaitApproval(); else order.Complete(now);
    }

    /// <summary>Staff approve an order held for manual approval (or activate an order before payment).</summary>
    public async Task<OrderView> ApproveAsync(Guid id, CancellationToken ct = default)
    {
        var after = new AfterCommit();
        await using (var scope = scopes.Create())
        {
            var order = await scope.Db.Orders.FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundError("Order", id).ToException();
            if (order.Status == OrderStatus.Cancelled) throw new ConflictError("order_cancelled", "This order was cancelled.").ToException();
            var now = clock.GetUtcNow();
            var actor = scope.Tenant.Actor.UserName ?? "staff";
            var subscriptions = await scope.Db.Subscriptions.Where(s => s.OrderId == id && s.Status == SubscriptionStatus.Pending).ToListAsync(ct);
            foreach (var s in subscriptions)
            {
                s.Activate("Approved by staff", actor, now);
                var (tid, sid) = (s.TenantId, s.Id);
                after.Add(c => scope.Get<IProvisioningPort>().RequestAsync(tid, sid, ServiceAction.Provision, "Approved by staff", c));
            }
            var invoicePaid = order.InvoiceId is { } iid && await scope.Db.Invoices.AnyAsync(i => i.Id == iid && i.Status == InvoiceStatus.Paid, ct);
            if (invoicePaid) order.Complete(now);
            await SaveAsync(scope, ct);
            await after.RunAsync(ct);
        }
        return await GetAsync(id, ct);
    }

    /// <summary>Cancels an unpaid order: its invoice is voided, its subscriptions cancelled, stock and promo use released.</summary>
    public async Task<OrderView> CancelAsync(Guid id, string reason, CancellationToken ct = default)
    {
        await using (var scope = scopes.Create())
        {
            await using var tx = await scope.Db.Database.BeginTransactionAsync(ct);
            await CancelInScopeAsync(scope, id, reason, ct);
            await tx.CommitAsync(ct);
        }
        return await GetAsync(id, ct);
    }

    internal async Task<bool> CancelInScopeAsync(TenantScope scope, Guid id, string reason, CancellationToken ct)
    {
        var order = await scope.Db.Orders.FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundError("Order", id).ToException();
        if (order.Status == OrderStatus.Cancelled) return false;
        var now = clock.GetUtcNow();
        var clean = Text.Clean(reason) ?? "Cancelled";
        if (order.InvoiceId is { } invoiceId)
        {
            await BillingLedger.LockInvoiceAsync(scope, invoiceId, ct);
            var invoice = await scope.Db.Invoices.FirstAsync(i => i.Id == invoiceId, ct);
            if (invoice.AmountPaid > 0)
                throw new ConflictError("order_paid", "This order has payments; refund them before cancelling.").ToException();
            if (invoice.Status is InvoiceStatus.Open or InvoiceStatus.Proforma or InvoiceStatus.Draft) invoice.Void($"Order cancelled: {clean}", now);
        }
        order.Cancel(clean, now);
        var subscriptions = await scope.Db.Subscriptions.Where(s => s.OrderId == id).ToListAsync(ct);
        var productIds = subscriptions.Select(s => s.ProductId).ToList();
        var products = await scope.Db.Products.Where(p => productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        foreach (var s in subscriptions.Where(s => s.Status is SubscriptionStatus.Pending or SubscriptionStatus.Active))
        {
            s.Cancel(false, $"Order cancelled: {clean}", scope.Tenant.Actor.UserName ?? "system", now);
            products[s.ProductId].Release();
        }
        if (order.PromoCode is not null)
        {
            var redemption = await scope.Db.PromoRedemptions.FirstOrDefaultAsync(r => r.OrderId == id, ct);
            if (redemption is not null)
            {
                scope.Db.PromoRedemptions.Remove(redemption);
                var promo = await scope.Db.PromoCodes.FirstAsync(p => p.Id == redemption.PromoCodeId, ct);
                promo.Unredeem();
            }
        }
        await SaveAsync(scope, ct);
        return true;
    }

    public async Task<Paged<OrderRow>> ListAsync(PageQuery page, OrderListQuery filter, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var query = from o in scope.Db.Orders.AsNoTracking()
                    join c in scope.Db.Customers.AsNoTracking() on o.CustomerId equals c.Id
                    select new { o, c };
        if (filter.Status is { } status) query = query.Where(x => x.o.Status == status);
        if (filter.CustomerId is { } cid) query = query.Where(x => x.o.CustomerId == cid);
        if (page.SearchTerm is { } term)
        {
            var like = PagingExtensions.LikePattern(term);
            query = query.Where(x => EF.Functions.ILike(x.c.FirstName + " " + x.c.LastName, like) || EF.Functions.ILike(x.c.Email, like)
                                     || (x.o.PromoCode != null && EF.Functions.ILike(x.o.PromoCode, like)) || (x.o.UtmSource != null && EF.Functions.ILike(x.o.UtmSource, like)));
        }
        var total = await query.CountAsync(ct);
        query = (page.Sort?.ToLowerInvariant(), page.Descending) switch
        {
            ("total", false) => query.OrderBy(x => x.o.Total),
            ("total", true) => query.OrderByDescending(x => x.o.Total),
            ("status", false) => query.OrderBy(x => x.o.Status),
            ("status", true) => query.OrderByDescending(x => x.o.Status),
            ("createdat", false) => query.OrderBy(x => x.o.CreatedAt),
            _ => query.OrderByDescending(x => x.o.CreatedAt),
        };
        var rows = await query.Page(page).Select(x => new OrderRow(x.o.Id, "", x.o.CustomerId, x.c.FirstName + " " + x.c.LastName, x.o.Status, x.o.Channel,
            x.o.Total, x.o.Currency, x.o.PromoCode, x.o.UtmSource, x.o.InvoiceId, x.o.CreatedAt)).ToListAsync(ct);
        return new Paged<OrderRow>(rows.Select(r => r with { Reference = "ORD-" + r.Id.ToString("N")[^8..].ToUpperInvariant() }).ToList(), total);
    }

    public async Task<OrderView> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var scope = scopes.Create();
        var order = await scope.Db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundError("Order", id).ToException();
        var customer = await scope.Db.Customers.AsNoTracking().FirstAsync(c => c.Id == order.CustomerId, ct);
        var invoice = order.InvoiceId is { } iid ? await scope.Db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == iid, ct) : null;
        return new OrderView(order.Id, order.Reference, order.CustomerId, $"{customer.FirstName} {customer.LastName}", order.Status, order.Channel, order.Currency,
            order.Total, order.Items, order.PromoCode, new Utm(order.UtmSource, order.UtmMedium, order.UtmCampaign), order.InvoiceId, invoice?.Number,
            invoice?.Status, order.CancelReason, order.CreatedAt, order.CompletedAt);
    }

    private static async Task SaveAsync(TenantScope scope, CancellationToken ct)
    {
        try
        {
            await scope.Db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Two orders raced for the last unit of stock or the last use of a promo code: the loser retries.
            throw new ConflictError("order_race", "Someone else just took the last unit or promo use; please try again.").ToException();
        }
    }
}
