using Microsoft.Extensions.Options;
using MPanel.Web;

namespace MPanel.Tests.Features.Platform;

public sealed class StartupValidationTests
{
    [Fact]
    public async Task MissingConnectionString_StopsStartWithAMessageNamingTheSetting()
    {
        await using var app = MPanelApp.Build(["--applicationName=MPanel.Web", "--shutdownTimeoutSeconds=1", "--ConnectionStrings:Default=", "--urls=http://127.0.0.1:0", "--Jobs:RunServer=false"]);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("ConnectionStrings:Default is required", ex.Message);
    }

    [Fact]
    public async Task OutOfRangeSetting_StopsStart()
    {
        await using var app = MPanelApp.Build(["--applicationName=MPanel.Web", "--shutdownTimeoutSeconds=1", "--ConnectionStrings:Default=Host=127.0.0.1;Database=none", "--Audit:RetentionDays=3", "--urls=http://127.0.0.1:0", "--Jobs:RunServer=false"]);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("RetentionDays", ex.Message);
    }
}
