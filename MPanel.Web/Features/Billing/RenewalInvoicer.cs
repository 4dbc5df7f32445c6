using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Domain.Common;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;
using Npgsql;

namespace MPanel.Web.Features.Billing;

/// <summary>Creates renewal invoices set-based: due subscriptions are read in one query, their invoices are built,
/// numbered and finalised by the same domain code as any other invoice, written with binary COPY into staging tables,
/// and moved into place with one INSERT … ON CONFLICT DO NOTHING on the (subscription, period) key — so a rerun creates
/// nothing. Numbers come from the counter, locked before the due subscriptions are read and held until commit: a
/// concurrent run for the same tenant waits, then finds nothing left to invoice, so every number taken is used —
/// gap-free, in creation order.</summary>
public sealed class RenewalInvoicer(BillingLedger ledger, TimeProvider clock, ILiveEventBus bus)
{
    private sealed record Candidate(Guid Id, Guid TenantId, Guid CustomerId, Guid ProductId, string ProductName, BillingCycle Cycle, string Currency,
        decimal Price, decimal RecurringDiscount, string? PromoCode, List<ChosenOption> Options, DateOnly CurrentPeriodEnd);

    public async Task<int> RunAsync(TenantScope scope, DateOnly today, CancellationToken ct)
    {
        var db = scope.Db;
        var tenantId = scope.Tenant.TenantId!.Value;
        var settings = await ledger.SettingsAsync(scope, ct);
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Renewal invoices are created inside the caller's transaction.");
        if (!settings.IssueProformas) await LockCounterAsync(scope, DocumentNumbering.CounterYear(settings.NumberingResetsYearly, today), ct);
        var products = await db.Products.AsNoTracking().ToDictionaryAsync(p => p.Id, ct);
        var maxLead = products.Values.Select(settings.LeadDaysFor).DefaultIfEmpty(settings.InvoiceLeadDays).Max();
        var horizon = today.AddDays(maxLead);

        var candidates = await db.Subscriptions.AsNoTracking()
            .Where(s => (s.Status == SubscriptionStatus.Active || s.Status == SubscriptionStatus.Suspended)
                        && s.Cycle != BillingCycle.OneTime && !s.CancelAtPeriodEnd && s.CurrentPeriodEnd <= horizon
                        && !db.Invoices.Any(i => i.SubscriptionId == s.Id && i.RenewalPeriodStart == s.CurrentPeriodEnd))
            .Select(s => new Candidate(s.Id, s.TenantId, s.CustomerId, s.ProductId, s.ProductName, s.Cycle, s.Currency, s.Price, s.RecurringDiscount,
                s.PromoCode, s.Options, s.CurrentPeriodEnd))
            .ToListAsync(ct);
        candidates = candidates.Where(c => c.CurrentPeriodEnd.AddDays(-settings.LeadDaysFor(products.GetValueOrDefault(c.ProductId))) <= today).ToList();
        if (candidates.Count == 0) return 0;

        // Tax and address data per customer, once.
        var customerIds = candidates.Select(c => c.CustomerId).Distinct().ToList();
        var customers = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var profiles = await db.BillingProfiles.AsNoTracking().Where(p => customerIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var rules = await db.TaxRules.AsNoTracking().ToListAsync(ct);
        var now = clock.GetUtcNow();
        var invoices = new List<Invoice>(candidates.Count);
        var lines = new List<InvoiceLine>(candidates.Count);
        var free = new List<(Guid Id, DateOnly Start, DateOnly End)>();
        foreach (var c in candidates)
        {
            var customer = customers[c.CustomerId];
            var profile = profiles.GetValueOrDefault(c.CustomerId) ?? BillingProfile.For(tenantId, c.CustomerId);
            var tax = new TaxContext(settings.SellerCountry, customer.Country, profile.Region, profile.VatId, profile.TaxExempt,
                rules.Where(r => r.Country == customer.Country).ToList(), settings.PricesIncludeTax);
            var start = c.CurrentPeriodEnd;
            var end = c.Cycle.PeriodEnd(start);
            var amount = c.Price - c.Options.Sum(o => o.Quantity * o.UnitPrice);
            if (c.Price - c.RecurringDiscount <= 0) { free.Add((c.Id, start, end)); continue; }
            // A period that has already started (a missed billing day, a voided renewal re-invoiced) is due today: an
            // invoice cannot be due before it is issued, and one such subscription must not stop the tenant's run.
            var invoice = Invoice.Create(tenantId, c.CustomerId, c.Currency, BillingLedger.Buyer(customer, profile), tax, today,
                start < today ? today : start, now);
            invoice.MarkRenewalOf(c.Id, start);
            var discount = Math.Min(c.RecurringDiscount, amount);
            invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.Renewal, $"{c.ProductName}, {c.Cycle.Label().ToLowerInvariant()} ({start:yyyy-MM-dd} – {end.AddDays(-1):yyyy-MM-dd})" +
                (c.PromoCode is { } code && discount > 0 ? $", promo {code}" : ""), 1, amount, discount, c.ProductId, c.Id, start, end), tax);
            var left = c.RecurringDiscount - discount;
            foreach (var o in c.Options)
            {
                var optionDiscount = Math.Min(left, o.Quantity * o.UnitPrice);
                left -= optionDiscount;
                invoice.AddLine(new InvoiceLineInput(InvoiceLineKind.Renewal, $"{o.Name} × {o.Quantity}", o.Quantity, o.UnitPrice, optionDiscount, c.ProductId, c.Id, start, end), tax);
            }
            invoices.Add(invoice);
            lines.AddRange(invoice.Lines);
        }

        var created = await WriteAsync(scope, settings, today, now, invoices, lines, ct);
        if (free.Count > 0)
        {
            var ids = free.Select(f => f.Id).ToList();
            var subs = await db.Subscriptions.Where(s => ids.Contains(s.Id)).ToListAsync(ct);
            var periods = free.ToDictionary(f => f.Id);
            foreach (var s in subs) { var f = periods[s.Id]; s.RecordPeriodPaid(f.Start, f.End); }
            await db.SaveChangesAsync(ct);
        }
        if (created > 0) await bus.PublishAsync(new LiveEvent(tenantId, nameof(Invoice), null, "Created"));
        return created;
    }

    private static async Task<int> WriteAsync(TenantScope scope, BillingSettings settings, DateOnly today, DateTimeOffset now, List<Invoice> invoices, List<InvoiceLine> lines, CancellationToken ct)
    {
        if (invoices.Count == 0) return 0;
        var db = scope.Db;
        var tenantId = scope.Tenant.TenantId!.Value;
        // Final state before the rows are written (so no second pass rewrites 100,000 rows and their index entries):
        // proforma, or a number from the counter this transaction has held since before the candidates were read.
        if (settings.IssueProformas)
        {
            foreach (var invoice in invoices) invoice.IssueAsProforma(now);
        }
        else
        {
            var first = await BillingLedger.NextNumberAsync(scope, DocumentSeries.Invoice, DocumentNumbering.CounterYear(settings.NumberingResetsYearly, today), invoices.Count, ct);
            var (head, width, tail) = DocumentNumbering.Split(settings.InvoiceNumberFormat, settings.InvoicePrefix, today);
            for (var k = 0; k < invoices.Count; k++)
                invoices[k].Finalise(head + (first + k).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0') + tail, now);
        }
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.ExecuteSqlRawAsync("""
            CREATE TEMP TABLE stage_invoices (LIKE invoices) ON COMMIT DROP;
            CREATE TEMP TABLE stage_invoice_lines (LIKE invoice_lines) ON COMMIT DROP;
            CREATE TEMP TABLE stage_created (id uuid PRIMARY KEY) ON COMMIT DROP;
            """, ct);
        await BulkCopy.WriteAsync(db, connection, "stage_invoices", invoices, ct);
        await BulkCopy.WriteAsync(db, connection, "stage_invoice_lines", lines, ct);
        var columns = await ColumnsAsync(connection, "invoices", ct);
        var lineColumns = await ColumnsAsync(connection, "invoice_lines", ct);
        // Column lists come from information_schema (not from input), so composing them into the statement is safe.
        var move = $"""
            WITH ins AS (
                INSERT INTO invoices ({columns}) SELECT {columns} FROM stage_invoices ORDER BY id
                ON CONFLICT (subscription_id, renewal_period_start) WHERE renewal_period_start IS NOT NULL DO NOTHING
                RETURNING id)
            INSERT INTO stage_created (id) SELECT id FROM ins;
            INSERT INTO invoice_lines ({lineColumns}) SELECT {Prefixed(lineColumns, "l")} FROM stage_invoice_lines l JOIN stage_created c ON c.id = l.invoice_id;
            """;
        await db.Database.ExecuteSqlRawAsync(move, ct);
        var count = await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM stage_created").SingleAsync(ct);
        // With the counter held since the candidates were read, no other run can have invoiced these periods meanwhile;
        // if something did, a skipped row would leave a hole in the numbers: roll back instead (the job retries).
        if (!settings.IssueProformas && count != invoices.Count)
            throw new InvalidOperationException($"{invoices.Count - count} renewal invoices were created concurrently; the run is rolled back to keep numbering gap-free.");
        if (count == 0) return 0;
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO email_messages (id, tenant_id, "to", template, related_id, dedup_key, status, attempts, next_attempt_at, created_at)
            SELECT gen_random_uuid(), {tenantId}, i.buyer->>'email', 'invoice', i.id, 'invoice:' || i.id, 'Queued', 0, {now}, {now}
            FROM stage_invoices i JOIN stage_created c ON c.id = i.id
            ON CONFLICT (tenant_id, dedup_key) DO NOTHING
            """, ct);
        await Webhooks.WebhookOutbox.AddStagedRenewalInvoicesAsync(db, tenantId, now, ct);
        return count;
    }

    /// <summary>Takes the tenant's invoice counter row lock for the rest of the transaction (creating the row if needed);
    /// <see cref="BillingLedger.NextNumberAsync"/> later advances it under the same lock.</summary>
    private static async Task LockCounterAsync(TenantScope scope, int year, CancellationToken ct)
    {
        var tenantId = scope.Tenant.TenantId!.Value;
        var series = DocumentSeries.Invoice.ToString();
        await scope.Db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO document_counters (id, tenant_id, series, year, last_number) VALUES ({Guid.CreateVersion7()}, {tenantId}, {series}, {year}, 0) ON CONFLICT (tenant_id, series, year) DO NOTHING", ct);
        await scope.Db.Database.ExecuteSqlInterpolatedAsync(
            $"SELECT 1 FROM document_counters WHERE tenant_id = {tenantId} AND series = {series} AND year = {year} FOR UPDATE", ct);
    }

    private static async Task<string> ColumnsAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema()", connection);
        cmd.Parameters.AddWithValue(table);
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static string Prefixed(string columns, string alias) =>
        string.Join(", ", columns.Split(", ").Select(c => $"{alias}.{c}"));
}
