using System.Text.Json;
using MPanel.Web.Features.MarketingApi;

namespace MPanel.Web.Features.ContactRequests;

/// <summary><c>POST /api/public/contact</c>: no key, limited per client address by <see cref="PublicRateLimits.Contact"/>.</summary>
public static class PublicContactApi
{
    public const string Path = "/api/public/contact";
    /// <summary>Bodies above this are refused with 413 before they are parsed.</summary>
    public const int MaxBodyBytes = 32 * 1024;

    public static IServiceCollection AddContactRequests(this IServiceCollection services) => services.AddScoped<ContactRequestsService>();

    public static void MapPublicContactApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, async (HttpContext http, ContactRequestsService service, CancellationToken ct) =>
            {
                var request = http.Request;
                if (request.ContentLength > MaxBodyBytes) return TooLarge();
                if (!request.HasJsonContentType())
                    return MarketingProblems.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the form as application/json.");
                // Read at most one byte past the limit: a chunked body cannot make the server buffer more.
                var buffer = new MemoryStream();
                var chunk = new byte[8192];
                int read;
                while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
                {
                    if (buffer.Length + read > MaxBodyBytes) return TooLarge();
                    buffer.Write(chunk, 0, read);
                }
                ContactForm? form;
                try
                {
                    form = JsonSerializer.Deserialize<ContactForm>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), JsonSerializerOptions.Web);
                }
                catch (JsonException)
                {
                    return MarketingProblems.Result(StatusCodes.Status400BadRequest, "malformed_json", "The body is not a JSON object of the contact form's fields.");
                }
                if (form is null) return MarketingProblems.Result(StatusCodes.Status400BadRequest, "malformed_json", "The body is not a JSON object of the contact form's fields.");
                var receipt = await service.SubmitAsync(request.Host.Host, http.Connection.RemoteIpAddress?.ToString(), request.Headers.UserAgent.ToString(), form, ct);
                return TypedResults.Accepted((string?)null, receipt);
            })
            .AllowAnonymous().DisableAntiforgery().RequireRateLimiting(PublicRateLimits.Contact)
            .WithName("SubmitContactForm").WithSummary("Send a message through the shop's contact form")
            .WithGroupName(MarketingOpenApi.DocumentName).WithTags("Public")
            .WithDescription($"""
                No API key. The shop is the one whose host the form is posted to. Stored for support staff and mailed to the shop's
                support address. Fields: `name` (≤ 100), `email`, `subject` (≤ 200, one line), `message` (≤ 5000); leave `website`
                empty (a honeypot for bots). Limited to {MaxBodyBytes} bytes and, per client address, 5 posts an hour (policy `contact`).
                """)
            // The body is read by hand (size limit first), so it is described for the document only: Accepts metadata would
            // also make routing match on the content type and send a form post elsewhere instead of answering 415.
            .WithMetadata(new DocumentedRequestBody(typeof(ContactForm)))
            .Produces<ContactReceipt>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    private static IResult TooLarge() =>
        MarketingProblems.Result(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"Request bodies are limited to {MaxBodyBytes} bytes.");
}
