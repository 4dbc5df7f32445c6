using Microsoft.AspNetCore.Http.HttpResults;
using MPanel.Domain.Marketing;
using MPanel.Domain.Webhooks;
using MPanel.Infrastructure.Persistence;
using MPanel.Web.Common;
using MPanel.Web.Features.MarketingApi;

namespace MPanel.Web.Features.Webhooks;

/// <summary>Outbound webhooks in the marketing API (scope <c>webhooks:write</c>): register, list, change, delete, rotate the
/// secret, send a test, and follow deliveries (with replay). Ids of another shop answer 404.</summary>
public static class WebhooksApi
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookAddressPolicy>();
        services.AddSingleton<IWebhookDispatchSignal, HangfireWebhookSignal>();
        services.AddSingleton<WebhookOutboxInterceptor>();
        services.ConfigureDbContext<MPanelDbContext>((sp, o) => o.AddInterceptors(sp.GetRequiredService<WebhookOutboxInterceptor>()));
        services.AddHttpClient<WebhookSender>((sp, http) =>
            {
                http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhooksOptions>>().Value.TimeoutSeconds);
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<WebhookAddressPolicy>().ConnectAsync,
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                MaxConnectionsPerServer = 8,
            })
            // The handler pins its pooled connections to addresses it checked; the typed client is a singleton's friend.
            .SetHandlerLifetime(TimeSpan.FromMinutes(5));
        services.AddScoped<WebhooksService>();
        services.AddTransient<WebhookDispatchJob>();
        return services;
    }

    public static void MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(MarketingApiEndpoints.BasePath + "/webhooks").DisableAntiforgery()
            .WithGroupName(MarketingOpenApi.DocumentName)
            .AddEndpointFilter<IdempotencyFilter>()
            .RequireAuthorization(ApiScopes.WebhooksWrite)
            .WithTags("Webhooks")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapPost("/register", async Task<Created<RegisteredWebhook>> (WebhooksService service, RegisterWebhookRequest body, CancellationToken ct) =>
            {
                var created = await service.RegisterAsync(body, ct);
                return TypedResults.Created($"{MarketingApiEndpoints.BasePath}/webhooks/{created.Endpoint.Id}", created);
            })
            .WithMetadata(new ApiExamples(WebhookApiExamples.Register, WebhookApiExamples.Registered)).WithName("RegisterWebhook").WithSummary("Register a webhook endpoint")
            .WithDescription($"""
                Registers an https URL for the events listed in `events` ({string.Join(", ", WebhookEvents.All.Select(e => $"`{e}`"))}).
                The answer holds the endpoint's signing secret (`whsec_…`) this once: keep it to verify the `webhook-signature` header
                (Standard Webhooks). URLs must be absolute https, without user name or password, and must not point to private,
                loopback or link-local addresses.

                Example: `{"{"}"url": "https://shop.example.com/hooks/mpanel", "events": ["order.created", "invoice.paid"], "description": "CRM sync"{"}"}`
                """)
            .ProducesValidationProblem().Idempotent();

        api.MapGet("/", async (WebhooksService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .WithMetadata(new ApiExamples(null, WebhookApiExamples.List)).WithName("ListWebhooks").WithSummary("The shop's webhook endpoints (secrets are never shown again)");

        api.MapGet("/{id:guid}", async (WebhooksService service, Guid id, CancellationToken ct) => TypedResults.Ok(await service.GetAsync(id, ct)))
            .WithMetadata(new ApiExamples(null, WebhookApiExamples.Endpoint)).WithName("GetWebhook").WithSummary("One webhook endpoint").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPatch("/{id:guid}", async (WebhooksService service, Guid id, UpdateWebhookRequest body, CancellationToken ct) =>
                TypedResults.Ok(await service.UpdateAsync(id, body, ct)))
            .WithMetadata(new ApiExamples(WebhookApiExamples.Update, WebhookApiExamples.Endpoint)).WithName("UpdateWebhook").WithSummary("Change an endpoint's URL, events, description, or enable/disable it")
            .WithDescription("Fields left out stay as they are. `enabled: true` re-enables an endpoint that was disabled (by 410 Gone or by failing for days); deliveries still pending resume. Example: `{\"events\": [\"invoice.paid\"], \"enabled\": true}`")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapDelete("/{id:guid}", async (WebhooksService service, Guid id, CancellationToken ct) =>
            {
                await service.DeleteAsync(id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteWebhook").WithSummary("Delete an endpoint and its delivery log").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{id:guid}/rotate-secret", async (WebhooksService service, Guid id, CancellationToken ct) =>
                TypedResults.Ok(await service.RotateSecretAsync(id, ct)))
            .WithMetadata(new ApiExamples(null, WebhookApiExamples.Rotated)).WithName("RotateWebhookSecret").WithSummary("Rotate the signing secret; the answer holds the new one, once")
            .WithDescription("Until `previousSecretExpiresAt` (24 hours by default) each request carries two space-separated signatures, one made with the new secret and one with the old, so a receiver can switch secrets without missing a message.")
            .ProducesProblem(StatusCodes.Status404NotFound).Idempotent();

        api.MapPost("/{id:guid}/test", async Task<Accepted<WebhookTestResponse>> (WebhooksService service, Guid id, CancellationToken ct) =>
                TypedResults.Accepted($"{MarketingApiEndpoints.BasePath}/webhooks/{id}/deliveries", new WebhookTestResponse(await service.SendTestAsync(id, ct))))
            .WithMetadata(new ApiExamples(null, WebhookApiExamples.Test)).WithName("TestWebhook").WithSummary("Send a `webhook.test` ping to this endpoint")
            .ProducesProblem(StatusCodes.Status404NotFound).Idempotent();

        api.MapGet("/{id:guid}/deliveries", async (WebhooksService service, Guid id, int? page, int? pageSize, WebhookDeliveryStatus? status, string? eventType,
                CancellationToken ct) =>
                TypedResults.Ok(await service.DeliveriesAsync(id, new PageQuery(page ?? 0, pageSize ?? 50), new WebhookDeliveryFilter(status, eventType), ct)))
            .WithMetadata(new ApiExamples(null, WebhookApiExamples.Deliveries)).WithName("ListWebhookDeliveries").WithSummary("An endpoint's deliveries, newest first (paged)")
            .WithDescription("`page` is zero-based, `pageSize` 1 to 200 (50 by default). Filter by `status` (Pending, Sending, Succeeded, Failed) and `eventType`.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{id:guid}/deliveries/{deliveryId:guid}", async (WebhooksService service, Guid id, Guid deliveryId, CancellationToken ct) =>
                TypedResults.Ok(await service.DeliveryAsync(id, deliveryId, ct)))
            .WithMetadata(new ApiExamples(null, WebhookApiExamples.DeliveryDetail)).WithName("GetWebhookDelivery").WithSummary("One delivery: its body and every attempt (status, duration, first 1 KB of the answer, error)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/replay", async Task<Accepted<WebhookDeliveryRow>> (WebhooksService service, Guid id, Guid deliveryId,
                CancellationToken ct) =>
                TypedResults.Accepted($"{MarketingApiEndpoints.BasePath}/webhooks/{id}/deliveries/{deliveryId}", await service.ReplayAsync(id, deliveryId, ct)))
            .WithMetadata(new ApiExamples(null, WebhookApiExamples.Delivery)).WithName("ReplayWebhookDelivery").WithSummary("Send a delivery again")
            .WithDescription("Sends the same body with the same `webhook-id` (receivers that already handled it can recognise it) and starts the retry schedule over.")
            .ProducesProblem(StatusCodes.Status404NotFound).Idempotent();
    }
}

internal static class WebhookEndpointConventions
{
    /// <summary>What every POST can answer besides its own results: a body too large, and the Idempotency-Key outcomes.</summary>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder post) => post
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}

/// <summary>The queued ping's event id; its delivery shows in the endpoint's deliveries within seconds.</summary>
public sealed record WebhookTestResponse(Guid EventId);
