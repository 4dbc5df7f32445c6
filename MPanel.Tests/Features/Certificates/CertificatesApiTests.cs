using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MPanel.Domain.Certificates;
using MPanel.Domain.Security;
using MPanel.Tests.Support;
using MPanel.Web.Common;
using MPanel.Web.Features.Certificates;
using Npgsql;

namespace MPanel.Tests.Features.Certificates;

public sealed class CertificatesApiTests(CertificatesFactory factory) : IClassFixture<CertificatesFactory>
{
    private async Task<HttpClient> AdminAsync(string name)
    {
        var platform = await factory.PlatformAsync();
        var email = $"{name}@platform.test";
        await factory.CreateUserAsync(platform.Id, email, Roles.Admin);
        return await factory.SignedInAsync(email);
    }

    [Fact]
    public async Task Upload_ValidChain_IsListedDownloadableAndDeletable()
    {
        var client = await AdminAsync("uploader");
        var (leaf, key) = TestCa.Shared.Issue(["upload.example.test", "www.upload.example.test"]);
        var response = await client.PostJsonAsync("/api/certificates/upload", new UploadCertificateRequest(TestCa.Shared.Chain(leaf), key, ["www.upload.example.test"]));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync<CertificateView>();
        Assert.Equal((CertificateStatus.Issued, CertificateSource.Uploaded), (created.Status, created.Source));

        var list = await (await client.GetAsync("/api/certificates?search=upload.example")).ReadAsync<Paged<CertificateRow>>();
        Assert.Contains(list.Items, c => c.Id == created.Id);

        var chain = await client.GetAsync($"/api/certificates/{created.Id}/chain");
        Assert.Equal("application/pem-certificate-chain", chain.Content.Headers.ContentType?.MediaType);
        var pem = await chain.Content.ReadAsStringAsync();
        Assert.Contains(leaf.ExportCertificatePem().Trim(), pem);
        Assert.DoesNotContain("PRIVATE KEY", pem);

        var renew = await client.PostAsync($"/api/certificates/{created.Id}/renew", null);
        Assert.Equal(HttpStatusCode.Conflict, renew.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/certificates/{created.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/certificates/{created.Id}")).StatusCode);
    }

    [Fact]
    public async Task Upload_MismatchedKeyAndIncompleteChain_AnswersProblemDetailsWithEachField()
    {
        var client = await AdminAsync("badupload");
        var (leaf, _) = TestCa.Shared.Issue(["bad.example.test"]);
        var (_, otherKey) = TestCa.Shared.Issue(["other.example.test"]);
        var response = await client.PostJsonAsync("/api/certificates/upload", new UploadCertificateRequest(TestCa.Shared.Chain(leaf, withIntermediate: false), otherKey));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"privateKey\"", body);
        Assert.Contains("does not belong", body);
        Assert.Contains("\"chain\"", body);
        Assert.Contains("incomplete", body);
    }

    [Fact]
    public async Task Upload_Expired_AnswersACertificateFieldError()
    {
        var client = await AdminAsync("expired");
        var (leaf, key) = TestCa.Shared.Issue(["old.example.test"], DateTimeOffset.UtcNow.AddDays(-200), DateTimeOffset.UtcNow.AddDays(-1));
        var response = await client.PostJsonAsync("/api/certificates/upload", new UploadCertificateRequest(TestCa.Shared.Chain(leaf), key));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Request_WildcardOverHttp01_IsAFieldError_AndUnknownIdIs404()
    {
        var client = await AdminAsync("requester");
        var response = await client.PostJsonAsync("/api/certificates", new RequestCertificateRequest(["*.example.test"], ChallengeType.Http01));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"challenge\"", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/certificates/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task PrivateKeys_AreNotPlaintextInTheDatabase()
    {
        var client = await AdminAsync("keys");
        var (leaf, key) = TestCa.Shared.Issue(["keys.example.test"]);
        var created = await (await client.PostJsonAsync("/api/certificates/upload", new UploadCertificateRequest(TestCa.Shared.Chain(leaf), key))).ReadAsync<CertificateView>();
        var keyBody = key.Split('\n')[1].Trim(); // a line of the key's base64

        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT protected_private_key FROM certificates WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", created.Id);
        var stored = (string)(await command.ExecuteScalarAsync())!;
        Assert.DoesNotContain("PRIVATE KEY", stored);
        Assert.DoesNotContain(keyBody, stored);
        Assert.DoesNotContain(Convert.ToBase64String(Convert.FromBase64String(keyBody)[..12]), stored);

        // and it decrypts, for this tenant only
        var protector = factory.Services.GetRequiredService<CertificateKeyProtector>();
        var platform = await factory.PlatformAsync();
        Assert.Equal(key.Trim(), protector.UnprotectPrivateKey(platform.Id, stored).Trim());
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.UnprotectPrivateKey(Guid.NewGuid(), stored));
    }

    [Fact]
    public async Task Endpoints_NeedTheServicesPermissions()
    {
        var platform = await factory.PlatformAsync();
        await factory.CreateUserAsync(platform.Id, "billing-only@platform.test", Roles.BillingManager);
        var client = await factory.SignedInAsync("billing-only@platform.test");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostJsonAsync("/api/certificates", new RequestCertificateRequest(["x.example.test"]))).StatusCode);
    }
}
