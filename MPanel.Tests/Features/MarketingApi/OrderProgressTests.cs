using MPanel.Domain.Billing;
using MPanel.Web.Features.MarketingApi;

namespace MPanel.Tests.Features.MarketingApi;

/// <summary>The order status the success page shows, from the order, its invoice and its services.</summary>
public sealed class OrderProgressTests
{
    [Theory]
    [InlineData(OrderStatus.PendingPayment, InvoiceStatus.Open, new[] { SubscriptionStatus.Pending }, "pending_payment")]
    [InlineData(OrderStatus.PendingPayment, InvoiceStatus.Proforma, new[] { SubscriptionStatus.Pending }, "pending_payment")]
    [InlineData(OrderStatus.PendingPayment, InvoiceStatus.Paid, new[] { SubscriptionStatus.Pending }, "provisioning")]
    [InlineData(OrderStatus.AwaitingApproval, InvoiceStatus.Paid, new[] { SubscriptionStatus.Pending }, "awaiting_approval")]
    [InlineData(OrderStatus.Completed, InvoiceStatus.Paid, new[] { SubscriptionStatus.Active, SubscriptionStatus.Pending }, "provisioning")]
    [InlineData(OrderStatus.Completed, InvoiceStatus.Paid, new[] { SubscriptionStatus.Active, SubscriptionStatus.Active }, "active")]
    [InlineData(OrderStatus.Completed, InvoiceStatus.Paid, new[] { SubscriptionStatus.Active, SubscriptionStatus.Suspended }, "suspended")]
    [InlineData(OrderStatus.Completed, InvoiceStatus.Paid, new[] { SubscriptionStatus.Active, SubscriptionStatus.Cancelled }, "active")]
    [InlineData(OrderStatus.Completed, InvoiceStatus.Paid, new[] { SubscriptionStatus.Terminated }, "ended")]
    [InlineData(OrderStatus.Cancelled, InvoiceStatus.Void, new[] { SubscriptionStatus.Cancelled }, "cancelled")]
    // The order was placed with Activate-on-order products: active before payment still says what is owed.
    [InlineData(OrderStatus.PendingPayment, InvoiceStatus.Open, new[] { SubscriptionStatus.Active }, "pending_payment")]
    public void Of_DerivesTheSuccessPageStatus(OrderStatus order, InvoiceStatus invoice, SubscriptionStatus[] services, string expected) =>
        Assert.Equal(expected, OrderProgress.Of(order, invoice, services));
}
