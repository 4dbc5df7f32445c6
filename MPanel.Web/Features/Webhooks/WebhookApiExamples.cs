using MPanel.Domain.Webhooks;
using MPanel.Web.Common;
using MPanel.Web.Features.Incidents;

namespace MPanel.Web.Features.Webhooks;

/// <summary>OpenAPI examples for the webhook and status operations, built from the real types.</summary>
internal static class WebhookApiExamples
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);
    private static readonly Guid EndpointId = Guid.Parse("6f1c2a4e-8b1d-4c55-9a3e-0d2f7b9c1e42");
    private static readonly Guid DeliveryId = Guid.Parse("1b7e5d90-3c2a-4f8e-b6d1-52a9e0c4f713");
    private static readonly Guid EventId = Guid.Parse("c4d2e8a1-7f3b-4e69-8a05-9b1c6d2e3f70");

    public static readonly RegisterWebhookRequest Register = new("https://shop.example.com/hooks/mpanel", ["order.created", "invoice.paid"], "CRM sync");
    public static readonly UpdateWebhookRequest Update = new(Events: ["invoice.paid"], Enabled: true);

    public static readonly WebhookEndpointView Endpoint = new(EndpointId, "https://shop.example.com/hooks/mpanel", "CRM sync",
        ["order.created", "invoice.paid"], true, null, null, null, null, At, At);

    public static readonly RegisteredWebhook Registered = new(Endpoint, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    public static readonly IReadOnlyList<WebhookEndpointView> List = [Endpoint];
    public static readonly RotatedWebhookSecret Rotated = new(EndpointId, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", At.AddHours(24));
    public static readonly WebhookTestResponse Test = new(EventId);

    public static readonly WebhookDeliveryRow Delivery = new(DeliveryId, EndpointId, EventId, "invoice.paid", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        WebhookDeliveryStatus.Succeeded, 1, At, null, At.AddSeconds(1), 200, null, At.AddSeconds(1));

    public static readonly Paged<WebhookDeliveryRow> Deliveries = new([Delivery], 1);

    public static readonly WebhookDeliveryView DeliveryDetail = new(Delivery,
        """{"type":"invoice.paid","timestamp":"2026-11-28T09:30:00Z","data":{"invoiceId":"…","number":"INV2026-000042","total":11.90,"currency":"EUR"}}""",
        [new WebhookAttemptView(1, At.AddSeconds(1), "https://shop.example.com/hooks/mpanel", 200, 84, true, "ok", null)]);

    public static readonly SystemStatus Status = new("partial_outage",
        [new ComponentStatus("hosting", "Hosting", "partial_outage"), new ComponentStatus("api", "API", "operational")],
        [new StatusIncident(EventId, "Slow page loads on web-02", "major", "identified", ["hosting"], At, At.AddMinutes(20),
            [new StatusIncidentUpdate("identified", "A failing disk on web-02 is being replaced.", At.AddMinutes(20))])],
        [new HealthCheckStatus("database", "Healthy"), new HealthCheckStatus("redis", "Healthy")], At.AddMinutes(25));
}
