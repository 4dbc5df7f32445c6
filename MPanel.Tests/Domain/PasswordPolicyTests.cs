using Microsoft.AspNetCore.Identity;
using MPanel.Infrastructure.Identity;

namespace MPanel.Tests.Domain;

public sealed class PasswordPolicyTests
{
    private static async Task<IdentityResult> Validate(string password, string email = "someone@example.org") =>
        await new PasswordPolicyValidator().ValidateAsync(null!, new ApplicationUser { Email = email }, password);

    [Theory]
    [InlineData("tiny words!")]                          // 11 characters
    [InlineData("password1234")]                         // on the common list
    [InlineData("QWERTY123456")]                         // common, case-insensitively
    [InlineData("correcthorsebatterystaple")]
    public async Task Rejects_ShortOrCommon(string password) => Assert.False((await Validate(password)).Succeeded);

    [Theory]
    [InlineData("lowercase words only")]                 // no composition rules
    [InlineData("orange bicycle under moonlight")]
    [InlineData("日本語のパスワードです長い")]               // 12+ characters of any script
    public async Task Accepts_LongUncommonPassphrases(string password) => Assert.True((await Validate(password)).Succeeded);

    [Fact]
    public async Task Rejects_MoreThan128Characters() => Assert.False((await Validate(new string('k', 129))).Succeeded);

    [Fact]
    public async Task Rejects_PasswordContainingTheEmailName() =>
        Assert.Contains((await Validate("my name is jonathan ok", "jonathan@example.org")).Errors, e => e.Code == "PasswordContainsUserName");

    [Fact]
    public void CommonList_IsShippedInTheAssembly() => Assert.True(PasswordPolicyValidator.IsCommon("iloveyou1234"));
}
