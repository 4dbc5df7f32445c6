using MPanel.Domain.Common;

namespace MPanel.Domain.Billing;

public enum OrderStatus { PendingPayment, AwaitingApproval, Completed, Cancelled }

public enum OrderChannel { Admin, ClientArea, Api }

public sealed record OrderItem(Guid ProductId, string ProductName, BillingCycle Cycle, IReadOnlyList<ChosenOption> Options, decimal Price,
    decimal SetupFee, decimal Discount, Guid SubscriptionId, string? Domain = null);

/// <summary>What the customer bought and where the sale came from. Creates Pending subscriptions and the first invoice.</summary>
public sealed class Order : Entity, ITenantOwned, IVersioned
{
    private Order() { }

    public Guid TenantId { get; private set; }
    public Guid CustomerId { get; private set; }
    public OrderStatus Status { get; private set; }
    public OrderChannel Channel { get; private set; }
    public string Currency { get; private set; } = "";
    public List<OrderItem> Items { get; private set; } = [];
    public string? PromoCode { get; private set; }
    public string? UtmSource { get; private set; }
    public string? UtmMedium { get; private set; }
    public string? UtmCampaign { get; private set; }
    public Guid? InvoiceId { get; private set; }
    public decimal Total { get; private set; }
    public string? CancelReason { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public DateTimeOffset? CancelledAt { get; private set; }
    public uint Version { get; private set; }

    /// <summary>A short reference customers can quote.</summary>
    public string Reference => "ORD-" + Id.ToString("N")[^8..].ToUpperInvariant();

    public static Order Place(Guid tenantId, Guid customerId, OrderChannel channel, string currency, IReadOnlyList<OrderItem> items,
        string? promoCode, Utm utm, DateTimeOffset now, Guid? id = null)
    {
        if (items.Count == 0) throw ValidationError.For("items", "An order needs at least one item.").ToException();
        var order = new Order
        {
            TenantId = tenantId,
            CustomerId = customerId,
            Channel = channel,
            Status = OrderStatus.PendingPayment,
            Currency = currency,
            Items = [.. items],
            PromoCode = promoCode,
            UtmSource = Trim(utm.Source),
            UtmMedium = Trim(utm.Medium),
            UtmCampaign = Trim(utm.Campaign),
            CreatedAt = now,
        };
        if (id is { } given) order.Id = given;
        return order;
    }

    private static string? Trim(string? s) => Text.Clean(s) is { } t ? (t.Length > 100 ? t[..100] : t) : null;

    public void AttachInvoice(Guid invoiceId, decimal total)
    {
        InvoiceId = invoiceId;
        Total = total;
    }

    public void AwaitApproval() { if (Status == OrderStatus.PendingPayment) Status = OrderStatus.AwaitingApproval; }

    public bool Complete(DateTimeOffset now)
    {
        if (Status is OrderStatus.Completed) return false;
        if (Status == OrderStatus.Cancelled)
            throw new ConflictError("order_cancelled", "This order was cancelled.").ToException();
        Status = OrderStatus.Completed;
        CompletedAt = now;
        return true;
    }

    public void Cancel(string reason, DateTimeOffset now)
    {
        if (Status == OrderStatus.Cancelled) return;
        if (Status == OrderStatus.Completed)
            throw new ConflictError("order_completed", "A completed order cannot be cancelled; cancel its subscriptions instead.").ToException();
        Status = OrderStatus.Cancelled;
        CancelReason = reason;
        CancelledAt = now;
    }
}

public sealed record Utm(string? Source, string? Medium, string? Campaign)
{
    public static readonly Utm None = new(null, null, null);
}
