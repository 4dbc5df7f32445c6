using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MPanel.Domain.DnsZones;

namespace MPanel.Infrastructure.Dns;

public sealed class PowerDnsOptions
{
    public const string Section = "PowerDns";

    [Required(ErrorMessage = "PowerDns:ApiUrl is required (e.g. http://127.0.0.1:8081).")]
    public string ApiUrl { get; set; } = "http://127.0.0.1:58081";
    /// <summary>Set via PowerDns__ApiKey in production.</summary>
    public string ApiKey { get; set; } = "";
    public string ServerId { get; set; } = "localhost";
    /// <summary>The NS records of every new zone (host names, no trailing dot needed).</summary>
    [MinLength(1, ErrorMessage = "PowerDns:Nameservers needs at least one host name.")]
    /// <summary>Empty here on purpose: the configuration binder appends an array's configured items to its initial ones, so
    /// a default list would double every configured nameserver (and duplicate NS records). See <see cref="DefaultNameservers"/>.</summary>
    public string[] Nameservers { get; set; } = [];

    public static readonly string[] DefaultNameservers = ["ns1.mpanel.test", "ns2.mpanel.test"];
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 10;
}

// ---- PowerDNS API wire format (https://doc.powerdns.com/authoritative/http-api/zone.html) ----

public sealed record PdnsRecord(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("disabled")] bool Disabled = false);

public sealed record PdnsRrset(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("ttl")] int? Ttl,
    [property: JsonPropertyName("changetype")] string? ChangeType,
    [property: JsonPropertyName("records")] IReadOnlyList<PdnsRecord>? Records);

public sealed record PdnsZone(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("serial")] long Serial,
    [property: JsonPropertyName("soa_edit_api")] string? SoaEditApi,
    [property: JsonPropertyName("rrsets")] IReadOnlyList<PdnsRrset>? Rrsets);

/// <summary>Raised for answers other than the expected ones; <see cref="Status"/> is the HTTP status (0: no answer).</summary>
public sealed class PowerDnsException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>Typed client for PowerDNS Authoritative's HTTP API. MPanel never writes PowerDNS's tables. Zones are created
/// Native with <c>soa_edit_api=DEFAULT</c>, so PowerDNS raises the SOA serial (YYYYMMDDnn) on every API change.</summary>
public sealed class PowerDnsClient(HttpClient http, IOptions<PowerDnsOptions> options) : IDnsProvider
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private string ZonesPath => $"api/v1/servers/{Uri.EscapeDataString(options.Value.ServerId)}/zones";
    private string ZonePath(string zone) => $"{ZonesPath}/{Uri.EscapeDataString(Canonical(zone))}";

    public static string Canonical(string name) => name.EndsWith('.') ? name : name + ".";

    /// <summary>POST zones: 201 created → true; 409 already exists → false.</summary>
    public async Task<bool> CreateZoneAsync(string zone, IReadOnlyList<string> nameservers, CancellationToken ct)
    {
        var body = new
        {
            name = Canonical(zone), kind = "Native", soa_edit_api = "DEFAULT",
            nameservers = nameservers.Select(Canonical).ToArray(),
        };
        using var response = await SendAsync(HttpMethod.Post, ZonesPath, body, ct);
        if (response.StatusCode == HttpStatusCode.Created) return true;
        if (response.StatusCode == HttpStatusCode.Conflict) return false;
        throw await FailureAsync(response, "create zone", ct);
    }

    public async Task<PdnsZone?> GetPdnsZoneAsync(string zone, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, ZonePath(zone), null, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity) return null;
        if (!response.IsSuccessStatusCode) throw await FailureAsync(response, "get zone", ct);
        return await response.Content.ReadFromJsonAsync<PdnsZone>(Json, ct);
    }

    public async Task<IReadOnlyList<PdnsZone>> ListZonesAsync(CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, ZonesPath, null, ct);
        if (!response.IsSuccessStatusCode) throw await FailureAsync(response, "list zones", ct);
        return await response.Content.ReadFromJsonAsync<List<PdnsZone>>(Json, ct) ?? [];
    }

    /// <summary>PATCH rrsets (REPLACE/DELETE) in one transaction: 204. A 422 becomes <see cref="DnsServerRejectedError"/>.</summary>
    public async Task PatchRrsetsAsync(string zone, IReadOnlyList<PdnsRrset> rrsets, CancellationToken ct)
    {
        if (rrsets.Count == 0) return;
        using var response = await SendAsync(HttpMethod.Patch, ZonePath(zone), new { rrsets }, ct);
        if (response.StatusCode == HttpStatusCode.NoContent || response.IsSuccessStatusCode) return;
        if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
            throw new DnsServerRejectedError(await ErrorTextAsync(response, ct)).ToException();
        throw await FailureAsync(response, "update records", ct);
    }

    /// <summary>DELETE zone: 204 → true; 404 → false.</summary>
    public async Task<bool> DeleteZoneAsync(string zone, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Delete, ZonePath(zone), null, ct);
        if (response.IsSuccessStatusCode) return true;
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity) return false;
        throw await FailureAsync(response, "delete zone", ct);
    }

    // ---- IDnsProvider ----

    public async Task<bool> EnsureZoneAsync(string zone, IReadOnlyList<string> nameservers, CancellationToken ct) =>
        await CreateZoneAsync(zone, nameservers, ct);

    public async Task<DnsServerZone?> GetZoneAsync(string zone, CancellationToken ct)
    {
        var z = await GetPdnsZoneAsync(zone, ct);
        if (z is null) return null;
        var rrsets = (z.Rrsets ?? []).Select(r => new DnsRrset(r.Name, r.Type, r.Ttl ?? 0,
            (r.Records ?? []).Where(x => !x.Disabled).Select(x => x.Content).ToList())).ToList();
        return new DnsServerZone(z.Name.TrimEnd('.'), z.Serial, rrsets);
    }

    public Task ApplyAsync(string zone, IReadOnlyList<DnsRrset> replace, IReadOnlyList<(string Name, string Type)> delete, CancellationToken ct)
    {
        var changes = replace.Select(r => new PdnsRrset(Canonical(r.Name), r.Type, r.Ttl, "REPLACE", r.Contents.Select(c => new PdnsRecord(c)).ToList()))
            .Concat(delete.Select(d => new PdnsRrset(Canonical(d.Name), d.Type, null, "DELETE", null)))
            .ToList();
        return PatchRrsetsAsync(zone, changes, ct);
    }

    // ---- plumbing ----

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", options.Value.ApiKey);
        if (body is not null) request.Content = JsonContent.Create(body, options: Json);
        try
        {
            return await http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new DnsServerUnavailableError(ex.Message).ToException();
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new DnsServerUnavailableError("timed out: " + ex.Message).ToException();
        }
    }

    private static async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.TryGetProperty("error", out var error)) return error.GetString() ?? text;
        }
        catch (JsonException) { }
        return text.Length > 300 ? text[..300] : text;
    }

    private static async Task<Exception> FailureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var detail = await ErrorTextAsync(response, ct);
        if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            return new DnsServerUnavailableError($"{what}: HTTP {(int)response.StatusCode} {detail}").ToException();
        return new PowerDnsException(response.StatusCode, $"PowerDNS {what} answered HTTP {(int)response.StatusCode}: {detail}");
    }
}

public static class PowerDnsRegistration
{
    public static IServiceCollection AddPowerDns(this IServiceCollection services)
    {
        services.AddOptions<PowerDnsOptions>().BindConfiguration(PowerDnsOptions.Section)
            .PostConfigure(o => o.Nameservers = o.Nameservers.Length == 0
                ? PowerDnsOptions.DefaultNameservers
                : o.Nameservers.Select(n => n.Trim().TrimEnd('.').ToLowerInvariant()).Distinct().ToArray())
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient<PowerDnsClient>((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<PowerDnsOptions>>().Value;
            http.BaseAddress = new Uri(o.ApiUrl.TrimEnd('/') + "/");
            http.Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds);
        });
        services.AddTransient<IDnsProvider>(sp => sp.GetRequiredService<PowerDnsClient>());
        return services;
    }
}
