using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using MPanel.Infrastructure.Identity;

namespace MPanel.Web.Features.Tokens;

public static class TokensApi
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Anonymous by design: these endpoints take credentials (rate-limited per address, lockout per account).</summary>
    public static void MapTokensApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/auth").WithTags("Auth").AllowAnonymous();
        group.MapPost("/token", async (TokenService tokens, TokenRequest body, CancellationToken ct) => TypedResults.Ok(await tokens.IssueAsync(body, ct)));
        group.MapPost("/refresh", async (TokenService tokens, RefreshRequest body, CancellationToken ct) => TypedResults.Ok(await tokens.RefreshAsync(body, ct)));
        group.MapPost("/logout", async (TokenService tokens, RefreshRequest body, CancellationToken ct) =>
        {
            await tokens.RevokeAsync(body, ct);
            return TypedResults.NoContent();
        });

        var pats = api.MapGroup("/account/tokens").WithTags("Personal access tokens").RequireAuthorization(MPanel.Domain.Security.Permissions.Profile.Manage);
        pats.MapGet("/", async (PersonalAccessTokensService service, CancellationToken ct) => TypedResults.Ok(await service.ListMineAsync(ct)));
        pats.MapPost("/", async (PersonalAccessTokensService service, CreatePersonalAccessTokenRequest body, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(body, ct);
            return TypedResults.Created($"/api/account/tokens/{created.Token.Id}", created);
        });
        pats.MapDelete("/{id:guid}", async (PersonalAccessTokensService service, Guid id, CancellationToken ct) =>
        {
            await service.RevokeAsync(id, ct);
            return TypedResults.NoContent();
        });
    }

    /// <summary>Bearer authentication next to the cookie: requests carrying "Authorization: Bearer …" are authenticated
    /// by the JWT, everything else by the cookie. A token stops working at once when its user is disabled or changes
    /// password, role or two-factor (the security stamp in the token no longer matches).</summary>
    public static void AddMPanelBearer(this IServiceCollection services)
    {
        services.AddOptions<ApiTokenOptions>().BindConfiguration(ApiTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenSigningKey>();
        services.AddScoped<TokenService>();
        services.AddScoped<PersonalAccessTokensService>();
        services.AddAuthentication()
            .AddJwtBearer(Scheme, o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = ApiTokenOptions.Issuer,
                    ValidAudience = ApiTokenOptions.Audience,
                    NameClaimType = ClaimTypes.Name,
                    RoleClaimType = ClaimTypes.Role,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        context.Options.TokenValidationParameters.IssuerSigningKey = context.HttpContext.RequestServices.GetRequiredService<TokenSigningKey>().Get();
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = async context =>
                    {
                        var http = context.HttpContext;
                        MPanel.Web.Security.TenantResolution.Initialize(http, context.Principal!);
                        var users = http.RequestServices.GetRequiredService<UserManager<ApplicationUser>>();
                        var user = await users.GetUserAsync(context.Principal!);
                        var stampType = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<IdentityOptions>>().Value.ClaimsIdentity.SecurityStampClaimType;
                        if (user is null || user.IsDisabled || context.Principal!.FindFirstValue(stampType) != user.SecurityStamp)
                            context.Fail("The account changed since this token was issued.");
                    },
                };
            });
        services.AddAuthentication(o =>
        {
            o.DefaultScheme = "MPanel";
            o.DefaultChallengeScheme = "MPanel";
        })
        .AddScheme<AuthenticationSchemeOptions, PersonalAccessTokenHandler>(PersonalAccessTokenHandler.SchemeName, null)
        .AddPolicyScheme("MPanel", "Cookie, JWT or personal access token", o => o.ForwardDefaultSelector = http =>
        {
            var authorization = http.Request.Headers.Authorization.ToString();
            if (authorization.StartsWith("Bearer " + PersonalAccessToken.SecretPrefix, StringComparison.Ordinal)) return PersonalAccessTokenHandler.SchemeName;
            return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? Scheme : IdentityConstants.ApplicationScheme;
        });
    }
}
