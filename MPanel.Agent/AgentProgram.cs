using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using MPanel.Domain.Agent;

namespace MPanel.Agent;

/// <summary>MPanel's host agent: runs as root on a web server and performs typed, named actions for MPanel, each request
/// signed with the shared secret. Listens on <c>Agent:Listen</c> (default http://127.0.0.1:58090).</summary>
public static class AgentProgram
{
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddJsonFile("/etc/mpanel-agent/agent.json", optional: true);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseUrls(builder.Configuration["Agent:Listen"] ?? "http://127.0.0.1:58090");
        Configure(builder);
        var app = builder.Build();
        Map(app);
        await app.RunAsync();
    }

    /// <summary>Services of the agent; tests call this on their own builder (with a test server and temporary folders).</summary>
    public static void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.Section))
            .Validate(o => { o.Validate(); return true; }).ValidateOnStart();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<NonceCache>();
        builder.Services.AddSingleton(sp => new AgentState(sp.GetRequiredService<IOptions<AgentOptions>>().Value));
        builder.Services.AddSingleton<ProcessRunner>();
        builder.Services.AddSingleton<SystemUsers>();
        builder.Services.AddSingleton<Nginx>();
        builder.Services.AddSingleton<PhpFpm>();
        builder.Services.AddSingleton<SiteManager>();
        builder.Services.AddSingleton<HostMetricsReader>();
    }

    public static void Map(WebApplication app)
    {
        app.Services.GetRequiredService<SiteManager>().PrepareHost();
        app.UseExceptionHandler(errors => errors.Run(async context =>
        {
            var ex = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, body) = ex switch
            {
                AgentException a => (a.Status, new AgentError(a.Code, a.Message, a.Field)),
                BadHttpRequestException => (400, new AgentError("invalid", "The request body is not valid JSON for this action.")),
                _ => (500, new AgentError("host_failure", "The agent failed unexpectedly; see its log.")),
            };
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(body);
        }));
        app.UseMiddleware<HmacAuthenticationMiddleware>();
        // Expected refusals are answers, not errors: written here so the exception handler above only sees real failures.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (AgentException a) when (!context.Response.HasStarted)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MPanel.Agent.Actions")
                    .LogInformation("{Path} refused: {Code} {Message}", context.Request.Path, a.Code, a.Message);
                context.Response.StatusCode = a.Status;
                await context.Response.WriteAsJsonAsync(new AgentError(a.Code, a.Message, a.Field));
            }
        });

        app.MapGet("/health", () => Results.Text("ok"));
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/" + AgentActions.EnsureAccount, (EnsureAccountRequest r, SiteManager m, CancellationToken ct) => m.EnsureAccountAsync(r, ct));
        v1.MapPost("/" + AgentActions.DeleteAccount, async (AccountRequest r, SiteManager m, CancellationToken ct) =>
            await m.DeleteAccountAsync(r, ct) is { } deleted ? Results.Ok(deleted) : Results.NoContent());
        v1.MapPost("/" + AgentActions.DiskUsage, (AccountRequest r, SiteManager m, CancellationToken ct) => m.DiskUsageAsync(r, ct));
        v1.MapPost("/" + AgentActions.EnsureSite, (EnsureSiteRequest r, SiteManager m, CancellationToken ct) => m.EnsureSiteAsync(r, ct));
        v1.MapPost("/" + AgentActions.PutDefaultPage, (SiteRequest r, SiteManager m, CancellationToken ct) => m.PutDefaultPageAsync(r, ct));
        v1.MapPost("/" + AgentActions.SuspendSite, (SiteRequest r, SiteManager m, CancellationToken ct) => m.SuspendAsync(r, ct));
        v1.MapPost("/" + AgentActions.UnsuspendSite, (SiteRequest r, SiteManager m, CancellationToken ct) => m.UnsuspendAsync(r, ct));
        v1.MapPost("/" + AgentActions.DeleteSite, async (SiteRequest r, SiteManager m, CancellationToken ct) =>
            await m.DeleteSiteAsync(r, ct) is { } deleted ? Results.Ok(deleted) : Results.NoContent());
        v1.MapPost("/" + AgentActions.GetSite, (SiteRequest r, SiteManager m, CancellationToken ct) => m.GetSiteAsync(r, ct));
        v1.MapPost("/" + AgentActions.PutAcmeChallenge, (AcmeChallengeRequest r, SiteManager m, CancellationToken ct) => m.PutChallengeAsync(r, ct));
        v1.MapPost("/" + AgentActions.DeleteAcmeChallenge, (AcmeChallengeRequest r, SiteManager m, CancellationToken ct) => m.DeleteChallengeAsync(r, ct));
        v1.MapPost("/" + AgentActions.InstallCertificate, (InstallCertificateRequest r, SiteManager m, CancellationToken ct) => m.InstallCertificateAsync(r, ct));
        v1.MapPost("/" + AgentActions.Metrics, (HostMetricsReader metrics, CancellationToken ct) => metrics.ReadAsync(ct));
    }
}
