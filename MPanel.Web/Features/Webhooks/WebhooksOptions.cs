using System.ComponentModel.DataAnnotations;

namespace MPanel.Web.Features.Webhooks;

/// <summary>Settings of outbound webhooks (section <c>Webhooks</c>), documented in appsettings.Production.json.</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    /// <summary>Lets endpoints resolve to private, loopback, link-local, CGNAT, multicast or IPv6 ULA addresses. Off in
    /// production (SSRF): the tests and a development machine turn it on.</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Accepts http:// endpoint URLs (https only when off).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>How long one delivery attempt may take, connecting included.</summary>
    [Range(1, 60, ErrorMessage = "Webhooks:TimeoutSeconds must be between 1 and 60.")]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>After a secret rotation the previous secret keeps signing (a second signature) this long.</summary>
    [Range(0, 168, ErrorMessage = "Webhooks:RotationGraceHours must be between 0 and 168.")]
    public int RotationGraceHours { get; set; } = 24;

    /// <summary>An endpoint whose every delivery has failed for this long is disabled and its owners emailed.</summary>
    [Range(1, 60, ErrorMessage = "Webhooks:DisableAfterFailingDays must be between 1 and 60.")]
    public int DisableAfterFailingDays { get; set; } = 5;

    /// <summary>An endpoint with this many deliveries in a row that used up all their retries is disabled and its owners emailed.</summary>
    [Range(1, 1000, ErrorMessage = "Webhooks:DisableAfterExhaustedDeliveries must be between 1 and 1000.")]
    public int DisableAfterExhaustedDeliveries { get; set; } = 10;

    [Range(1, 1000, ErrorMessage = "Webhooks:MaxEndpointsPerTenant must be between 1 and 1000.")]
    public int MaxEndpointsPerTenant { get; set; } = 20;

    /// <summary>Deliveries sent at once by one dispatcher run.</summary>
    [Range(1, 64, ErrorMessage = "Webhooks:Concurrency must be between 1 and 64.")]
    public int Concurrency { get; set; } = 4;

    /// <summary>Outbox events, deliveries and attempts older than this are deleted by the hourly maintenance run.</summary>
    [Range(1, 3650, ErrorMessage = "Webhooks:RetentionDays must be between 1 and 3650.")]
    public int RetentionDays { get; set; } = 30;
}
