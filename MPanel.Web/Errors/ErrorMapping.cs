using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using MPanel.Domain.Common;

namespace MPanel.Web.Errors;

/// <summary>The one place expected failures become HTTP answers: RFC 7807 problem details with the right status.</summary>
public static class ErrorMapping
{
    public static DomainError? AsDomainError(Exception exception) => exception switch
    {
        DomainException d => d.Error,
        DbUpdateConcurrencyException => new ConcurrencyError(),
        _ => null,
    };

    public static int StatusOf(DomainError error) => error switch
    {
        NotFoundError => StatusCodes.Status404NotFound,
        Features.Tokens.UnauthorizedError => StatusCodes.Status401Unauthorized,
        ValidationError => StatusCodes.Status400BadRequest,
        ForbiddenError => StatusCodes.Status403Forbidden,
        ConflictError or ConcurrencyError => StatusCodes.Status409Conflict,
        Domain.DnsZones.DnsServerUnavailableError => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    public static IResult ToProblem(DomainError error) => error switch
    {
        ValidationError v => TypedResults.ValidationProblem(v.Fields.ToDictionary(f => f.Key, f => f.Value), title: v.Message,
            extensions: new Dictionary<string, object?> { ["code"] = v.Code }),
        _ => TypedResults.Problem(title: error.Message, statusCode: StatusOf(error),
            extensions: new Dictionary<string, object?> { ["code"] = error.Code }),
    };
}

/// <summary>Turns a <see cref="DomainException"/> thrown by an endpoint into its problem details; anything else
/// becomes a 500 problem with the request id and without a stack trace.</summary>
public sealed class DomainExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var path = http.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? http.Request.Path;
        if (!path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)) return false;
        ProblemDetails details;
        if (ErrorMapping.AsDomainError(exception) is { } error)
        {
            http.Response.StatusCode = ErrorMapping.StatusOf(error);
            details = error is ValidationError v
                ? new HttpValidationProblemDetails(v.Fields.ToDictionary(f => f.Key, f => f.Value)) { Title = v.Message, Status = http.Response.StatusCode }
                : new ProblemDetails { Title = error.Message, Status = http.Response.StatusCode };
            details.Extensions["code"] = error.Code;
        }
        else if (exception is BadHttpRequestException bad)
        {
            http.Response.StatusCode = bad.StatusCode;
            details = new ProblemDetails { Title = "The request could not be read.", Detail = bad.Message, Status = bad.StatusCode };
        }
        else
        {
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            details = new ProblemDetails { Title = "An unexpected error occurred. Quote the request id when you contact support.", Status = 500 };
        }
        details.Type ??= $"https://httpstatuses.io/{details.Status}";
        details.Instance = path;
        details.Extensions["requestId"] = http.TraceIdentifier;
        await http.Response.WriteAsJsonAsync(details, details.GetType(), options: null, contentType: "application/problem+json", cancellationToken);
        return true;
    }
}
