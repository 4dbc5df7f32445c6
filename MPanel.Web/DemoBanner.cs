using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using MPanel.Infrastructure.Seeding;

namespace MPanel.Web;

internal static class DemoBanner
{
    public static void Print(IServiceProvider services, IReadOnlyList<DemoLogin> logins)
    {
        var url = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5080";
        var lines = new List<string>
        {
            "",
            "  MPanel is running",
            $"  Open {url}",
            "",
            $"  {"Role",-15} {"Tenant",-18} {"Email",-30} Password",
        };
        lines.AddRange(logins.Select(l => $"  {l.Role,-15} {l.Tenant,-18} {l.Email,-30} {l.Password}"));
        lines.Add("");
        lines.Add($"  Hangfire dashboard: {url}/hangfire   Health: {url}/api/health/ready   Metrics: {url}/metrics");
        lines.Add("  Two-factor sign-in is optional in this demo (production requires it for staff); set it up from the user menu.");
        lines.Add("  Press Ctrl-C to stop.");
        lines.Add("");
        Console.Out.WriteLine(string.Join(Environment.NewLine, lines));
        Console.Out.Flush();
    }
}
