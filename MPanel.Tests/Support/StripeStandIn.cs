using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MPanel.Tests.Support;

/// <summary>One API request the stand-in answered. <see cref="Form"/> holds the form-encoded body (query string for a
/// GET) with Stripe's bracket keys as sent, e.g. <c>metadata[invoice_id]</c>.</summary>
public sealed record StandInRequest(string Method, string Path, string? IdempotencyKey, IReadOnlyDictionary<string, string> Form,
    int StatusCode, bool Replayed);

public sealed record StandInCustomer(string Id, string? Email, string? Name, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A PaymentIntent as the stand-in holds it; <see cref="IdempotencyKey"/> is the key of the request that created it.</summary>
public sealed record StandInPaymentIntent(string Id, long Amount, long AmountReceived, long AmountRefunded, string Currency, string Status,
    string? CustomerId, string? PaymentMethodId, string? DeclineCode, bool OffSession, string? IdempotencyKey,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record StandInCheckoutSession(string Id, string Status, string PaymentStatus, string? PaymentIntentId, long AmountTotal,
    string Currency, string? CustomerId, IReadOnlyDictionary<string, string> Metadata);

public sealed record StandInRefund(string Id, string PaymentIntentId, long Amount, string Status);

/// <summary>One webhook the stand-in sent: the exact payload and Stripe-Signature header, and the receiver's status code
/// (or the error when it could not be reached).</summary>
public sealed record StandInWebhookDelivery(string EventId, string Type, string Payload, string SignatureHeader, int? StatusCode, string? Error);

/// <summary>
/// A local stand-in for Stripe's API that the real Stripe.net SDK talks to (point <c>Stripe:ApiBase</c> at
/// <see cref="BaseUrl"/> and use <see cref="SecretKey"/>). It speaks Stripe's wire format: form-encoded bodies with
/// bracket keys in, Stripe-shaped JSON objects and <c>{"error": {...}}</c> bodies out, Bearer authentication,
/// and idempotency keys (the same key replays the first answer; the same key with other parameters answers 400
/// idempotency_error). Only the resources MPanel uses are there: customers, setup intents, payment methods, payment
/// intents, Checkout Sessions with a hosted page, refunds and events.
/// <para>Test payment methods are Stripe's: <c>pm_card_visa</c>, <c>pm_card_mastercard</c>, <c>pm_card_amex</c> succeed;
/// <c>pm_card_chargeDeclined</c> (generic_decline), <c>pm_card_chargeDeclinedInsufficientFunds</c>,
/// <c>pm_card_chargeCustomerFail</c> and <c>pm_card_authenticationRequired</c> decline with HTTP 402 card_error.
/// As with Stripe, a test token becomes a new <c>pm_…</c> object at each use; a card saved through a SetupIntent
/// keeps its behaviour (saving always succeeds, charging a saved declining card declines).</para>
/// <para>Webhooks: set <see cref="WebhookUrl"/> (and <see cref="WebhookClient"/> for an in-memory test server). The
/// hosted page's Pay sends <c>checkout.session.completed</c> before redirecting; confirmations send
/// <c>payment_intent.succeeded</c>/<c>payment_intent.payment_failed</c> after the API response unless
/// <see cref="SendPaymentIntentEvents"/> is false. Await <see cref="WhenWebhooksDeliveredAsync"/> before asserting on them.</para>
/// </summary>
public sealed class StripeStandIn : IAsyncDisposable
{
    /// <summary>The API version Stripe.net 53 pins; events carry it unless <see cref="ApiVersion"/> is changed.</summary>
    public const string DefaultApiVersion = "2026-10-28.endive";

    private static readonly JsonSerializerOptions Wire = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private const string Alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly Dictionary<string, TestCard> TestCards = new(StringComparer.Ordinal)
    {
        ["pm_card_visa"] = new("visa", "4242", null, null, null),
        ["pm_card_mastercard"] = new("mastercard", "4444", null, null, null),
        ["pm_card_amex"] = new("amex", "8431", null, null, null),
        ["pm_card_chargeDeclined"] = new("visa", "0002", "card_declined", "generic_decline", "Your card was declined."),
        ["pm_card_chargeDeclinedInsufficientFunds"] = new("visa", "9995", "card_declined", "insufficient_funds", "Your card has insufficient funds."),
        ["pm_card_chargeCustomerFail"] = new("visa", "0341", "card_declined", "generic_decline", "Your card was declined."),
        ["pm_card_authenticationRequired"] = new("visa", "3184", "authentication_required", "authentication_required",
            "Your card was declined. This transaction requires authentication."),
    };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Dictionary<string, TestCard> _cardOf = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedPaymentMethods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PaymentIntentState> _intentState = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CheckoutState> _checkoutState = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SavedResponse> _idempotency = new(StringComparer.Ordinal);
    private readonly List<StandInRequest> _requests = [];
    private readonly List<StandInWebhookDelivery> _deliveries = [];
    private readonly List<Task> _pendingDeliveries = [];
    private readonly HttpClient _webhookHttp = new() { Timeout = TimeSpan.FromSeconds(30) };
    private int _successfulCharges;
    private WebApplication? _app;

    private StripeStandIn() { }

    /// <summary>Kestrel on 127.0.0.1 at a free port.</summary>
    /// <summary>Starts a stand-in on <paramref name="clock"/> and points the factory's Stripe settings at it (call before
    /// the host starts).</summary>
    public static async Task<StripeStandIn> StartForAsync(MPanelFactory factory, TimeProvider clock)
    {
        var standIn = await StartAsync();
        standIn.Clock = clock;
        factory.With("Stripe:SecretKey", standIn.SecretKey).With("Stripe:ApiBase", standIn.BaseUrl).With("Stripe:WebhookSecret", standIn.WebhookSecret);
        return standIn;
    }

    public static async Task<StripeStandIn> StartAsync()
    {
        var standIn = new StripeStandIn();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Map("/v1/{**path}", standIn.HandleApiAsync);
        app.MapGet("/checkout/{id}", standIn.HostedPageAsync);
        app.MapPost("/checkout/{id}/pay", standIn.HostedPayAsync);
        await app.StartAsync();
        standIn._app = app;
        standIn.BaseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return standIn;
    }

    /// <summary>E.g. <c>http://127.0.0.1:41234</c>, for <c>Stripe:ApiBase</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The one API key the stand-in accepts as <c>Authorization: Bearer …</c>.</summary>
    public string SecretKey { get; } = "sk_test_standin" + RandomString(24);

    public string PublishableKey { get; } = "pk_test_standin" + RandomString(24);

    /// <summary>The signing secret of the webhook endpoint (<c>Stripe:WebhookSecret</c>).</summary>
    public string WebhookSecret { get; set; } = "whsec_" + RandomString(32);

    /// <summary>Where webhooks go: absolute, or relative to <see cref="WebhookClient"/>'s base address. Null sends none
    /// (except explicit <see cref="SendEventAsync"/> calls, which need it).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The client that delivers webhooks, e.g. a WebApplicationFactory's; a plain HttpClient when null.</summary>
    public HttpClient? WebhookClient { get; set; }

    /// <summary>Whether confirmations send payment_intent.succeeded / payment_intent.payment_failed, as Stripe does.</summary>
    public bool SendPaymentIntentEvents { get; set; } = true;

    /// <summary>The <c>api_version</c> written into events.</summary>
    public string ApiVersion { get; set; } = DefaultApiVersion;

    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public IReadOnlyList<StandInRequest> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public IReadOnlyList<StandInCustomer> Customers
    {
        get { lock (_gate) return [.. Of("customer").Select(c => new StandInCustomer(Id(c), Str(c, "email"), Str(c, "name"), Meta(c)))]; }
    }

    public IReadOnlyList<StandInPaymentIntent> PaymentIntents
    {
        get
        {
            lock (_gate)
            {
                return [.. Of("payment_intent").Select(pi =>
                {
                    var state = _intentState[Id(pi)];
                    var error = pi["last_payment_error"] as JsonObject;
                    return new StandInPaymentIntent(Id(pi), Long(pi, "amount"), Long(pi, "amount_received"), state.Refunded,
                        Str(pi, "currency")!, Str(pi, "status")!, Str(pi, "customer"),
                        Str(pi, "payment_method") ?? (error?["payment_method"] as JsonObject)?["id"]?.GetValue<string>(),
                        error is null ? null : Str(error, "decline_code") ?? Str(error, "code"), state.OffSession, state.IdempotencyKey, Meta(pi));
                })];
            }
        }
    }

    public IReadOnlyList<StandInCheckoutSession> CheckoutSessions
    {
        get
        {
            lock (_gate)
            {
                return [.. Of("checkout.session").Select(cs => new StandInCheckoutSession(Id(cs), Str(cs, "status")!, Str(cs, "payment_status")!,
                    Str(cs, "payment_intent"), Long(cs, "amount_total"), Str(cs, "currency")!, Str(cs, "customer"), Meta(cs)))];
            }
        }
    }

    public IReadOnlyList<StandInRefund> Refunds
    {
        get { lock (_gate) return [.. Of("refund").Select(r => new StandInRefund(Id(r), Str(r, "payment_intent")!, Long(r, "amount"), Str(r, "status")!))]; }
    }

    /// <summary>Charges that succeeded (a replayed request charges nothing).</summary>
    public int SuccessfulChargeCount
    {
        get { lock (_gate) return _successfulCharges; }
    }

    public IReadOnlyList<StandInWebhookDelivery> WebhookDeliveries
    {
        get { lock (_gate) return [.. _deliveries]; }
    }

    /// <summary>A copy of any object the stand-in holds (cus_, seti_, pm_, pi_, cs_, re_, evt_) in its wire JSON.</summary>
    public JsonObject GetObject(string id)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(id, out var found) ? (JsonObject)found.DeepClone() : throw new KeyNotFoundException($"The stand-in holds no {id}.");
        }
    }

    /// <summary>What Stripe.js does when the customer confirms a SetupIntent in the browser: the test card becomes a
    /// payment method attached to the intent's customer and the intent succeeds. Returns the new <c>pm_…</c> id.</summary>
    public string SucceedSetupIntent(string setupIntentId, string testCard = "pm_card_visa")
    {
        lock (_gate)
        {
            var setup = Find("setup_intent", setupIntentId);
            if (Str(setup, "status") == "succeeded") throw new InvalidOperationException($"{setupIntentId} has already succeeded.");
            return ConfirmSetup(setup, testCard);
        }
    }

    /// <summary>Waits until every webhook the stand-in has started sending has been answered.</summary>
    public async Task WhenWebhooksDeliveredAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate) pending = [.. _pendingDeliveries.Where(t => !t.IsCompleted)];
            if (pending.Length == 0) return;
            await Task.WhenAll(pending);
        }
    }

    /// <summary>A Stripe event envelope around <paramref name="dataObject"/> (a JsonNode such as <see cref="GetObject"/>'s,
    /// or any object, serialised with snake_case names), signed and POSTed to <see cref="WebhookUrl"/> as Stripe does.</summary>
    public async Task<HttpResponseMessage> SendEventAsync(string type, object dataObject, string? eventId = null, DateTimeOffset? signedAt = null)
    {
        if (WebhookUrl is null) throw new InvalidOperationException("Set WebhookUrl before sending events.");
        var at = signedAt ?? Clock.GetUtcNow();
        JsonObject stripeEvent;
        lock (_gate) stripeEvent = NewEvent(type, ToNode(dataObject), eventId, at, request: null);
        var payload = stripeEvent.ToJsonString(Wire);
        var (response, delivery) = await PostWebhookAsync(Id(stripeEvent), type, payload, SignatureHeader(payload, at));
        lock (_gate) _deliveries.Add(delivery);
        return response ?? throw new HttpRequestException(delivery.Error);
    }

    /// <summary>The JSON of an event as <see cref="SendEventAsync"/> would send it, without sending it.</summary>
    public string CreateEventJson(string type, object dataObject, string? eventId = null, DateTimeOffset? created = null)
    {
        lock (_gate) return NewEvent(type, ToNode(dataObject), eventId, created ?? Clock.GetUtcNow(), request: null).ToJsonString(Wire);
    }

    /// <summary>Stripe's signature header: <c>t={unix},v1={hex HMAC-SHA256(secret, "{t}.{payload}")}</c>.</summary>
    public string SignatureHeader(string payload, DateTimeOffset? signedAt = null, string? secret = null)
    {
        var timestamp = (signedAt ?? Clock.GetUtcNow()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? WebhookSecret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await WhenWebhooksDeliveredAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // A receiver that never answers must not hang the test run.
        }
        if (_app is not null) await _app.DisposeAsync();
        _webhookHttp.Dispose();
    }

    // ---------------------------------------------------------------- HTTP: the API

    private async Task HandleApiAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        var raw = HttpMethods.IsGet(method) || HttpMethods.IsDelete(method)
            ? context.Request.QueryString.Value ?? ""
            : await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
        var pairs = ParsePairs(raw);
        var idempotencyKey = context.Request.Headers["Idempotency-Key"].FirstOrDefault();
        var requestId = "req_" + RandomString(14);

        ApiResult result;
        var replayed = false;
        if (Authenticate(context.Request.Headers.Authorization.FirstOrDefault()) is { } authError)
        {
            result = authError;
        }
        else
        {
            lock (_gate)
            {
                var fingerprint = $"{method} {path}\n{string.Join('&', pairs.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal))}";
                if (HttpMethods.IsPost(method) && idempotencyKey is not null && _idempotency.TryGetValue(idempotencyKey, out var saved))
                {
                    if (saved.Fingerprint == fingerprint)
                    {
                        result = saved.Result with { Events = [] };
                        requestId = saved.RequestId;
                        replayed = true;
                    }
                    else
                    {
                        result = new ApiResult(400, ErrorBody("idempotency_error",
                            $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{idempotencyKey}' if you meant to execute a different request."));
                    }
                }
                else
                {
                    result = Execute(method, path, FormTree(pairs), new Origin(requestId, idempotencyKey));
                    // As Stripe: a result is saved once the endpoint ran, not when the parameters failed validation.
                    if (HttpMethods.IsPost(method) && idempotencyKey is not null && result.Executed)
                        _idempotency[idempotencyKey] = new SavedResponse(fingerprint, requestId, result);
                }
                if (result.Events.Count > 0 && WebhookUrl is not null)
                {
                    // Sent once the response is on its way, as Stripe does; registered now so WhenWebhooksDeliveredAsync sees it.
                    var responded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _pendingDeliveries.Add(DeliverAfterAsync(responded.Task, result.Events));
                    context.Response.OnCompleted(() =>
                    {
                        responded.TrySetResult();
                        return Task.CompletedTask;
                    });
                }
            }
        }

        lock (_gate)
        {
            _requests.Add(new StandInRequest(method, path, idempotencyKey, pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
                result.Status, replayed));
        }
        context.Response.StatusCode = result.Status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = requestId;
        context.Response.Headers["Stripe-Version"] = context.Request.Headers["Stripe-Version"].FirstOrDefault() ?? ApiVersion;
        if (idempotencyKey is not null && HttpMethods.IsPost(method)) context.Response.Headers["Idempotency-Key"] = idempotencyKey;
        if (replayed) context.Response.Headers["Idempotent-Replayed"] = "true";
        if (result.Status == 401) context.Response.Headers.WWWAuthenticate = "Bearer realm=\"Stripe\"";
        await context.Response.WriteAsync(result.Body, context.RequestAborted);
    }

    private ApiResult? Authenticate(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization) || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return new ApiResult(401, ErrorBody("invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."));
        }
        var key = authorization["Bearer ".Length..].Trim();
        if (key == SecretKey) return null;
        var shown = key.Length > 4 ? $"{key[..Math.Min(8, key.Length - 4)]}{new string('*', 4)}{key[^4..]}" : key;
        return new ApiResult(401, ErrorBody("invalid_request_error", $"Invalid API Key provided: {shown}"));
    }

    private ApiResult Execute(string method, string path, JsonObject form, Origin origin)
    {
        var segments = path["/v1".Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            return (method, segments) switch
            {
                ("POST", ["customers"]) => Ok(CreateCustomer(form)),
                ("GET", ["customers", var id]) => Ok(Find("customer", id)),
                ("POST", ["setup_intents"]) => Ok(CreateSetupIntent(form)),
                ("GET", ["setup_intents", var id]) => Ok(Find("setup_intent", id)),
                ("POST", ["setup_intents", var id, "confirm"]) => Ok(ConfirmSetupIntent(id, form)),
                ("GET", ["payment_methods", var id]) => Ok(Find("payment_method", id)),
                ("POST", ["payment_methods", var id, "detach"]) => Ok(Detach(id)),
                ("POST", ["payment_intents"]) => CreatePaymentIntent(form, origin),
                ("GET", ["payment_intents", var id]) => Ok(Find("payment_intent", id)),
                ("POST", ["checkout", "sessions"]) => Ok(CreateCheckoutSession(form)),
                ("GET", ["checkout", "sessions", var id]) => Ok(Find("checkout.session", id)),
                ("POST", ["refunds"]) => Ok(CreateRefund(form)),
                ("GET", ["refunds", var id]) => Ok(Find("refund", id)),
                ("GET", ["events", var id]) => Ok(Find("event", id)),
                _ => throw new ApiError(404, $"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."),
            };
        }
        catch (ApiError e)
        {
            return new ApiResult(e.Status, ErrorBody(e.Type, e.Message, e.Code, e.Param), Executed: false);
        }
    }

    private static ApiResult Ok(JsonObject body) => new(200, body.ToJsonString(Wire));

    // ---------------------------------------------------------------- resources

    private JsonObject CreateCustomer(JsonObject form)
    {
        var customer = new JsonObject
        {
            ["id"] = NewId("cus", 14),
            ["object"] = "customer",
            ["address"] = null,
            ["balance"] = 0,
            ["created"] = Now(),
            ["currency"] = null,
            ["default_source"] = null,
            ["delinquent"] = false,
            ["description"] = Str(form, "description"),
            ["discount"] = null,
            ["email"] = Str(form, "email"),
            ["invoice_prefix"] = RandomString(8).ToUpperInvariant(),
            ["invoice_settings"] = new JsonObject
            {
                ["custom_fields"] = null, ["default_payment_method"] = null, ["footer"] = null, ["rendering_options"] = null,
            },
            ["livemode"] = false,
            ["metadata"] = MetadataParam(form),
            ["name"] = Str(form, "name"),
            ["next_invoice_sequence"] = 1,
            ["phone"] = Str(form, "phone"),
            ["preferred_locales"] = new JsonArray(),
            ["shipping"] = null,
            ["tax_exempt"] = "none",
            ["test_clock"] = null,
        };
        return Store(customer);
    }

    private JsonObject CreateSetupIntent(JsonObject form)
    {
        var customer = Str(form, "customer");
        if (customer is not null) Find("customer", customer, param: "customer");
        var usage = Str(form, "usage") ?? "off_session";
        if (usage is not ("on_session" or "off_session")) throw Invalid($"Invalid usage: must be one of on_session or off_session", "usage");
        var types = (form["allowed_payment_method_types"] ?? form["payment_method_types"]) is JsonArray list
            ? new JsonArray([.. list.Select(t => (JsonNode?)JsonValue.Create(t!.GetValue<string>()))])
            : new JsonArray("card");
        var id = NewId("seti", 24);
        var setup = Store(new JsonObject
        {
            ["id"] = id,
            ["object"] = "setup_intent",
            ["application"] = null,
            ["automatic_payment_methods"] = null,
            ["cancellation_reason"] = null,
            ["client_secret"] = $"{id}_secret_{RandomString(32)}",
            ["created"] = Now(),
            ["customer"] = customer,
            ["description"] = Str(form, "description"),
            ["flow_directions"] = null,
            ["last_setup_error"] = null,
            ["latest_attempt"] = null,
            ["livemode"] = false,
            ["mandate"] = null,
            ["metadata"] = MetadataParam(form),
            ["next_action"] = null,
            ["on_behalf_of"] = null,
            ["payment_method"] = null,
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject
            {
                ["card"] = new JsonObject { ["mandate_options"] = null, ["network"] = null, ["request_three_d_secure"] = "automatic" },
            },
            ["payment_method_types"] = types,
            ["single_use_mandate"] = null,
            ["status"] = "requires_payment_method",
            ["usage"] = usage,
        });
        if (Bool(form, "confirm") == true) ConfirmSetup(setup, Required(form, "payment_method"));
        return setup;
    }

    private JsonObject ConfirmSetupIntent(string id, JsonObject form)
    {
        var setup = Find("setup_intent", id);
        if (Str(setup, "status") == "succeeded")
        {
            throw new ApiError(400, "You cannot confirm this SetupIntent because it has already succeeded after being previously confirmed.",
                code: "setup_intent_unexpected_state");
        }
        ConfirmSetup(setup, Str(form, "payment_method") ?? Str(setup, "payment_method") ?? throw Missing("payment_method"));
        return setup;
    }

    private string ConfirmSetup(JsonObject setup, string paymentMethod)
    {
        var method = ResolvePaymentMethod(paymentMethod, Str(setup, "customer"), "payment_method");
        if (Str(setup, "customer") is { } customer) method["customer"] = customer;
        setup["payment_method"] = Id(method);
        setup["status"] = "succeeded";
        return Id(method);
    }

    private JsonObject Detach(string id)
    {
        var method = Find("payment_method", id);
        if (Str(method, "customer") is null)
            throw Invalid("The payment method you provided is not attached to a customer so detachment is impossible.", null);
        method["customer"] = null;
        _usedPaymentMethods.Add(id);
        return method;
    }

    private ApiResult CreatePaymentIntent(JsonObject form, Origin origin)
    {
        var amount = RequiredLong(form, "amount");
        if (amount < 1) throw Invalid("This value must be greater than or equal to 1.", "amount");
        var currency = Currency(Required(form, "currency"), "currency");
        var customer = Str(form, "customer");
        if (customer is not null) Find("customer", customer, param: "customer");
        var confirm = Bool(form, "confirm") == true;
        var offSession = Str(form, "off_session") switch
        {
            null or "false" => false,
            "true" or "one_off" or "recurring" => true,
            var other => throw Invalid($"Invalid boolean: {other}", "off_session"),
        };
        if (offSession && !confirm) throw Invalid("off_session can only be used when confirm=true.", "off_session");
        var paymentMethod = Str(form, "payment_method");
        if (confirm && paymentMethod is null)
        {
            throw new ApiError(400, "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with "
                + customer + ", specify a payment method attached to this customer along with the customer ID.", code: "payment_intent_unexpected_state");
        }
        var setupFutureUsage = Str(form, "setup_future_usage");
        if (setupFutureUsage is not (null or "on_session" or "off_session"))
            throw Invalid($"Invalid setup_future_usage: must be one of on_session or off_session", "setup_future_usage");

        var method = paymentMethod is null ? null : ResolvePaymentMethod(paymentMethod, customer, "payment_method");
        var intent = NewPaymentIntent(amount, currency, customer, Str(form, "description"), MetadataParam(form), setupFutureUsage);
        _intentState[Id(intent)] = new PaymentIntentState { IdempotencyKey = origin.IdempotencyKey, OffSession = offSession };
        if (method is null) return Ok(intent);
        intent["payment_method"] = Id(method);
        if (!confirm)
        {
            intent["status"] = "requires_confirmation";
            return Ok(intent);
        }

        var succeeded = Confirm(intent, method);
        var events = SendPaymentIntentEvents
            ? new[] { NewEvent(succeeded ? "payment_intent.succeeded" : "payment_intent.payment_failed", intent.DeepClone(), null, Clock.GetUtcNow(), origin) }
            : [];
        if (succeeded) return new ApiResult(200, intent.ToJsonString(Wire), Events: events);

        // Stripe answers a declined confirmation with 402 and the failed PaymentIntent inside the error.
        var failure = (JsonObject)intent["last_payment_error"]!.DeepClone();
        failure["payment_intent"] = intent.DeepClone();
        failure["request_log_url"] = $"https://dashboard.stripe.com/test/logs/{origin.RequestId}";
        return new ApiResult(402, new JsonObject { ["error"] = failure }.ToJsonString(Wire), Events: events);
    }

    private JsonObject NewPaymentIntent(long amount, string currency, string? customer, string? description, JsonObject metadata, string? setupFutureUsage)
    {
        var id = NewId("pi", 24);
        return Store(new JsonObject
        {
            ["id"] = id,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["amount_capturable"] = 0,
            ["amount_details"] = new JsonObject { ["tip"] = new JsonObject() },
            ["amount_received"] = 0,
            ["application"] = null,
            ["application_fee_amount"] = null,
            ["automatic_payment_methods"] = null,
            ["canceled_at"] = null,
            ["cancellation_reason"] = null,
            ["capture_method"] = "automatic",
            ["client_secret"] = $"{id}_secret_{RandomString(25)}",
            ["confirmation_method"] = "automatic",
            ["created"] = Now(),
            ["currency"] = currency,
            ["customer"] = customer,
            ["description"] = description,
            ["last_payment_error"] = null,
            ["latest_charge"] = null,
            ["livemode"] = false,
            ["metadata"] = metadata,
            ["next_action"] = null,
            ["on_behalf_of"] = null,
            ["payment_method"] = null,
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject
            {
                ["card"] = new JsonObject { ["installments"] = null, ["mandate_options"] = null, ["network"] = null, ["request_three_d_secure"] = "automatic" },
            },
            ["payment_method_types"] = new JsonArray("card"),
            ["processing"] = null,
            ["receipt_email"] = null,
            ["review"] = null,
            ["setup_future_usage"] = setupFutureUsage,
            ["shipping"] = null,
            ["source"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = null,
            ["status"] = "requires_payment_method",
            ["transfer_data"] = null,
            ["transfer_group"] = null,
        });
    }

    /// <summary>Charges the card: succeeded, or (for a declining test card) back to requires_payment_method with
    /// last_payment_error and the payment method moved into it, as Stripe does.</summary>
    private bool Confirm(JsonObject intent, JsonObject method)
    {
        var card = _cardOf[Id(method)];
        var charge = NewId("ch", 24);
        intent["latest_charge"] = charge;
        _usedPaymentMethods.Add(Id(method));
        if (card.DeclineCode is null)
        {
            intent["status"] = "succeeded";
            intent["amount_received"] = Long(intent, "amount");
            intent["last_payment_error"] = null;
            if (Str(intent, "setup_future_usage") is not null && Str(intent, "customer") is { } customer) method["customer"] = customer;
            _successfulCharges++;
            return true;
        }
        intent["status"] = "requires_payment_method";
        intent["payment_method"] = null;
        intent["last_payment_error"] = new JsonObject
        {
            ["charge"] = charge,
            ["code"] = card.ErrorCode,
            ["decline_code"] = card.DeclineCode,
            ["doc_url"] = $"https://stripe.com/docs/error-codes/{card.ErrorCode!.Replace('_', '-')}",
            ["message"] = card.Message,
            ["payment_method"] = method.DeepClone(),
            ["type"] = "card_error",
        };
        return false;
    }

    private JsonObject CreateCheckoutSession(JsonObject form)
    {
        var mode = Required(form, "mode");
        if (mode != "payment") throw Invalid($"The stand-in supports mode=payment only, not {mode}.", "mode");
        if (form["line_items"] is not JsonArray { Count: > 0 } items) throw Missing("line_items");
        var customer = Str(form, "customer");
        if (customer is not null) Find("customer", customer, param: "customer");

        var lines = new List<CheckoutLine>();
        string? currency = null;
        for (var i = 0; i < items.Count; i++)
        {
            var prefix = $"line_items[{i}]";
            if (items[i] is not JsonObject item) throw Invalid($"Invalid object", prefix);
            var quantity = Long(item, "quantity", $"{prefix}[quantity]") ?? throw Missing($"{prefix}[quantity]");
            if (item["price"] is not null) throw Invalid("The stand-in knows no Prices: use price_data.", $"{prefix}[price]");
            if (item["price_data"] is not JsonObject price) throw Missing($"{prefix}[price_data]");
            var lineCurrency = Currency(Str(price, "currency") ?? throw Missing($"{prefix}[price_data][currency]"), $"{prefix}[price_data][currency]");
            var unitAmount = Long(price, "unit_amount", $"{prefix}[price_data][unit_amount]") ?? throw Missing($"{prefix}[price_data][unit_amount]");
            var name = (price["product_data"] as JsonObject) is { } product
                ? Str(product, "name") ?? throw Missing($"{prefix}[price_data][product_data][name]")
                : throw Missing($"{prefix}[price_data][product_data]");
            if (currency is not null && currency != lineCurrency) throw Invalid("All line items must share one currency.", $"{prefix}[price_data][currency]");
            currency = lineCurrency;
            lines.Add(new CheckoutLine(name, unitAmount, quantity));
        }
        var total = lines.Sum(l => l.UnitAmount * l.Quantity);

        var intentData = form["payment_intent_data"] as JsonObject ?? [];
        var setupFutureUsage = Str(intentData, "setup_future_usage");
        if (setupFutureUsage is not (null or "on_session" or "off_session"))
            throw Invalid("Invalid setup_future_usage: must be one of on_session or off_session", "payment_intent_data[setup_future_usage]");

        var id = "cs_test_" + RandomString(58);
        var now = Now();
        var session = Store(new JsonObject
        {
            ["id"] = id,
            ["object"] = "checkout.session",
            ["after_expiration"] = null,
            ["allow_promotion_codes"] = null,
            ["amount_subtotal"] = total,
            ["amount_total"] = total,
            ["automatic_tax"] = new JsonObject { ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
            ["billing_address_collection"] = null,
            ["cancel_url"] = Str(form, "cancel_url"),
            ["client_reference_id"] = Str(form, "client_reference_id"),
            ["client_secret"] = null,
            ["consent"] = null,
            ["consent_collection"] = null,
            ["created"] = now,
            ["currency"] = currency,
            ["custom_fields"] = new JsonArray(),
            ["custom_text"] = new JsonObject
            {
                ["after_submit"] = null, ["shipping_address"] = null, ["submit"] = null, ["terms_of_service_acceptance"] = null,
            },
            ["customer"] = customer,
            ["customer_creation"] = customer is null ? "if_required" : null,
            ["customer_details"] = null,
            ["customer_email"] = Str(form, "customer_email"),
            ["expires_at"] = now + 86_400,
            ["invoice"] = null,
            ["invoice_creation"] = null,
            ["livemode"] = false,
            ["locale"] = null,
            ["metadata"] = MetadataParam(form),
            ["mode"] = mode,
            ["payment_intent"] = null,
            ["payment_link"] = null,
            ["payment_method_collection"] = "if_required",
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject { ["card"] = new JsonObject { ["request_three_d_secure"] = "automatic" } },
            ["payment_method_types"] = new JsonArray("card"),
            ["payment_status"] = "unpaid",
            ["phone_number_collection"] = new JsonObject { ["enabled"] = false },
            ["recovered_from"] = null,
            ["saved_payment_method_options"] = null,
            ["setup_intent"] = null,
            ["shipping_address_collection"] = null,
            ["shipping_cost"] = null,
            ["shipping_options"] = new JsonArray(),
            ["status"] = "open",
            ["submit_type"] = null,
            ["subscription"] = null,
            ["success_url"] = Str(form, "success_url"),
            ["total_details"] = new JsonObject { ["amount_discount"] = 0, ["amount_shipping"] = 0, ["amount_tax"] = 0 },
            ["ui_mode"] = "hosted",
            ["url"] = $"{BaseUrl}/checkout/{id}",
        });
        _checkoutState[id] = new CheckoutState(lines, setupFutureUsage, Str(intentData, "description"), MetadataParam(intentData));
        return session;
    }

    private JsonObject CreateRefund(JsonObject form)
    {
        var intentId = Str(form, "payment_intent") ?? throw Invalid("One of the following params should be provided for this request: payment_intent or charge.", null);
        var intent = Find("payment_intent", intentId, param: "payment_intent");
        if (Str(intent, "status") != "succeeded")
            throw Invalid($"This PaymentIntent ({intentId}) does not have a successful charge to refund.", "payment_intent");
        var state = _intentState[intentId];
        var charge = Str(intent, "latest_charge")!;
        var remaining = Long(intent, "amount_received") - state.Refunded;
        if (remaining <= 0) throw new ApiError(400, $"Charge {charge} has already been refunded.", code: "charge_already_refunded");
        var amount = Long(form, "amount", "amount") ?? remaining;
        if (amount < 1) throw Invalid("This value must be greater than or equal to 1.", "amount");
        var currency = Str(intent, "currency")!;
        if (amount > remaining)
        {
            throw new ApiError(400, $"Refund amount ({Format(amount, currency)}) is greater than unrefunded amount on charge ({Format(remaining, currency)})",
                code: "amount_too_large", param: "amount");
        }
        state.Refunded += amount;
        return Store(new JsonObject
        {
            ["id"] = NewId("re", 24),
            ["object"] = "refund",
            ["amount"] = amount,
            ["balance_transaction"] = NewId("txn", 24),
            ["charge"] = charge,
            ["created"] = Now(),
            ["currency"] = currency,
            ["destination_details"] = new JsonObject
            {
                ["card"] = new JsonObject { ["reference"] = null, ["reference_status"] = "pending", ["reference_type"] = "acquirer_reference_number", ["type"] = "refund" },
                ["type"] = "card",
            },
            ["metadata"] = MetadataParam(form),
            ["payment_intent"] = intentId,
            ["reason"] = Str(form, "reason"),
            ["receipt_number"] = null,
            ["source_transfer_reversal"] = null,
            ["status"] = "succeeded",
            ["transfer_reversal"] = null,
        });
    }

    /// <summary>A test token (<c>pm_card_visa</c>) becomes a new payment method, as with Stripe; a stored one is checked
    /// against the customer.</summary>
    private JsonObject ResolvePaymentMethod(string id, string? customer, string param)
    {
        if (TestCards.TryGetValue(id, out var card))
        {
            var created = Store(new JsonObject
            {
                ["id"] = NewId("pm", 24),
                ["object"] = "payment_method",
                ["allow_redisplay"] = "unspecified",
                ["billing_details"] = new JsonObject
                {
                    ["address"] = new JsonObject { ["city"] = null, ["country"] = null, ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
                    ["email"] = null, ["name"] = null, ["phone"] = null, ["tax_id"] = null,
                },
                ["card"] = new JsonObject
                {
                    ["brand"] = card.Brand,
                    ["checks"] = new JsonObject { ["address_line1_check"] = null, ["address_postal_code_check"] = null, ["cvc_check"] = "pass" },
                    ["country"] = "US",
                    ["display_brand"] = card.Brand,
                    ["exp_month"] = 12,
                    ["exp_year"] = Clock.GetUtcNow().Year + 2,
                    ["fingerprint"] = RandomString(16),
                    ["funding"] = "credit",
                    ["generated_from"] = null,
                    ["last4"] = card.Last4,
                    ["networks"] = new JsonObject { ["available"] = new JsonArray(card.Brand), ["preferred"] = null },
                    ["regulated_status"] = "unregulated",
                    ["three_d_secure_usage"] = new JsonObject { ["supported"] = true },
                    ["wallet"] = null,
                },
                ["created"] = Now(),
                ["customer"] = null,
                ["customer_account"] = null,
                ["livemode"] = false,
                ["metadata"] = new JsonObject(),
                ["type"] = "card",
            });
            _cardOf[Id(created)] = card;
            return created;
        }
        if (!_objects.TryGetValue(id, out var method) || Str(method, "object") != "payment_method")
            throw new ApiError(400, $"No such PaymentMethod: '{id}'", code: "resource_missing", param: param);
        var owner = Str(method, "customer");
        if (owner is null && _usedPaymentMethods.Contains(id))
        {
            throw Invalid("The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.", param);
        }
        if (owner is not null && customer is not null && owner != customer)
            throw Invalid($"The provided PaymentMethod belongs to a different Customer than {customer}.", param);
        if (owner is not null && customer is null)
            throw Invalid("The provided PaymentMethod is attached to a Customer: pass that customer with it.", "customer");
        return method;
    }

    // ---------------------------------------------------------------- HTTP: the hosted Checkout page

    private Task HostedPageAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        JsonObject session;
        CheckoutState state;
        lock (_gate)
        {
            if (!_objects.TryGetValue(id, out var found) || Str(found, "object") != "checkout.session") return Html(context, 404, "<h1>Not found</h1>");
            session = (JsonObject)found.DeepClone();
            state = _checkoutState[id];
        }
        return Html(context, 200, CheckoutPage(session, state, error: null));
    }

    private async Task HostedPayAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form["payment_method"].FirstOrDefault() is { Length: > 0 } chosen ? chosen : "pm_card_visa";
        JsonObject session;
        CheckoutState state;
        JsonObject[] events = [];
        string? failure = null;
        var status = 200;
        lock (_gate)
        {
            if (!_objects.TryGetValue(id, out var found) || Str(found, "object") != "checkout.session")
            {
                context.Response.StatusCode = 404;
                return;
            }
            state = _checkoutState[id];
            if (Str(found, "status") != "open")
            {
                (status, failure) = (409, "This Checkout Session is no longer active.");
            }
            else if (!TestCards.ContainsKey(token))
            {
                (status, failure) = (400, $"Unknown test card {token}.");
            }
            else
            {
                var customer = Str(found, "customer");
                var method = ResolvePaymentMethod(token, customer, "payment_method");
                var intent = NewPaymentIntent(Long(found, "amount_total"), Str(found, "currency")!, customer, state.Description,
                    (JsonObject)state.IntentMetadata.DeepClone(), state.SetupFutureUsage);
                intent["payment_method"] = Id(method);
                _intentState[Id(intent)] = new PaymentIntentState();
                if (!Confirm(intent, method))
                {
                    // The page shows the decline and the session stays open, as Checkout does.
                    (status, failure) = (402, intent["last_payment_error"]!["message"]!.GetValue<string>());
                }
                else
                {
                    found["payment_intent"] = Id(intent);
                    found["status"] = "complete";
                    found["payment_status"] = "paid";
                    found["url"] = null;
                    var customerObject = customer is null ? null : _objects[customer];
                    found["customer_details"] = new JsonObject
                    {
                        ["address"] = null,
                        ["email"] = customerObject is null ? Str(found, "customer_email") : Str(customerObject, "email"),
                        ["name"] = customerObject is null ? null : Str(customerObject, "name"),
                        ["phone"] = null,
                        ["tax_exempt"] = "none",
                        ["tax_ids"] = new JsonArray(),
                    };
                    var now = Clock.GetUtcNow();
                    var list = new List<JsonObject>();
                    if (SendPaymentIntentEvents) list.Add(NewEvent("payment_intent.succeeded", intent.DeepClone(), null, now, null));
                    list.Add(NewEvent("checkout.session.completed", found.DeepClone(), null, now, null));
                    events = [.. list];
                }
            }
            session = (JsonObject)found.DeepClone();
        }

        if (failure is not null)
        {
            await Html(context, status, CheckoutPage(session, state, failure));
            return;
        }

        // Stripe sends checkout.session.completed as the payment completes; the redirect follows.
        if (WebhookUrl is not null) await DeliverAsync(events);
        var successUrl = Str(session, "success_url");
        if (successUrl is null)
        {
            await Html(context, 200, "<h1>Payment complete</h1>");
            return;
        }
        context.Response.StatusCode = 303;
        context.Response.Headers.Location = successUrl.Replace("{CHECKOUT_SESSION_ID}", id, StringComparison.Ordinal);
    }

    private static string CheckoutPage(JsonObject session, CheckoutState? state, string? error)
    {
        var id = Id(session);
        var currency = Str(session, "currency")!;
        var page = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>Checkout (Stripe stand-in)</title></head><body>");
        page.Append(CultureInfo.InvariantCulture, $"<h1>Pay {HtmlEncoder.Default.Encode(Format(Long(session, "amount_total"), currency))}</h1>");
        foreach (var line in state?.Lines ?? [])
        {
            page.Append(CultureInfo.InvariantCulture,
                $"<p class=\"line-item\">{HtmlEncoder.Default.Encode(line.Name)} × {line.Quantity}: {HtmlEncoder.Default.Encode(Format(line.UnitAmount * line.Quantity, currency))}</p>");
        }
        if (error is not null) page.Append(CultureInfo.InvariantCulture, $"<p role=\"alert\">{HtmlEncoder.Default.Encode(error)}</p>");
        if (Str(session, "status") == "open")
        {
            page.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/checkout/{HtmlEncoder.Default.Encode(id)}/pay\">");
            page.Append("<label>Card <select name=\"payment_method\">");
            foreach (var (token, card) in TestCards)
                page.Append(CultureInfo.InvariantCulture, $"<option value=\"{token}\">{card.Brand} •••• {card.Last4}</option>");
            page.Append("</select></label> <button type=\"submit\" id=\"pay\">Pay</button></form>");
            if (Str(session, "cancel_url") is { } cancel) page.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{HtmlEncoder.Default.Encode(cancel)}\">Cancel</a></p>");
        }
        return page.Append("</body></html>").ToString();
    }

    private static async Task Html(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    // ---------------------------------------------------------------- events and webhooks

    private JsonObject NewEvent(string type, JsonNode? dataObject, string? eventId, DateTimeOffset created, Origin? request) =>
        Store(new JsonObject
        {
            ["id"] = eventId ?? NewId("evt", 24),
            ["object"] = "event",
            ["api_version"] = ApiVersion,
            ["created"] = created.ToUnixTimeSeconds(),
            ["data"] = new JsonObject { ["object"] = dataObject },
            ["livemode"] = false,
            ["pending_webhooks"] = WebhookUrl is null ? 0 : 1,
            ["request"] = new JsonObject { ["id"] = request?.RequestId, ["idempotency_key"] = request?.IdempotencyKey },
            ["type"] = type,
        }, replace: true);

    private async Task DeliverAfterAsync(Task responded, IReadOnlyList<JsonObject> events)
    {
        await responded;
        await DeliverAsync(events);
    }

    private async Task DeliverAsync(IReadOnlyList<JsonObject> events)
    {
        foreach (var stripeEvent in events)
        {
            var payload = stripeEvent.ToJsonString(Wire);
            var (response, delivery) = await PostWebhookAsync(Id(stripeEvent), Str(stripeEvent, "type")!, payload, SignatureHeader(payload));
            response?.Dispose();
            lock (_gate) _deliveries.Add(delivery);
        }
    }

    private async Task<(HttpResponseMessage? Response, StandInWebhookDelivery Delivery)> PostWebhookAsync(string eventId, string type, string payload, string signature)
    {
        var client = WebhookClient ?? _webhookHttp;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(WebhookUrl!, UriKind.RelativeOrAbsolute))
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        try
        {
            var response = await client.SendAsync(request);
            return (response, new StandInWebhookDelivery(eventId, type, payload, signature, (int)response.StatusCode, null));
        }
        catch (HttpRequestException e)
        {
            return (null, new StandInWebhookDelivery(eventId, type, payload, signature, null, e.Message));
        }
    }

    private static JsonNode? ToNode(object dataObject) => dataObject switch
    {
        JsonNode node => node.DeepClone(),
        string json => JsonNode.Parse(json),
        _ => JsonSerializer.SerializeToNode(dataObject, SnakeCase),
    };

    // ---------------------------------------------------------------- storage and parameters

    private JsonObject Store(JsonObject item, bool replace = false)
    {
        var id = Id(item);
        if (!_objects.ContainsKey(id)) _order.Add(id);
        else if (!replace) throw new InvalidOperationException($"Duplicate id {id}.");
        _objects[id] = item;
        return item;
    }

    private IEnumerable<JsonObject> Of(string type) => _order.Select(id => _objects[id]).Where(o => Str(o, "object") == type);

    private JsonObject Find(string type, string id, string param = "id")
    {
        if (_objects.TryGetValue(id, out var found) && Str(found, "object") == type) return found;
        var noun = type == "payment_method" ? "PaymentMethod" : type;
        throw new ApiError(param == "id" ? 404 : 400, $"No such {noun}: '{id}'", code: "resource_missing", param: param);
    }

    private long Now() => Clock.GetUtcNow().ToUnixTimeSeconds();

    private static string Id(JsonObject o) => o["id"]!.GetValue<string>();

    private static string? Str(JsonObject o, string name) => o[name] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    private static long Long(JsonObject o, string name)
    {
        var value = o[name]!.AsValue();
        return value.TryGetValue<long>(out var number) ? number : value.GetValue<int>();
    }

    /// <summary>An integer form parameter (all form values arrive as strings).</summary>
    private static long? Long(JsonObject o, string name, string param)
    {
        var text = Str(o, name);
        if (text is null) return null;
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid($"Invalid integer: {text}", param);
    }

    private static long RequiredLong(JsonObject form, string name) => Long(form, name, name) ?? throw Missing(name);

    private static string Required(JsonObject form, string name) => Str(form, name) is { Length: > 0 } value ? value : throw Missing(name);

    private static bool? Bool(JsonObject form, string name) => Str(form, name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var other => throw Invalid($"Invalid boolean: {other}", name),
    };

    private static string Currency(string value, string param) =>
        value.Length == 3 && value.All(char.IsAsciiLetter) ? value.ToLowerInvariant() : throw Invalid($"Invalid currency: {value}.", param);

    private static JsonObject MetadataParam(JsonObject form)
    {
        var metadata = new JsonObject();
        if (form["metadata"] is JsonObject given)
        {
            // Stripe drops keys set to the empty string.
            foreach (var (key, value) in given)
                if (value is JsonValue v && v.GetValue<string>() is { Length: > 0 } text) metadata[key] = text;
        }
        return metadata;
    }

    private static Dictionary<string, string> Meta(JsonObject o) =>
        (o["metadata"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());

    private static string Format(long minor, string currency) =>
        $"{(minor / 100m).ToString("0.00", CultureInfo.InvariantCulture)} {currency.ToUpperInvariant()}";

    private static ApiError Missing(string param) => new(400, $"Missing required param: {param}.", code: "parameter_missing", param: param);

    private static ApiError Invalid(string message, string? param) => new(400, message, param: param);

    private static string ErrorBody(string type, string message, string? code = null, string? param = null)
    {
        var error = new JsonObject();
        if (code is not null)
        {
            error["code"] = code;
            error["doc_url"] = $"https://stripe.com/docs/error-codes/{code.Replace('_', '-')}";
        }
        error["message"] = message;
        if (param is not null) error["param"] = param;
        error["type"] = type;
        return new JsonObject { ["error"] = error }.ToJsonString(Wire);
    }

    private static List<KeyValuePair<string, string>> ParsePairs(string encoded) =>
        [.. encoded.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            return KeyValuePair.Create(WebUtility.UrlDecode(key), WebUtility.UrlDecode(value));
        })];

    /// <summary>Stripe's bracket keys as a tree: <c>line_items[0][price_data][unit_amount]=500</c> becomes
    /// <c>{"line_items":[{"price_data":{"unit_amount":"500"}}]}</c>; values stay strings.</summary>
    private static JsonObject FormTree(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var root = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            var open = key.IndexOf('[', StringComparison.Ordinal);
            var tokens = open < 0
                ? [key]
                : new[] { key[..open] }.Concat(key[(open + 1)..].TrimEnd(']').Split("][")).ToArray();
            var node = root;
            for (var i = 0; i < tokens.Length - 1; i++)
            {
                var token = tokens[i].Length == 0 ? node.Count.ToString(CultureInfo.InvariantCulture) : tokens[i];
                if (!node.TryGetValue(token, out var child) || child is not Dictionary<string, object> next)
                    node[token] = next = new Dictionary<string, object>(StringComparer.Ordinal);
                node = next;
            }
            var last = tokens[^1].Length == 0 ? node.Count.ToString(CultureInfo.InvariantCulture) : tokens[^1];
            node[last] = value;
        }
        return (JsonObject)ToJson(root, isRoot: true);

        static JsonNode ToJson(object item, bool isRoot = false)
        {
            if (item is string text) return JsonValue.Create(text);
            var map = (Dictionary<string, object>)item;
            if (!isRoot && map.Count > 0 && map.Keys.All(k => int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                return new JsonArray([.. map.OrderBy(p => int.Parse(p.Key, CultureInfo.InvariantCulture)).Select(p => (JsonNode?)ToJson(p.Value))]);
            var result = new JsonObject();
            foreach (var (k, v) in map) result[k] = ToJson(v);
            return result;
        }
    }

    private static string NewId(string prefix, int length) => $"{prefix}_{RandomString(length)}";

    private static string RandomString(int length) => RandomNumberGenerator.GetString(Alphanumeric, length);

    private sealed record TestCard(string Brand, string Last4, string? ErrorCode, string? DeclineCode, string? Message);

    private sealed record CheckoutLine(string Name, long UnitAmount, long Quantity);

    private sealed record CheckoutState(IReadOnlyList<CheckoutLine> Lines, string? SetupFutureUsage, string? Description, JsonObject IntentMetadata);

    private sealed class PaymentIntentState
    {
        public string? IdempotencyKey { get; init; }
        public bool OffSession { get; init; }
        public long Refunded { get; set; }
    }

    private sealed record Origin(string RequestId, string? IdempotencyKey);

    private sealed record ApiResult(int Status, string Body, bool Executed = true, IReadOnlyList<JsonObject>? Events = null)
    {
        public IReadOnlyList<JsonObject> Events { get; init; } = Events ?? [];
    }

    private sealed record SavedResponse(string Fingerprint, string RequestId, ApiResult Result);

    private sealed class ApiError(int status, string message, string type = "invalid_request_error", string? code = null, string? param = null)
        : Exception(message)
    {
        public int Status { get; } = status;
        public string Type { get; } = type;
        public string? Code { get; } = code;
        public string? Param { get; } = param;
    }
}
