using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using MPanel.Domain.Security;

namespace MPanel.Web.Security;

public sealed class TwoFactorOptions
{
    public const string Section = "TwoFactor";

    /// <summary>Staff (every role but Client) must sign in with a second factor; those not enrolled are sent to
    /// enrolment and can use nothing else until they are.</summary>
    public bool RequireForStaff { get; set; } = true;

    /// <summary>The name authenticator apps show next to the code.</summary>
    [Required, StringLength(40, MinimumLength = 2)]
    public string Issuer { get; set; } = "MPanel";
}

/// <summary>Part of every permission policy: a staff user's session must have passed two-factor sign-in
/// (Identity marks it with the claim amr=mfa) when two-factor is required for staff.</summary>
public sealed class TwoFactorRequirement : IAuthorizationRequirement;

public sealed class TwoFactorHandler(IOptionsMonitor<TwoFactorOptions> options) : AuthorizationHandler<TwoFactorRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TwoFactorRequirement requirement)
    {
        if (!TwoFactorGate.MustEnrol(context.User, options.CurrentValue)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

public static class TwoFactorGate
{
    public const string EnrolmentPath = "/account/two-factor";

    public static bool PassedSecondFactor(this ClaimsPrincipal user) => user.HasClaim("amr", "mfa");

    /// <summary>True when this signed-in user has to enrol (or sign in again with their code) before doing anything:
    /// staff when the platform requires it, clients when their tenant does.</summary>
    public static bool MustEnrol(ClaimsPrincipal user, TwoFactorOptions options) =>
        user.Identity?.IsAuthenticated == true
        && !user.PassedSecondFactor()
        && (user.Roles().Any(Roles.IsStaff)
            ? options.RequireForStaff
            : user.HasClaim(MPanel.Infrastructure.Tenancy.MPanelClaims.ClientTwoFactorRequired, "true"));
}
