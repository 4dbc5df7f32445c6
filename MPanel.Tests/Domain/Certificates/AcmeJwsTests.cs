using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MPanel.Infrastructure.Acme;

namespace MPanel.Tests.Domain.Certificates;

public sealed class AcmeJwsTests
{
    // RFC 7515 Appendix A.3: the ES256 example key.
    private const string X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    private const string Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    private const string D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";

    private static ECDsa Rfc7515Key() => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = Base64Url.Decode(X), Y = Base64Url.Decode(Y) },
        D = Base64Url.Decode(D),
    });

    [Fact]
    public void Thumbprint_Rfc7638Example_MatchesTheRfc()
    {
        // RFC 7638 §3.1
        var jwk = new JsonObject
        {
            ["kty"] = "RSA",
            ["n"] = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            ["e"] = "AQAB",
            ["alg"] = "RS256",
            ["kid"] = "2011-04-29",
        };
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", AcmeJws.Thumbprint(jwk));
    }

    [Fact]
    public void Jwk_Rfc7515Key_HasTheRfcCoordinatesAndCanonicalThumbprint()
    {
        using var key = Rfc7515Key();
        var jwk = AcmeJws.Jwk(key);
        Assert.Equal($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{X}\",\"y\":\"{Y}\"}}", jwk.ToJsonString());
        var expected = Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(jwk.ToJsonString())));
        Assert.Equal(expected, AcmeJws.Thumbprint(key));
    }

    [Fact]
    public void Rfc7515A3Signature_VerifiesWithTheP1363FormatTheClientSigns()
    {
        using var key = Rfc7515Key();
        const string header = "eyJhbGciOiJFUzI1NiJ9";
        const string payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        var signature = Base64Url.Decode("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes($"{header}.{payload}"), signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Sign_BeforeAccount_CarriesJwkNonceAndUrl_AndVerifies()
    {
        using var key = Rfc7515Key();
        var jws = JsonNode.Parse(AcmeJws.Sign(key, kid: null, "nonce-1", "https://ca.example/new-acct", new JsonObject { ["termsOfServiceAgreed"] = true }))!;
        var header = JsonNode.Parse(Base64Url.Decode((string)jws["protected"]!))!;
        Assert.Equal("ES256", (string?)header["alg"]);
        Assert.Equal(X, (string?)header["jwk"]!["x"]);
        Assert.Null(header["kid"]);
        Assert.Equal("nonce-1", (string?)header["nonce"]);
        Assert.Equal("https://ca.example/new-acct", (string?)header["url"]);
        Assert.Equal("{\"termsOfServiceAgreed\":true}", Encoding.UTF8.GetString(Base64Url.Decode((string)jws["payload"]!)));
        var signature = Base64Url.Decode((string)jws["signature"]!);
        Assert.Equal(64, signature.Length); // r || s, not DER
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes($"{jws["protected"]}.{jws["payload"]}"), signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Sign_AfterAccount_UsesKidAndPostAsGetHasEmptyPayload()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jws = JsonNode.Parse(AcmeJws.Sign(key, "https://ca.example/acct/1", "n", "https://ca.example/order/1", payload: null))!;
        var header = JsonNode.Parse(Base64Url.Decode((string)jws["protected"]!))!;
        Assert.Equal("https://ca.example/acct/1", (string?)header["kid"]);
        Assert.Null(header["jwk"]);
        Assert.Equal("", (string?)jws["payload"]);
    }

    [Fact]
    public void KeyAuthorization_AndDnsValue_FollowRfc8555()
    {
        using var key = Rfc7515Key();
        var keyAuthorization = AcmeJws.KeyAuthorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", key);
        Assert.Equal("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA." + AcmeJws.Thumbprint(key), keyAuthorization);
        var txt = AcmeJws.DnsTxtValue(keyAuthorization);
        Assert.Equal(43, txt.Length); // 32 bytes, base64url without padding
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)), Base64Url.Decode(txt));
    }

    [Fact]
    public void Jwk_RejectsNonP256Keys()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => AcmeJws.Jwk(key));
    }

    [Theory]
    [InlineData("urn:ietf:params:acme:error:badNonce", AcmeErrorKind.BadNonce)]
    [InlineData("urn:ietf:params:acme:error:rateLimited", AcmeErrorKind.RateLimited)]
    [InlineData("urn:ietf:params:acme:error:unauthorized", AcmeErrorKind.Unauthorized)]
    [InlineData("urn:ietf:params:acme:error:rejectedIdentifier", AcmeErrorKind.RejectedIdentifier)]
    [InlineData("urn:ietf:params:acme:error:somethingNew", AcmeErrorKind.Other)]
    [InlineData("about:blank", AcmeErrorKind.Other)]
    public void ProblemTypes_MapToTypedKinds(string type, AcmeErrorKind kind) => Assert.Equal(kind, AcmeProblemException.KindOf(type));

    [Theory]
    [InlineData(CertificateKeyType.EcdsaP256, "1.2.840.10045.2.1")]
    [InlineData(CertificateKeyType.Rsa2048, "1.2.840.113549.1.1.1")]
    public void Csr_CarriesEveryNameAsSanAndTheFirstAsCn(CertificateKeyType type, string keyOid)
    {
        using var key = AcmeCsr.CreateKey(type);
        var der = AcmeCsr.Create(["example.test", "www.example.test", "*.example.test"], key);
        var request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions); // verifies the signature; the extensions are what we inspect
        Assert.Equal("CN=example.test", request.SubjectName.Name);
        Assert.Equal(keyOid, request.PublicKey.Oid.Value);
        var san = new X509SubjectAlternativeNameExtension(Assert.Single(request.CertificateExtensions, e => e.Oid?.Value == "2.5.29.17").RawData);
        Assert.Equal(["example.test", "www.example.test", "*.example.test"], san.EnumerateDnsNames().ToArray());
        if (type == CertificateKeyType.Rsa2048) Assert.Equal(2048, request.PublicKey.GetRSAPublicKey()!.KeySize);
    }
}
