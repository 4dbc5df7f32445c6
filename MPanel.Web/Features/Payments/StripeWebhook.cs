using Hangfire;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Billing;
using MPanel.Infrastructure.Persistence;
using MPanel.Infrastructure.Tenancy;

namespace MPanel.Web.Features.Payments;

/// <summary>Stripe webhooks: the signature is verified (300 s tolerance), the event is stored once by its id (a unique
/// key, so a redelivery is acknowledged and ignored), a background job handles it, and Stripe gets its 2xx at once.</summary>
public static class StripeWebhook
{
    public static void MapStripeWebhook(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/webhooks/stripe", async (HttpRequest request, IPaymentGateway gateway, MPanelDbContext db, IBackgroundJobClient jobs,
                TimeProvider clock, CancellationToken ct) =>
            {
                using var reader = new StreamReader(request.Body);
                var payload = await reader.ReadToEndAsync(ct);
                GatewayEvent e;
                try
                {
                    e = gateway.ParseWebhook(payload, request.Headers["Stripe-Signature"].ToString());
                }
                catch (GatewaySignatureException ex)
                {
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid signature", detail: ex.Message);
                }
                var id = Guid.CreateVersion7();
                var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
                    INSERT INTO gateway_events (id, gateway, event_id, type, object_id, payload, received_at, attempts)
                    VALUES ({id}, 'stripe', {e.Id}, {e.Type}, {e.ObjectId}, {payload}::jsonb, {clock.GetUtcNow()}, 0)
                    ON CONFLICT (gateway, event_id) DO NOTHING
                    """, ct);
                if (inserted == 1) jobs.Enqueue<StripeEventJob>(j => j.HandleAsync(id, CancellationToken.None));
                return Results.Ok(new { received = true, duplicate = inserted == 0 });
            })
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithTags("Webhooks");
}

/// <summary>Handles one stored Stripe event. Order-independent: it never trusts the payload's copy of the object but
/// re-fetches it, and everything it applies is idempotent (a PaymentIntent pays an invoice once).</summary>
public sealed class StripeEventJob(IServiceScopeFactory services, TimeProvider clock, ILogger<StripeEventJob> logger)
{
    [Queue("billing")]
    [AutomaticRetry(Attempts = 10)]
    public async Task HandleAsync(Guid eventRecordId, CancellationToken ct)
    {
        await using var root = services.CreateAsyncScope();
        var db = root.ServiceProvider.GetRequiredService<MPanelDbContext>();
        var crossTenant = root.ServiceProvider.GetRequiredService<CrossTenantAccess>();
        GatewayEventRecord record;
        using (crossTenant.BeginSystem())
            record = await db.GatewayEvents.FirstAsync(e => e.Id == eventRecordId, ct);
        var gateway = root.ServiceProvider.GetRequiredService<IPaymentGateway>();
        Guid? tenantId = null;
        string outcome;
        switch (record.Type)
        {
            case "checkout.session.completed":
            case "checkout.session.async_payment_succeeded":
            {
                var session = await gateway.GetCheckoutSessionAsync(record.ObjectId, ct);
                tenantId = TenantOf(session.Metadata);
                outcome = tenantId is { } t ? await InTenantAsync(t, p => p.CompleteCheckoutAsync(record.ObjectId, ct)) : "no tenant in metadata";
                break;
            }
            case "payment_intent.succeeded":
            case "payment_intent.payment_failed":
            {
                var intent = await gateway.GetPaymentIntentAsync(record.ObjectId, ct);
                tenantId = TenantOf(intent.Metadata);
                if (tenantId is { } t && intent.Metadata.TryGetValue("invoice_id", out var raw) && Guid.TryParse(raw, out var invoiceId))
                    outcome = await InTenantAsync(t, async p =>
                    {
                        await p.RecordChargeResultAsync(invoiceId, await KeyOfAsync(t, invoiceId, intent.Id, ct), intent, ct);
                        return $"invoice {invoiceId}: {intent.Status}";
                    });
                else outcome = "no invoice in metadata";
                break;
            }
            default:
                outcome = "ignored";
                break;
        }
        using (crossTenant.BeginSystem())
        {
            record = await db.GatewayEvents.FirstAsync(e => e.Id == eventRecordId, ct);
            record.Processed(tenantId, outcome, clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
        }
        logger.LogInformation("Stripe event {EventId} ({Type}): {Outcome}", record.EventId, record.Type, outcome);
    }

    /// <summary>The idempotency key of the charge attempt that made this PaymentIntent, when MPanel made it (so the webhook
    /// and the job settle the same payment row).</summary>
    private async Task<string?> KeyOfAsync(Guid tenantId, Guid invoiceId, string paymentIntentId, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "stripe-webhook");
        var db = scope.ServiceProvider.GetRequiredService<MPanelDbContext>();
        // The webhook can beat the charging job back: then the attempt's row is still Pending without a reference.
        return await db.Payments.Where(p => p.GatewayReference == paymentIntentId
                                            || (p.InvoiceId == invoiceId && p.Gateway == PaymentGatewayKind.Stripe && p.Status == PaymentStatus.Pending))
            .OrderByDescending(p => p.GatewayReference == paymentIntentId).ThenByDescending(p => p.CreatedAt)
            .Select(p => p.IdempotencyKey).FirstOrDefaultAsync(ct);
    }

    private async Task<string> InTenantAsync(Guid tenantId, Func<PaymentsService, Task<string>> work)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().InitializeForJob(tenantId, "stripe-webhook");
        return await work(scope.ServiceProvider.GetRequiredService<PaymentsService>());
    }

    private static Guid? TenantOf(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue("tenant_id", out var raw) && Guid.TryParse(raw, out var id) ? id : null;
}
