using System.ComponentModel.DataAnnotations;

namespace MPanel.Web.Features.MarketingApi;

/// <summary>Settings of the marketing API (section <c>MarketingApi</c>), documented in appsettings.Production.json.</summary>
public sealed class MarketingApiOptions
{
    public const string Section = "MarketingApi";

    /// <summary>Activity-log rows older than this are deleted by the job "maintenance:marketing-api".</summary>
    [Range(1, 3650, ErrorMessage = "MarketingApi:ActivityRetentionDays must be between 1 and 3650.")]
    public int ActivityRetentionDays { get; set; } = 90;

    /// <summary>How long the first answer to a POST with an Idempotency-Key is kept and replayed.</summary>
    [Range(1, 168, ErrorMessage = "MarketingApi:IdempotencyHours must be between 1 and 168.")]
    public int IdempotencyHours { get; set; } = 24;

    /// <summary>A call still "in progress" after this long (its instance died) no longer blocks its idempotency key.</summary>
    [Range(10, 3600, ErrorMessage = "MarketingApi:IdempotencyInProgressSeconds must be between 10 and 3600.")]
    public int IdempotencyInProgressSeconds { get; set; } = 120;

    /// <summary>Request bodies above this size are refused with 413.</summary>
    [Range(1024, 1_048_576, ErrorMessage = "MarketingApi:MaxBodyBytes must be between 1024 and 1048576.")]
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
