using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using static MPanel.Tests.Domain.Billing.BillingFixtures;

namespace MPanel.Tests.Domain.Billing;

public sealed class InvoiceTotalsTests
{
    [Fact]
    public void Totals_AreSumsOfLinesRoundedOnce_NotRoundedAgain()
    {
        // Each 0.125 line rounds to 0.12 net, 0.12 × 21% = 0.0252 → 0.03 tax, 0.15 total.
        // Rounding the sum instead would give 0.375 → 0.38 net, 0.0798 → 0.08 tax, 0.46 total.
        var invoice = Draft();
        for (var i = 0; i < 3; i++) invoice.AddLine(Line(0.125m), DutchVat());
        Assert.Equal(0.36m, invoice.Subtotal);
        Assert.Equal(0.09m, invoice.TaxTotal);
        Assert.Equal(0.45m, invoice.Total);
        Assert.Equal(invoice.Lines.Sum(l => l.Total), invoice.Total);
        Assert.All(invoice.Lines, l => Assert.Equal(0.15m, l.Total));
    }

    [Fact]
    public void Totals_InYen_HaveNoMinorUnit()
    {
        // 100.5 → 100 and 101.5 → 102 (both to the even yen); the total 202 is their sum.
        var invoice = Draft(NoTax(), "JPY");
        invoice.AddLine(Line(100.5m), NoTax());
        invoice.AddLine(Line(101.5m), NoTax());
        Assert.Equal([100m, 102m], invoice.Lines.Select(l => l.Total));
        Assert.Equal(202m, invoice.Total);
    }

    [Fact]
    public void Totals_InDinar_KeepThreeDecimals()
    {
        var invoice = Draft(NoTax(), "KWD");
        invoice.AddLine(Line(1.2345m), NoTax()); // → 1.234
        invoice.AddLine(Line(1.2355m), NoTax()); // → 1.236
        Assert.Equal(2.470m, invoice.Total);
    }

    [Fact]
    public void AddLine_DiscountIsTakenBeforeTax()
    {
        // 3 × 9.99 − 2.50 = 27.47 net; 27.47 × 21% = 5.7687 → 5.77; total 33.24.
        var invoice = Draft();
        var line = invoice.AddLine(Line(9.99m, quantity: 3, discount: 2.50m), DutchVat());
        Assert.Equal((27.47m, 2.50m, 5.77m, 33.24m), (line.Net, line.Discount, line.Tax, line.Total));
        Assert.Equal((27.47m, 2.50m, 5.77m, 33.24m), (invoice.Subtotal, invoice.DiscountTotal, invoice.TaxTotal, invoice.Total));
        Assert.Equal("VAT 21%", line.TaxLabel);
    }

    [Fact]
    public void TaxBreakdown_GroupsByRateWithTheirBases()
    {
        // 100.00 @ 21% → 21.00; 50.00 @ 9% → 4.50; 10.125 → 10.12 @ 21% → 2.1252 → 2.13.
        var invoice = Draft();
        var reduced = Context("NL", [Rule("VAT", "NL", 9m)]);
        invoice.AddLine(Line(100m), DutchVat());
        invoice.AddLine(Line(50m, description: "Domain"), reduced);
        invoice.AddLine(Line(10.125m, description: "Add-on"), DutchVat());
        Assert.Equal([new InvoiceTax("VAT", 9m, 50.00m, 4.50m), new InvoiceTax("VAT", 21m, 110.12m, 23.13m)], invoice.Taxes);
        Assert.Equal(160.12m, invoice.Subtotal);
        Assert.Equal(27.63m, invoice.TaxTotal);
        Assert.Equal(187.75m, invoice.Total); // 121.00 + 54.50 + 12.25
        Assert.Equal(invoice.TaxTotal, invoice.Taxes.Sum(t => t.Amount));
    }

    [Fact]
    public void TaxBreakdown_ShowsACompoundRateOnTheNetPlusTheTaxesBeforeIt()
    {
        // Per 100.00 line: GST 5.00 on 100.00, QST 9.975% of 105.00 = 10.47375 → 10.47. Two lines: GST 10.00 on 200.00 and
        // QST 20.94 on 210.00 (9.975% of 210.00 = 20.95 before per-line rounding; of the bare net 200.00 it would be 19.95).
        var quebec = Context("CA", [Rule("GST", "CA", 5m, priority: 0), Rule("QST", "CA", 9.975m, "QC", compound: true, priority: 1)], region: "QC");
        var invoice = Invoice.Create(TenantId, CustomerId, "CAD", Buyer("CA"), quebec, Today, Today, Now);
        invoice.AddLine(Line(100m), quebec);
        invoice.AddLine(Line(100m), quebec);
        Assert.Equal([new InvoiceTax("GST", 5m, 200.00m, 10.00m), new InvoiceTax("QST", 9.975m, 210.00m, 20.94m)], invoice.Taxes);
        Assert.Equal(230.94m, invoice.Total);
    }

    [Fact]
    public void RemoveLine_RecalculatesTotalsAndBreakdown()
    {
        var invoice = Draft();
        invoice.AddLine(Line(100m), DutchVat());
        var second = invoice.AddLine(Line(50m), DutchVat());
        invoice.RemoveLine(second.Id);
        Assert.Equal(121.00m, invoice.Total);
        Assert.Equal(100.00m, Assert.Single(invoice.Taxes).Base);
    }

    [Theory]
    [InlineData(0, 10, 0)]       // quantity must be positive
    [InlineData(1, 10.00001, 0)] // at most four decimals
    [InlineData(1, 10, 10.01)]   // discount above the line amount
    [InlineData(1, 10, -1)]      // negative discount
    public void AddLine_RejectsInvalidInput(decimal quantity, decimal unitPrice, decimal discount)
    {
        var invoice = Draft();
        Assert.IsType<ValidationError>(ErrorOf(() => invoice.AddLine(Line(unitPrice, quantity, discount), DutchVat())));
        Assert.Empty(invoice.Lines);
    }
}

public sealed class InvoiceLifeCycleTests
{
    [Fact]
    public void Draft_IsNotPayableAndHasNoNumber()
    {
        var invoice = Draft();
        invoice.AddLine(Line(100m), DutchVat());
        Assert.Equal(InvoiceStatus.Draft, invoice.Status);
        Assert.Null(invoice.Number);
        Assert.Equal(0m, invoice.AmountDue);
        Assert.False(invoice.IsPayable);
        Assert.Equal("invoice_not_payable", ConflictCode(() => invoice.ApplyPayment(10m, Now)));
    }

    [Fact]
    public void Finalise_NumbersTheDraftAndOpensIt()
    {
        var invoice = Draft();
        invoice.AddLine(Line(100m), DutchVat());
        invoice.Finalise("INV-2026-000042", Now);
        Assert.Equal(InvoiceStatus.Open, invoice.Status);
        Assert.Equal("INV-2026-000042", invoice.Number);
        Assert.Equal(Now, invoice.FinalisedAt);
        Assert.Equal(121.00m, invoice.AmountDue);
        Assert.True(invoice.IsPayable);
        Assert.Null(invoice.PaidAt);
    }

    [Fact]
    public void Finalise_WithoutLines_IsRefused()
    {
        var invoice = Draft();
        Assert.Equal("invoice_empty", ConflictCode(() => invoice.Finalise("INV-1", Now)));
        Assert.Null(invoice.Number);
    }

    [Fact]
    public void Finalise_Twice_IsRefusedAndKeepsTheFirstNumber()
    {
        var invoice = Open121("INV-2026-000001");
        Assert.Equal("invoice_final", ConflictCode(() => invoice.Finalise("INV-2026-000002", Now)));
        Assert.Equal("INV-2026-000001", invoice.Number);
    }

    [Fact]
    public void AddLine_AfterFinalise_IsRefused()
    {
        var invoice = Open121();
        Assert.Equal("invoice_final", ConflictCode(() => invoice.AddLine(Line(1m), DutchVat())));
        Assert.Equal(121.00m, invoice.Total);
    }

    [Fact]
    public void Finalise_ZeroTotal_IsPaidAtOnce()
    {
        var invoice = Draft();
        invoice.AddLine(Line(0m, description: "Free trial"), DutchVat());
        invoice.Finalise("INV-2026-000003", Now);
        Assert.Equal(InvoiceStatus.Paid, invoice.Status);
        Assert.Equal(Now, invoice.PaidAt);
        Assert.False(invoice.IsPayable);
    }

    [Fact]
    public void ApplyPayment_PartialThenFull_SettlesOnlyOnTheLast()
    {
        var invoice = Open121();
        var later = Now.AddHours(1);

        Assert.False(invoice.ApplyPayment(50m, Now));
        Assert.Equal(InvoiceStatus.Open, invoice.Status);
        Assert.Equal(71.00m, invoice.AmountDue);
        Assert.Null(invoice.PaidAt);

        Assert.True(invoice.ApplyPayment(71m, later));
        Assert.Equal(InvoiceStatus.Paid, invoice.Status);
        Assert.Equal(0m, invoice.AmountDue);
        Assert.Equal(121.00m, invoice.AmountPaid);
        Assert.Equal(later, invoice.PaidAt);
    }

    [Theory]
    [InlineData(121.01)]
    [InlineData(0)]
    [InlineData(-5)]
    public void ApplyPayment_OutsideTheAmountDue_IsAValidationError(decimal amount)
    {
        var invoice = Open121();
        Assert.Equal(["amount"], ValidationFields(() => invoice.ApplyPayment(amount, Now)));
        Assert.Equal(0m, invoice.AmountPaid);
        Assert.Equal(InvoiceStatus.Open, invoice.Status);
    }

    [Fact]
    public void ApplyPayment_OnAPaidInvoice_IsAConflict()
    {
        var invoice = Open121();
        invoice.ApplyPayment(121m, Now);
        Assert.Equal("invoice_not_payable", ConflictCode(() => invoice.ApplyPayment(1m, Now)));
        Assert.Equal(121.00m, invoice.AmountPaid);
    }

    [Fact]
    public void Void_UnpaidInvoice_ClearsTheRenewalKey()
    {
        var subscriptionId = Guid.CreateVersion7();
        var invoice = Open121();
        invoice.MarkRenewalOf(subscriptionId, new DateOnly(2026, 4, 1));

        invoice.Void("  Renewal  raised twice ", Now);

        Assert.Equal(InvoiceStatus.Void, invoice.Status);
        Assert.Equal("Renewal raised twice", invoice.VoidReason);
        Assert.Equal(Now, invoice.VoidedAt);
        Assert.Null(invoice.RenewalPeriodStart);        // the period can be invoiced again
        Assert.Equal(subscriptionId, invoice.SubscriptionId);
        Assert.Equal("INV-2026-000001", invoice.Number); // a void keeps its number
        Assert.Equal(0m, invoice.AmountDue);
        Assert.False(invoice.IsPayable);
    }

    [Fact]
    public void Void_PartlyPaid_IsRefused()
    {
        var invoice = Open121();
        invoice.ApplyPayment(10m, Now);
        Assert.Equal("invoice_partly_paid", ConflictCode(() => invoice.Void("Customer changed their mind", Now)));
        Assert.Equal(InvoiceStatus.Open, invoice.Status);
    }

    [Fact]
    public void Void_Paid_IsRefused()
    {
        var invoice = Open121();
        invoice.ApplyPayment(121m, Now);
        Assert.Equal("invoice_not_voidable", ConflictCode(() => invoice.Void("Too late", Now)));
        Assert.Equal(InvoiceStatus.Paid, invoice.Status);
    }

    [Fact]
    public void Void_Twice_IsRefused()
    {
        var invoice = Open121();
        invoice.Void("Duplicate", Now);
        Assert.Equal("invoice_not_voidable", ConflictCode(() => invoice.Void("Duplicate", Now)));
    }

    [Fact]
    public void Void_NeedsAReason()
    {
        var invoice = Open121();
        Assert.Equal(["reason"], ValidationFields(() => invoice.Void(" x ", Now)));
        Assert.Equal(InvoiceStatus.Open, invoice.Status);
    }

    [Fact]
    public void Proforma_IsPayableWithoutNumber_AndGetsItsNumberWhenPaid()
    {
        var invoice = Draft();
        invoice.AddLine(Line(100m), DutchVat());
        invoice.IssueAsProforma(Now);
        Assert.Equal(InvoiceStatus.Proforma, invoice.Status);
        Assert.Null(invoice.Number);
        Assert.True(invoice.IsPayable);
        Assert.False(invoice.NeedsNumberAfterPayment);

        Assert.True(invoice.ApplyPayment(121m, Now));
        Assert.Equal(InvoiceStatus.Proforma, invoice.Status); // still waiting for its number
        Assert.True(invoice.NeedsNumberAfterPayment);

        var later = Now.AddMinutes(1);
        invoice.CompleteProformaPayment("INV-2026-000007", later);
        Assert.Equal(InvoiceStatus.Paid, invoice.Status);
        Assert.Equal("INV-2026-000007", invoice.Number);
        Assert.Equal(Now, invoice.PaidAt); // paid when the money came, not when numbered
        Assert.False(invoice.NeedsNumberAfterPayment);
    }

    [Fact]
    public void CompleteProformaPayment_BeforeFullPayment_IsRefused()
    {
        var invoice = Draft();
        invoice.AddLine(Line(100m), DutchVat());
        invoice.IssueAsProforma(Now);
        invoice.ApplyPayment(100m, Now);
        Assert.Equal("not_proforma", ConflictCode(() => invoice.CompleteProformaPayment("INV-2026-000008", Now)));
        Assert.Null(invoice.Number);
    }

    [Fact]
    public void IssueAsProforma_OnlyFromDraft()
    {
        var invoice = Open121();
        Assert.Equal("invoice_state", ConflictCode(() => invoice.IssueAsProforma(Now)));
    }

    [Fact]
    public void AddLateFee_OnceOnAnOpenInvoice()
    {
        // 10.00 + 21% = 12.10 on top of 121.00.
        var invoice = Open121();
        invoice.AddLateFee("Late fee", 10m, DutchVat());
        invoice.AddLateFee("Late fee", 10m, DutchVat());
        Assert.True(invoice.LateFeeApplied);
        Assert.Equal(2, invoice.Lines.Count);
        Assert.Equal(InvoiceLineKind.LateFee, invoice.Lines[1].Kind);
        Assert.Equal(133.10m, invoice.Total);
        Assert.Equal(133.10m, invoice.AmountDue);
    }

    [Fact]
    public void AddLateFee_OnAPaidInvoice_DoesNothing()
    {
        var invoice = Open121();
        invoice.ApplyPayment(121m, Now);
        invoice.AddLateFee("Late fee", 10m, DutchVat());
        Assert.False(invoice.LateFeeApplied);
        Assert.Equal(121.00m, invoice.Total);
    }
}

public sealed class InvoiceCreditAndRefundTests
{
    private static Invoice Credit(Invoice original, decimal net) =>
        Invoice.CreateCreditNote(original, [new InvoiceLineInput(InvoiceLineKind.Adjustment, "Goodwill", 1, net)], DutchVat(),
            "Service outage", Today, Now);

    [Fact]
    public void CreateCreditNote_IsADraftCreditNoteForTheOriginal()
    {
        var original = Open121();
        var note = Credit(original, 50m); // 50.00 + 21% = 60.50
        Assert.Equal(InvoiceKind.CreditNote, note.Kind);
        Assert.Equal(InvoiceStatus.Draft, note.Status);
        Assert.Equal(DocumentSeries.CreditNote, note.Series);
        Assert.Equal(original.Id, note.OriginalInvoiceId);
        Assert.Equal(original.CustomerId, note.CustomerId);
        Assert.Equal(60.50m, note.Total);
        Assert.Equal(60.50m, original.AmountCredited);

        note.Finalise("CN-2026-000001", Now);
        Assert.Equal(InvoiceStatus.Issued, note.Status);
        Assert.Equal(0m, note.AmountDue);
        Assert.False(note.IsPayable);
    }

    [Fact]
    public void CreateCreditNote_CannotExceedWhatRemainsCreditable()
    {
        var original = Open121();
        Credit(original, 50m); // 60.50 credited, 60.50 left

        // 50.01 + 21% = 10.5021 → 10.50 tax → 60.51, one cent too many.
        Assert.Equal(["amount"], ValidationFields(() => Credit(original, 50.01m)));
        Assert.Equal(60.50m, original.AmountCredited);

        Credit(original, 50m); // exactly the rest
        Assert.Equal(121.00m, original.AmountCredited);
        Assert.Equal(["amount"], ValidationFields(() => Credit(original, 0.01m)));
    }

    [Fact]
    public void CreateCreditNote_ForADraft_IsRefused()
    {
        var draft = Draft();
        draft.AddLine(Line(100m), DutchVat());
        Assert.Equal("not_creditable", ConflictCode(() => Credit(draft, 10m)));
    }

    [Fact]
    public void CreateCreditNote_ForAVoidInvoice_IsRefused()
    {
        // A void invoice was never owed (voiding requires no payments): crediting it would hand out free credit.
        var original = Open121();
        original.Void("Raised in error", Now);
        Assert.Equal("not_creditable", ConflictCode(() => Credit(original, 10m)));
        Assert.Equal(0m, original.AmountCredited);
    }

    [Fact]
    public void CreateCreditNote_ForACreditNote_IsRefused()
    {
        var note = Credit(Open121(), 10m);
        note.Finalise("CN-2026-000001", Now);
        Assert.Equal("not_creditable", ConflictCode(() => Credit(note, 1m)));
    }

    [Fact]
    public void RecordRefund_IsLimitedToWhatWasPaidAndNotYetRefunded()
    {
        var invoice = Open121();
        invoice.ApplyPayment(121m, Now);
        invoice.RecordRefund(100m);
        Assert.Equal(["amount"], ValidationFields(() => invoice.RecordRefund(21.01m)));
        Assert.Equal(100m, invoice.AmountRefunded);
        invoice.RecordRefund(21m);
        Assert.Equal(121m, invoice.AmountRefunded);
        Assert.Equal(["amount"], ValidationFields(() => invoice.RecordRefund(0.01m)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void RecordRefund_MustBePositive(decimal amount)
    {
        var invoice = Open121();
        invoice.ApplyPayment(121m, Now);
        Assert.Equal(["amount"], ValidationFields(() => invoice.RecordRefund(amount)));
    }

    [Fact]
    public void RecordRefund_OnAnUnpaidInvoice_IsRefused()
    {
        var invoice = Open121();
        Assert.Equal(["amount"], ValidationFields(() => invoice.RecordRefund(1m)));
    }

    [Fact]
    public void Create_DueBeforeIssue_IsRefused() =>
        Assert.Equal(["dueDate"], ValidationFields(() =>
            Invoice.Create(TenantId, CustomerId, "EUR", Buyer(), DutchVat(), Today, Today.AddDays(-1), Now)));

    [Fact]
    public void Create_BadCurrency_IsRefused() =>
        Assert.Equal(["currency"], ValidationFields(() =>
            Invoice.Create(TenantId, CustomerId, "eur", Buyer(), DutchVat(), Today, Today, Now)));
}

public sealed class DocumentCounterTests
{
    [Fact]
    public void Next_CountsUpFromOne()
    {
        var counter = new DocumentCounter(TenantId, DocumentSeries.Invoice, 2026);
        Assert.Equal([1L, 2L, 3L], new[] { counter.Next(), counter.Next(), counter.Next() });
        Assert.Equal(3L, counter.LastNumber);
    }
}
