using MPanel.Domain.Billing;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class PaymentsTests
{
    private static Payment Started(decimal amount = 121m) =>
        Payment.Start(TenantId, Open121(), PaymentGatewayKind.Stripe, amount, "pay:1", null, Now);

    [Fact]
    public void RecordRefund_OnASucceededPayment_IsLimitedToWhatRemains()
    {
        var payment = Started();
        payment.Succeed("pi_123", null, Now);
        payment.RecordRefund(100m);
        Assert.Equal(["amount"], ValidationFields(() => payment.RecordRefund(21.01m)));
        payment.RecordRefund(21m);
        Assert.Equal(121m, payment.AmountRefunded);
    }

    [Fact]
    public void RecordRefund_OnAPendingOrFailedPayment_IsRefused()
    {
        var pending = Started();
        Assert.Equal(["amount"], ValidationFields(() => pending.RecordRefund(1m)));
        var failed = Started();
        failed.Fail("pi_124", "card_declined", "Your card was declined.", Now);
        Assert.Equal(["amount"], ValidationFields(() => failed.RecordRefund(1m)));
    }

    [Fact]
    public void Succeed_KeepsAnEarlierGatewayReference()
    {
        var payment = Started();
        payment.Fail("pi_9", "authentication_required", null, Now);
        payment.Succeed(null, "  bank  ref ", Now);
        Assert.Equal(("pi_9", "bank ref", PaymentStatus.Succeeded), (payment.GatewayReference, payment.Reference, payment.Status));
    }

    [Fact]
    public void CreditEntry_OfZero_IsRefused() =>
        Assert.Equal(["amount"], ValidationFields(() =>
            new CreditEntry(TenantId, CustomerId, "EUR", 0m, CreditEntryKind.Manual, "Nothing", null, null, "staff", Now)));

    [Theory]
    [InlineData(2026, 2, "2026-03-01", true)]  // expires at the end of its month
    [InlineData(2026, 2, "2026-02-28", false)]
    [InlineData(2026, 12, "2027-01-01", true)]
    public void SavedCard_ExpiresAfterItsLastMonth(int year, int month, string today, bool expired)
    {
        var card = new SavedCard(TenantId, CustomerId, new GatewayCard("pm_1", "visa", "4242", month, year, null), true, Now);
        Assert.Equal(expired, card.IsExpired(DateOnly.Parse(today)));
    }
}
