using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using MPanel.Domain.Security;

namespace MPanel.Web.Security;

/// <summary>"The user holds a role that grants this permission" (roles map to permissions in the domain catalogue).</summary>
public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

public sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.Has(requirement.Permission)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

public static class PermissionPrincipalExtensions
{
    public static IEnumerable<string> Roles(this ClaimsPrincipal user) =>
        user.FindAll(ClaimTypes.Role).Select(c => c.Value);

    /// <summary>The user's roles grant the permission — and, for a request made with a personal access token, the
    /// token's scopes include it.</summary>
    public static bool Has(this ClaimsPrincipal user, string permission) =>
        user.Identity?.IsAuthenticated == true && Permissions.AnyRoleHas(user.Roles(), permission)
        && (!user.HasClaim(c => c.Type == "scope") || user.HasClaim("scope", permission));

    /// <summary>The highest role of the user (roles are listed from most to least powerful).</summary>
    public static string? PrimaryRole(this ClaimsPrincipal user)
    {
        var held = user.Roles().ToHashSet();
        return Domain.Security.Roles.All.FirstOrDefault(held.Contains);
    }
}

public static class AuthorizationSetup
{
    /// <summary>Signed in, second factor or not: the two-factor enrolment page, which must stay reachable.</summary>
    public const string SignedInOnly = "signed-in";

    /// <summary>One policy per permission, named after it, so pages and endpoints use the same constants.</summary>
    public static IServiceCollection AddMPanelAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<IAuthorizationHandler, TwoFactorHandler>();
        services.AddAuthorization(options =>
        {
            // Defence in depth: an endpoint that forgot its policy still needs a signed-in user (a test lists them all).
            options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            // [Authorize] without a permission still means "signed in, and past the second factor where it is required";
            // only enrolment itself asks for less.
            options.DefaultPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new TwoFactorRequirement()).Build();
            options.AddPolicy(SignedInOnly, p => p.RequireAuthenticatedUser());
            foreach (var permission in Permissions.All)
                options.AddPolicy(permission, p => p.RequireAuthenticatedUser()
                    .AddRequirements(new PermissionRequirement(permission), new TwoFactorRequirement()));
        });
        return services;
    }
}
