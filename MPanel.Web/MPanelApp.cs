using Hangfire;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MPanel.Domain.Security;
using MPanel.Infrastructure;
using MPanel.Infrastructure.Identity;
using MPanel.Infrastructure.Jobs;
using MPanel.Infrastructure.Seeding;
using MPanel.Web.Components;
using MPanel.Web.Errors;
using MPanel.Web.Features;
using MPanel.Web.Features.MarketingApi;
using MPanel.Web.Features.Platform;
using MPanel.Web.Features.Tokens;
using MPanel.Web.Security;
using MudBlazor.Services;
using OpenTelemetry.Metrics;

namespace MPanel.Web;

/// <summary>The composition root: services, the HTTP pipeline, start-up tasks. Nothing else lives here.</summary>
public static class MPanelApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var services = builder.Services;

        // The first hosted service: migrations and the platform tenant exist before Data Protection loads its key
        // ring, before Hangfire's server starts, and before the web server takes a request.
        services.AddHostedService<StartupTasks>();
        services.AddMPanelInfrastructure(builder.Configuration);
        MPanel.Infrastructure.Payments.PaymentsRegistration.AddMPanelPayments(services, builder.Configuration);
        services.AddHttpContextAccessor();

        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.AddMPanelBearer(); // after Identity's cookies: makes "cookie or bearer" the default scheme
        services.AddMPanelIdentityCore().AddSignInManager();
        // How often a signed-in cookie is re-checked against the user's security stamp (disable, role or password change).
        services.Configure<SecurityStampValidatorOptions>(o =>
        {
            o.ValidationInterval = TimeSpan.FromSeconds(builder.Configuration.GetValue("Identity:StampValidationSeconds", 60));
            // A verified stamp re-reads the user's claims: keep what the sign-in itself established (session, second factor).
            o.OnRefreshingPrincipal = SessionTracking.CarryOverSignInClaims;
        });
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "mpanel.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Cookie.SecurePolicy: SameAsRequest, or Always with Security:RequireHttpsCookies (CookiePolicies).
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
            // ExpireTimeSpan: the longer idle limit, staff's or clients' (CookiePolicies); SessionLifetime does the rest.
            o.SlidingExpiration = true;
            // Tenant resolution, then the staff/client idle and absolute limits, then the security stamp.
            o.Events.OnSigningIn = SessionLifetime.OnSigningIn;
            o.Events.OnValidatePrincipal = SessionLifetime.ValidatePrincipalAsync;
            o.Events.OnRedirectToLogin = context => RedirectOrStatus(context.HttpContext, context.RedirectUri, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context =>
                TwoFactorGate.MustEnrol(context.HttpContext.User, context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<TwoFactorOptions>>().CurrentValue)
                    ? RedirectOrStatus(context.HttpContext, TwoFactorGate.EnrolmentPath, StatusCodes.Status403Forbidden)
                    : RedirectOrStatus(context.HttpContext, context.RedirectUri, StatusCodes.Status403Forbidden);
        });
        services.AddMPanelAuthorization();
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365); // ASVS asks for at least a year
            o.IncludeSubDomains = true;
        });
        services.AddOptions<SecurityOptions>().Bind(builder.Configuration.GetSection(SecurityOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddCookiePolicies();
        services.AddMPanelRateLimits();
        services.AddOptions<TwoFactorOptions>().Bind(builder.Configuration.GetSection(TwoFactorOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthStateProvider>();
        services.AddScoped<CircuitHandler, TenantCircuitHandler>();
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.VisibleStateDuration = 4000;
        });

        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            c.ProblemDetails.Extensions["requestId"] = c.HttpContext.TraceIdentifier);
        services.AddExceptionHandler<DomainExceptionHandler>();

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter("MPanel")
            .AddPrometheusExporter());

        services.Configure<ForwardedHeadersOptions>(o =>
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);

        services.AddFeatureServices();

        var app = builder.Build();
        Configure(app);
        return app;
    }

    private static Task RedirectOrStatus(HttpContext http, string redirectUri, int status)
    {
        if (IsApi(http.Request.Path))
        {
            http.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        http.Response.Redirect(redirectUri);
        return Task.CompletedTask;
    }

    private static bool IsApi(PathString path) => path.StartsWithSegments("/api");

    private static void Configure(WebApplication app)
    {
        app.UseSecurityHeaders(); // first, so that every response carries them, errors and 429s included
        app.UseForwardedHeaders();
        // API errors become problem details (DomainExceptionHandler); pages get a friendly error with a request id.
        // No stack trace leaves the server in any environment.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseWhen(c => IsApi(c.Request.Path), api => api.UseStatusCodePages());
        app.UseWhen(c => !IsApi(c.Request.Path), pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));

        app.UseRouting(); // after the error pages, so re-executed requests are routed again
        app.UseMPanelRateLimits(); // sign-in, forgot- and reset-password POSTs, by client IP and by account

        app.UseAuthentication();
        app.UseTenantResolution();
        app.UseMarketingApi(); // the marketing API's per-key limits, body size and activity log (before authorization: refusals are logged too)
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        // The framework would append its own CSP, "frame-ancestors 'self'", to component responses (its guard for
        // compressed WebSockets); SecurityHeaders sends frame-ancestors 'none' on every response instead.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        app.MapFeatureApis();
        app.MapHealthAndMetrics();
        app.MapHangfireDashboardWithAuthorizationPolicy(Permissions.Jobs.Manage, "/hangfire", new DashboardOptions
        {
            DashboardTitle = "MPanel jobs",
            AppPath = "/",
            Authorization = [],
            AsyncAuthorization = [],
        });
    }
}
