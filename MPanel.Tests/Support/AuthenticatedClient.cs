using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MPanel.Tests.Support;

/// <summary>Signs in through the real sign-in page (antiforgery token, form post, cookie), as a browser would.</summary>
public static partial class AuthenticatedClient
{
    public static HttpClient NewClient(this MPanelFactory factory) =>
        factory.IsKestrel
            ? new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
                { BaseAddress = new Uri(factory.RootUrl) }
            : factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public static async Task<HttpClient> SignedInAsync(this MPanelFactory factory, string email, string password = MPanelFactory.Password)
    {
        var client = factory.NewClient();
        var response = await client.SignInAsync(email, password);
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.Contains("/account/login") == true)
            throw new InvalidOperationException($"Sign-in as {email} failed: {(int)response.StatusCode} {System.Text.RegularExpressions.Regex.Match(await response.Content.ReadAsStringAsync(), "role=\"alert\">([^<]*)<").Groups[1].Value} {response.Headers.Location}");
        return client;
    }

    public static async Task<HttpResponseMessage> SignInAsync(this HttpClient client, string email, string password)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = Forms.AntiforgeryToken(page);
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>The redirect target as a local path and query, whether the server sent it absolute or relative.</summary>
    public static string? LocalLocation(this HttpResponseMessage response) =>
        response.Headers.Location is not { } location ? null
        : !location.IsAbsoluteUri ? location.OriginalString
        : location.Host == "localhost" ? location.PathAndQuery
        : location.AbsoluteUri; // an off-site redirect stays visible as such

}
