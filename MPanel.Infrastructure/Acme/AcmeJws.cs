using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MPanel.Infrastructure.Acme;

/// <summary>JSON Web Signatures as ACME uses them (RFC 8555 §6.2): flattened JSON serialization, ES256 with a P-256
/// account key, the public key (<c>jwk</c>) until the account exists and its URL (<c>kid</c>) afterwards.</summary>
public static class AcmeJws
{
    /// <summary>The public JWK of an EC P-256 key, members in lexicographic order (which RFC 7638 needs anyway).</summary>
    public static JsonObject Jwk(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        if (key.KeySize != 256 || p.Q.X is not { Length: 32 } || p.Q.Y is not { Length: 32 })
            throw new ArgumentException("ACME account keys must be EC P-256 (ES256).", nameof(key));
        return new JsonObject
        {
            ["crv"] = "P-256",
            ["kty"] = "EC",
            ["x"] = Base64Url.Encode(p.Q.X),
            ["y"] = Base64Url.Encode(p.Q.Y),
        };
    }

    /// <summary>RFC 7638 JWK thumbprint: SHA-256 over the required members only, sorted, without whitespace.</summary>
    public static string Thumbprint(JsonObject jwk)
    {
        string[] members = (string?)jwk["kty"] switch
        {
            "EC" => ["crv", "kty", "x", "y"],
            "RSA" => ["e", "kty", "n"],
            "oct" => ["k", "kty"],
            var kty => throw new ArgumentException($"Unsupported JWK key type '{kty}'.", nameof(jwk)),
        };
        var canonical = new StringBuilder("{");
        foreach (var m in members)
        {
            if (canonical.Length > 1) canonical.Append(',');
            canonical.Append(JsonSerializer.Serialize(m)).Append(':')
                .Append(JsonSerializer.Serialize((string?)jwk[m] ?? throw new ArgumentException($"JWK lacks '{m}'.", nameof(jwk))));
        }
        canonical.Append('}');
        return Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }

    public static string Thumbprint(ECDsa key) => Thumbprint(Jwk(key));

    /// <summary>RFC 8555 §8.1: <c>token || '.' || base64url(Thumbprint(accountKey))</c>.</summary>
    public static string KeyAuthorization(string token, ECDsa accountKey) => $"{token}.{Thumbprint(accountKey)}";

    /// <summary>RFC 8555 §8.4: the TXT value at <c>_acme-challenge.&lt;domain&gt;</c> is base64url(SHA-256(key authorization)).</summary>
    public static string DnsTxtValue(string keyAuthorization) =>
        Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));

    /// <summary>A signed request body. <paramref name="payload"/> null means POST-as-GET (empty payload, §6.3).</summary>
    public static string Sign(ECDsa key, string? kid, string? nonce, string url, JsonNode? payload)
    {
        var header = new JsonObject { ["alg"] = "ES256" };
        if (kid is null) header["jwk"] = Jwk(key);
        else header["kid"] = kid;
        if (nonce is not null) header["nonce"] = nonce;
        header["url"] = url;
        return SignWithHeader(key, header, payload is null ? "" : Base64Url.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString())));
    }

    /// <summary>An inner JWS without a nonce (key change, §7.3.5): same shape, header given by the caller.</summary>
    internal static string SignWithHeader(ECDsa key, JsonObject header, string encodedPayload)
    {
        var encodedHeader = Base64Url.Encode(Encoding.UTF8.GetBytes(header.ToJsonString()));
        // .NET signs ECDSA in IEEE P1363 form (r || s, 64 bytes for P-256), which is exactly what JWS wants (RFC 7518 §3.4).
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{encodedHeader}.{encodedPayload}"), HashAlgorithmName.SHA256);
        return new JsonObject
        {
            ["protected"] = encodedHeader,
            ["payload"] = encodedPayload,
            ["signature"] = Base64Url.Encode(signature),
        }.ToJsonString();
    }
}
