using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MPanel.Domain.Certificates;

namespace MPanel.Infrastructure.Acme;

/// <summary>dns-01 TXT records through the PowerDNS HTTP API: finds the zone holding <c>_acme-challenge.&lt;domain&gt;</c>
/// (the longest existing suffix) and REPLACEs or DELETEs that one rrset in a PATCH. Deliberately minimal: the DNS
/// feature's typed client can take its place behind <see cref="IDnsChallengePublisher"/>.</summary>
public sealed class PowerDnsChallengePublisher : IDnsChallengePublisher, IDisposable
{
    private readonly HttpClient _http;
    private readonly string _server;

    public PowerDnsChallengePublisher(IOptions<AcmeOptions> options)
    {
        var o = options.Value;
        _http = new HttpClient { BaseAddress = new Uri(o.PowerDnsApiUrl.TrimEnd('/') + "/api/v1/"), Timeout = TimeSpan.FromSeconds(15) };
        _http.DefaultRequestHeaders.Add("X-API-Key", o.PowerDnsApiKey ?? "");
        _server = Uri.EscapeDataString(o.PowerDnsServerId);
    }

    public async Task PublishTxtAsync(string domain, IReadOnlyCollection<string> values, CancellationToken ct)
    {
        var name = RecordName(domain);
        var records = new JsonArray(values.Select(v => (JsonNode)new JsonObject { ["content"] = $"\"{v}\"", ["disabled"] = false }).ToArray());
        await PatchAsync(name, new JsonObject { ["name"] = name, ["type"] = "TXT", ["ttl"] = 60, ["changetype"] = "REPLACE", ["records"] = records }, ct);
    }

    public Task RemoveTxtAsync(string domain, CancellationToken ct)
    {
        var name = RecordName(domain);
        return PatchAsync(name, new JsonObject { ["name"] = name, ["type"] = "TXT", ["changetype"] = "DELETE" }, ct);
    }

    private static string RecordName(string domain) => $"_acme-challenge.{domain.TrimStart('*', '.').TrimEnd('.').ToLowerInvariant()}.";

    private async Task PatchAsync(string name, JsonObject rrset, CancellationToken ct)
    {
        var zone = await FindZoneAsync(name, ct);
        using var response = await _http.PatchAsJsonAsync($"servers/{_server}/zones/{Uri.EscapeDataString(zone)}",
            new JsonObject { ["rrsets"] = new JsonArray(rrset) }, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PowerDNS refused the TXT change for {name} ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(ct)}");
    }

    private async Task<string> FindZoneAsync(string name, CancellationToken ct)
    {
        var labels = name.TrimEnd('.').Split('.');
        for (var i = 1; i < labels.Length - 1; i++)
        {
            var candidate = string.Join('.', labels[i..]) + ".";
            using var response = await _http.GetAsync($"servers/{_server}/zones?zone={Uri.EscapeDataString(candidate)}", ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new InvalidOperationException("PowerDNS refused the API key (Acme:PowerDnsApiKey).");
            response.EnsureSuccessStatusCode();
            if (await response.Content.ReadFromJsonAsync<JsonArray>(ct) is { Count: > 0 }) return candidate;
        }
        throw new InvalidOperationException($"No PowerDNS zone holds {name}: create the domain's zone first.");
    }

    public void Dispose() => _http.Dispose();
}
