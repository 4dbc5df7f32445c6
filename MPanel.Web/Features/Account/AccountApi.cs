using Microsoft.AspNetCore.Antiforgery;

namespace MPanel.Web.Features.Account;

public static class AccountApi
{
    /// <summary>Sign-out is a form POST from the user menu, refused without a valid antiforgery token (so another
    /// site cannot sign people out), then back to the sign-in page.</summary>
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/account/logout", async Task<IResult> (HttpContext http, IAntiforgery antiforgery, AccountService account) =>
            {
                if (!await antiforgery.IsRequestValidAsync(http))
                    return TypedResults.Problem(title: "The sign-out form expired. Reload the page and try again.", statusCode: StatusCodes.Status400BadRequest);
                await account.SignOutAsync(http.User);
                return TypedResults.LocalRedirect("/account/login?signedOut=1");
            })
            .DisableAntiforgery() // validated explicitly above, so the answer is a clear 400 rather than a silent pass
            .AllowAnonymous();
}
