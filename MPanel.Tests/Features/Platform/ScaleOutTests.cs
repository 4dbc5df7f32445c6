using System.Net;
using MPanel.Domain.Security;
using MPanel.Tests.Support;

namespace MPanel.Tests.Features.Platform;

/// <summary>Two MPanel instances on one database, as behind a load balancer.</summary>
public sealed class ScaleOutTests(MPanelFactory first) : IClassFixture<MPanelFactory>
{
    [Fact]
    public async Task ACookieIssuedByOneInstance_IsAcceptedByAnother_BecauseDataProtectionKeysAreShared()
    {
        var platform = await first.PlatformAsync();
        await first.CreateUserAsync(platform.Id, "roaming@scale.test", Roles.Support);
        var jar = new CookieContainer();
        var onFirst = first.CreateDefaultClient(new CookieJar(jar));
        Assert.Equal(HttpStatusCode.Redirect, (await onFirst.SignInAsync("roaming@scale.test", MPanelFactory.Password)).StatusCode);

        await using var second = new MPanelFactory().OnDatabaseOf(first);
        await second.InitializeAsync();
        var onSecond = second.CreateDefaultClient(new CookieJar(jar));
        Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/api/customers")).StatusCode);

        // Without the cookie the second instance knows nobody: the first assertion is about the shared keys.
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.CreateDefaultClient().GetAsync("/api/customers")).StatusCode);
    }
}
