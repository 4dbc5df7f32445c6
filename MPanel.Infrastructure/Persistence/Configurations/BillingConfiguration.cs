using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MPanel.Domain.Billing;
using MPanel.Domain.Customers;
using MPanel.Domain.Tenants;

namespace MPanel.Infrastructure.Persistence.Configurations;

internal sealed class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> b)
    {
        b.ToTable("products");
        b.Property(p => p.Name).HasMaxLength(120);
        b.Property(p => p.Description).HasMaxLength(4000);
        b.Property(p => p.Resources).HasJsonConversion();
        b.Property(p => p.Prices).HasJsonConversion();
        b.Property(p => p.Options).HasJsonConversion();
        b.Property(p => p.Dunning).HasJsonConversion();
        b.HasIndex(p => new { p.TenantId, p.Name });
        b.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Ignore(p => p.InStock);
        b.Ignore(p => p.IsOrderable);
    }
}

internal sealed class BillingSettingsConfiguration : IEntityTypeConfiguration<BillingSettings>
{
    public void Configure(EntityTypeBuilder<BillingSettings> b)
    {
        b.ToTable("billing_settings");
        b.HasIndex(s => s.TenantId).IsUnique();
        b.Property(s => s.BaseCurrency).HasMaxLength(3);
        b.Property(s => s.SellerCountry).HasMaxLength(2);
        b.Property(s => s.SellerVatId).HasMaxLength(20);
        b.Property(s => s.SellerName).HasMaxLength(150);
        b.Property(s => s.InvoiceNumberFormat).HasMaxLength(64);
        b.Property(s => s.InvoicePrefix).HasMaxLength(12);
        b.Property(s => s.CreditNotePrefix).HasMaxLength(12);
        b.Property(s => s.BankTransferInstructions).HasMaxLength(2000);
        b.Property(s => s.CurrencyRates).HasJsonConversion();
        b.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Cascade);
        b.Ignore(s => s.Currencies);
    }
}

internal sealed class TaxRuleConfiguration : IEntityTypeConfiguration<TaxRule>
{
    public void Configure(EntityTypeBuilder<TaxRule> b)
    {
        b.ToTable("tax_rules");
        b.Property(r => r.Name).HasMaxLength(40);
        b.Property(r => r.Country).HasMaxLength(2);
        b.Property(r => r.Region).HasMaxLength(10);
        b.Property(r => r.Rate).HasPrecision(7, 3);
        b.HasIndex(r => new { r.TenantId, r.Country });
        b.Ignore(r => r.Label);
    }
}

internal sealed class PromoCodeConfiguration : IEntityTypeConfiguration<PromoCode>
{
    public void Configure(EntityTypeBuilder<PromoCode> b)
    {
        b.ToTable("promo_codes");
        b.Property(p => p.Code).HasMaxLength(32);
        b.Property(p => p.Description).HasMaxLength(200);
        b.Property(p => p.Currency).HasMaxLength(3);
        b.HasIndex(p => new { p.TenantId, p.Code }).IsUnique();
    }
}

internal sealed class PromoRedemptionConfiguration : IEntityTypeConfiguration<PromoRedemption>
{
    public void Configure(EntityTypeBuilder<PromoRedemption> b)
    {
        b.ToTable("promo_redemptions");
        b.HasIndex(r => new { r.PromoCodeId, r.CustomerId });
        b.HasIndex(r => new { r.PromoCodeId, r.OrderId }).IsUnique();
        b.HasOne<PromoCode>().WithMany().HasForeignKey(r => r.PromoCodeId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> b)
    {
        b.ToTable("orders");
        b.Property(o => o.Currency).HasMaxLength(3);
        b.Property(o => o.Items).HasJsonConversion();
        b.Property(o => o.PromoCode).HasMaxLength(32);
        b.Property(o => o.UtmSource).HasMaxLength(100);
        b.Property(o => o.UtmMedium).HasMaxLength(100);
        b.Property(o => o.UtmCampaign).HasMaxLength(100);
        b.Property(o => o.CancelReason).HasMaxLength(500);
        b.HasIndex(o => new { o.TenantId, o.CreatedAt });
        b.HasIndex(o => new { o.TenantId, o.Status, o.CreatedAt });
        b.HasIndex(o => o.CustomerId);
        b.HasOne<Customer>().WithMany().HasForeignKey(o => o.CustomerId).OnDelete(DeleteBehavior.Restrict);
        b.Ignore(o => o.Reference);
    }
}

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> b)
    {
        b.ToTable("subscriptions");
        b.Property(s => s.ProductName).HasMaxLength(120);
        b.Property(s => s.Currency).HasMaxLength(3);
        b.Property(s => s.PromoCode).HasMaxLength(32);
        b.Property(s => s.SuspensionReason).HasMaxLength(500);
        b.Property(s => s.Options).HasJsonConversion();
        b.Property(s => s.PendingChange).HasJsonConversion();
        b.Property(s => s.PrimaryDomain).HasMaxLength(253);
        b.Property(s => s.AccountName).HasMaxLength(16);
        b.HasIndex(s => s.AccountName).IsUnique();
        // The renewal run's scan: due subscriptions of one tenant by paid-through date.
        b.HasIndex(s => new { s.TenantId, s.Status, s.CurrentPeriodEnd });
        b.HasIndex(s => s.CustomerId);
        b.HasOne<Customer>().WithMany().HasForeignKey(s => s.CustomerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Product>().WithMany().HasForeignKey(s => s.ProductId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(s => s.Transitions).WithOne().HasForeignKey(t => t.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(s => s.Transitions).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.Ignore(s => s.RenewalAmount);
        b.Ignore(s => s.Renews);
        b.Ignore(s => s.NextPeriod);
    }
}

internal sealed class SubscriptionTransitionConfiguration : IEntityTypeConfiguration<SubscriptionTransition>
{
    public void Configure(EntityTypeBuilder<SubscriptionTransition> b)
    {
        b.ToTable("subscription_transitions");
        b.Property(t => t.Reason).HasMaxLength(500);
        b.Property(t => t.Actor).HasMaxLength(256);
        b.HasIndex(t => new { t.SubscriptionId, t.At });
    }
}

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> b)
    {
        b.ToTable("invoices");
        b.Property(i => i.Number).HasMaxLength(40);
        b.Property(i => i.Currency).HasMaxLength(3);
        b.Property(i => i.Buyer).HasJsonConversion();
        b.Property(i => i.Taxes).HasJsonConversion();
        b.Property(i => i.Notes).HasMaxLength(2000);
        b.Property(i => i.VoidReason).HasMaxLength(500);
        // Final numbers are unique per tenant (gap-free comes from the counter).
        b.HasIndex(i => new { i.TenantId, i.Number }).IsUnique().HasFilter("number IS NOT NULL");
        // The idempotency key of renewal invoicing: one invoice per subscription and period.
        b.HasIndex(i => new { i.SubscriptionId, i.RenewalPeriodStart }).IsUnique().HasFilter("renewal_period_start IS NOT NULL");
        b.HasIndex(i => new { i.TenantId, i.Status, i.DueDate });
        b.HasIndex(i => new { i.TenantId, i.CreatedAt });
        b.HasIndex(i => i.CustomerId);
        b.HasOne<Customer>().WithMany().HasForeignKey(i => i.CustomerId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(i => i.Lines).UsePropertyAccessMode(PropertyAccessMode.Field);
        b.Ignore(i => i.AmountDue);
        b.Ignore(i => i.IsPayable);
        b.Ignore(i => i.Series);
        b.Ignore(i => i.NeedsNumberAfterPayment);
    }
}

internal sealed class InvoiceLineConfiguration : IEntityTypeConfiguration<InvoiceLine>
{
    public void Configure(EntityTypeBuilder<InvoiceLine> b)
    {
        b.ToTable("invoice_lines");
        b.Property(l => l.Description).HasMaxLength(500);
        b.Property(l => l.TaxParts).HasJsonConversion();
        b.HasIndex(l => new { l.InvoiceId, l.Position });
        b.Ignore(l => l.TaxLabel);
    }
}

internal sealed class DocumentCounterConfiguration : IEntityTypeConfiguration<DocumentCounter>
{
    public void Configure(EntityTypeBuilder<DocumentCounter> b)
    {
        b.ToTable("document_counters");
        b.HasIndex(c => new { c.TenantId, c.Series, c.Year }).IsUnique();
    }
}

internal sealed class PaymentConfiguration : IEntityTypeConfiguration<Payment>
{
    public void Configure(EntityTypeBuilder<Payment> b)
    {
        b.ToTable("payments");
        b.Property(p => p.Currency).HasMaxLength(3);
        b.Property(p => p.IdempotencyKey).HasMaxLength(120);
        b.Property(p => p.GatewayReference).HasMaxLength(120);
        b.Property(p => p.Reference).HasMaxLength(200);
        b.Property(p => p.FailureCode).HasMaxLength(80);
        b.Property(p => p.FailureMessage).HasMaxLength(500);
        b.Property(p => p.RecordedBy).HasMaxLength(256);
        b.HasIndex(p => new { p.TenantId, p.IdempotencyKey }).IsUnique();
        // A gateway payment (PaymentIntent) is applied to an invoice once, whichever path sees it first.
        b.HasIndex(p => new { p.Gateway, p.GatewayReference }).IsUnique().HasFilter("gateway_reference IS NOT NULL AND status = 'Succeeded'");
        b.HasIndex(p => new { p.TenantId, p.CreatedAt });
        b.HasIndex(p => p.InvoiceId);
        b.HasOne<Invoice>().WithMany().HasForeignKey(p => p.InvoiceId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> b)
    {
        b.ToTable("refunds");
        b.Property(r => r.Currency).HasMaxLength(3);
        b.Property(r => r.Reason).HasMaxLength(500);
        b.Property(r => r.GatewayReference).HasMaxLength(120);
        b.Property(r => r.Actor).HasMaxLength(256);
        b.HasIndex(r => r.PaymentId);
    }
}

internal sealed class CreditEntryConfiguration : IEntityTypeConfiguration<CreditEntry>
{
    public void Configure(EntityTypeBuilder<CreditEntry> b)
    {
        b.ToTable("credit_entries");
        b.Property(c => c.Currency).HasMaxLength(3);
        b.Property(c => c.Description).HasMaxLength(300);
        b.Property(c => c.UniqueKey).HasMaxLength(120);
        b.Property(c => c.Actor).HasMaxLength(256);
        b.HasIndex(c => new { c.TenantId, c.UniqueKey }).IsUnique().HasFilter("unique_key IS NOT NULL");
        b.HasIndex(c => new { c.CustomerId, c.Currency });
    }
}

internal sealed class SavedCardConfiguration : IEntityTypeConfiguration<SavedCard>
{
    public void Configure(EntityTypeBuilder<SavedCard> b)
    {
        b.ToTable("saved_cards");
        b.Property(c => c.GatewayPaymentMethodId).HasMaxLength(120);
        b.Property(c => c.Brand).HasMaxLength(30);
        b.Property(c => c.Last4).HasMaxLength(4);
        b.HasIndex(c => new { c.TenantId, c.GatewayPaymentMethodId }).IsUnique();
        b.HasIndex(c => c.CustomerId);
    }
}

internal sealed class BillingProfileConfiguration : IEntityTypeConfiguration<BillingProfile>
{
    public void Configure(EntityTypeBuilder<BillingProfile> b)
    {
        b.ToTable("billing_profiles");
        b.Property(p => p.AddressLine1).HasMaxLength(150);
        b.Property(p => p.AddressLine2).HasMaxLength(150);
        b.Property(p => p.City).HasMaxLength(100);
        b.Property(p => p.PostalCode).HasMaxLength(20);
        b.Property(p => p.Region).HasMaxLength(10);
        b.Property(p => p.VatId).HasMaxLength(20);
        b.Property(p => p.GatewayCustomerId).HasMaxLength(120);
        b.HasOne<Customer>().WithOne().HasForeignKey<BillingProfile>(p => p.Id).OnDelete(DeleteBehavior.Cascade);
        b.Ignore(p => p.CustomerId);
        b.Ignore(p => p.AddressLines);
    }
}

internal sealed class EmailMessageConfiguration : IEntityTypeConfiguration<EmailMessage>
{
    public void Configure(EntityTypeBuilder<EmailMessage> b)
    {
        b.ToTable("email_messages");
        b.Property(e => e.To).HasMaxLength(254);
        b.Property(e => e.Template).HasMaxLength(40);
        b.Property(e => e.DedupKey).HasMaxLength(160);
        b.Property(e => e.Argument).HasMaxLength(100);
        b.Property(e => e.Subject).HasMaxLength(300);
        b.Property(e => e.LastError).HasMaxLength(1000);
        b.HasIndex(e => new { e.TenantId, e.DedupKey }).IsUnique();
        b.HasIndex(e => new { e.Status, e.NextAttemptAt });
        b.HasIndex(e => new { e.TenantId, e.CreatedAt });
        b.HasIndex(e => e.RelatedId);
    }
}

internal sealed class BillingRunConfiguration : IEntityTypeConfiguration<BillingRun>
{
    public void Configure(EntityTypeBuilder<BillingRun> b)
    {
        b.ToTable("billing_runs");
        b.Property(r => r.Job).HasMaxLength(40);
        b.Property(r => r.Status).HasMaxLength(20);
        b.Property(r => r.Error).HasMaxLength(2000);
        b.Property(r => r.Counts).HasJsonConversion();
        b.HasIndex(r => new { r.TenantId, r.StartedAt });
    }
}

internal sealed class GatewayEventRecordConfiguration : IEntityTypeConfiguration<GatewayEventRecord>
{
    public void Configure(EntityTypeBuilder<GatewayEventRecord> b)
    {
        b.ToTable("gateway_events");
        b.Property(e => e.Gateway).HasMaxLength(20);
        b.Property(e => e.EventId).HasMaxLength(120);
        b.Property(e => e.Type).HasMaxLength(80);
        b.Property(e => e.ObjectId).HasMaxLength(120);
        b.Property(e => e.Payload).HasColumnType("jsonb");
        b.Property(e => e.Outcome).HasMaxLength(500);
        b.HasIndex(e => new { e.Gateway, e.EventId }).IsUnique();
        b.HasIndex(e => e.ReceivedAt);
    }
}
