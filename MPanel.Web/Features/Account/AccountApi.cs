using Microsoft.AspNetCore.Antiforgery;

namespace MPanel.Web.Features.Account;

public static class AccountApi
{
    /// <summary>Sign-out is a form POST from the user menu (antiforgery-checked), then back to the sign-in page.</summary>
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/account/logout", async (AccountService account) =>
            {
                await account.SignOutAsync();
                return TypedResults.LocalRedirect("/account/login?signedOut=1");
            })
            .WithMetadata(new RequireAntiforgeryTokenAttribute(true))
            .AllowAnonymous();
}
