using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Kaelio.Engine.Proxies;
using Kaelio.Engine.Proxies.Tailscale;

namespace Kaelio.Engine.Probes;

/// <summary>
/// Proves a proxy carries traffic: an HTTP request through it to an IP-echo service gives the exit
/// IP (and, when the answer carries one, the location); an optional target is opened through it.
/// Never throws for a proxy that cannot carry traffic: that is the answer.
/// </summary>
public static class ProxyProbe
{
    /// <summary>Used when neither -EchoUri nor KAELIO_ECHO_URI is given: ipinfo.io answers JSON with location.</summary>
    public static readonly Uri DefaultEchoUri = new("https://ipinfo.io/json");

    public const string EchoUriVariable = "KAELIO_ECHO_URI";

    public static Uri ResolveEchoUri(Uri? given) =>
        given ?? (Environment.GetEnvironmentVariable(EchoUriVariable) is { Length: > 0 } fromEnvironment ? new Uri(fromEnvironment) : DefaultEchoUri);

    /// <summary>
    /// Tests <paramref name="proxy"/>. The location comes from the echo answer when it carries one,
    /// else from <paramref name="geoIp"/> when given.
    /// </summary>
    public static async Task<ProxyTestResult> TestAsync(KaelioProxy proxy, Uri echoUri, (string Host, int Port)? target, GeoIpDatabase? geoIp, TimeSpan timeout, IOperationLog? log, CancellationToken cancellationToken)
    {
        log ??= NullOperationLog.Instance;
        var targetText = target is { } t ? $"{t.Host}:{t.Port}" : null;
        var blank = new ProxyTestResult
        {
            ProxyName = proxy.Name,
            ProxyType = proxy.Type,
            ExitNode = proxy is TailscaleProxy tailscale ? tailscale.ExitNodeName ?? tailscale.ExitNode : null,
            Target = targetText,
            EchoUri = echoUri,
        };
        ProxyTestResult Failed(KaelioException e, ProxyTestResult? partial = null) =>
            (partial ?? blank) with { Success = false, ErrorId = e.ErrorId, Error = e.Message };

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            log.Progress("Test-KaelioProxy", $"Asking {echoUri.Host} for the exit IP of {proxy.Name}");
            var started = DateTimeOffset.Now;
            using var client = new HttpClient(proxy.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
            var watch = Stopwatch.StartNew();
            string body;
            try
            {
                using var response = await client.GetAsync(echoUri, deadline.Token).ConfigureAwait(false);
                body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
                watch.Stop();
                if (!response.IsSuccessStatusCode)
                {
                    return Failed(new KaelioException(ErrorIds.EchoServiceFailed, KaelioErrorCategory.ConnectionError,
                        $"The echo service {echoUri} answered {(int)response.StatusCode} {response.ReasonPhrase}."));
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var reason = deadline.IsCancellationRequested
                    ? new KaelioException(ErrorIds.ProbeTimeout, KaelioErrorCategory.OperationTimeout, $"No answer from the echo service {echoUri} through '{proxy.Name}' within {timeout.TotalSeconds:0} s.", e)
                    : e.InnerException as KaelioException // the proxy refused to open a forward (closed, faulted)
                      ?? (FindForward(proxy, echoUri) is { } forward ? proxy.ExplainFailure(forward, started) : null)
                      ?? new KaelioException(ErrorIds.EchoServiceFailed, KaelioErrorCategory.ConnectionError, $"The echo service {echoUri} is unreachable through '{proxy.Name}': {e.Message}", e);
                return Failed(reason);
            }

            if (!TryParseEcho(body, out var exitIp, out var location))
            {
                return Failed(new KaelioException(ErrorIds.EchoAnswerInvalid, KaelioErrorCategory.InvalidData,
                    $"The echo service {echoUri} did not answer with an IP address (plain text, or JSON with 'ip')."));
            }

            // The echo answer's location first, then what the tailnet reports for its exit node, then GeoIP.
            location ??= proxy.ReportedExitLocation ?? geoIp?.Lookup(IPAddress.Parse(exitIp!));

            var result = blank with
            {
                Success = true,
                ExitIp = exitIp,
                Location = location,
                LatencyMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1),
                TargetReachable = target is null ? null : true,
            };
            log.Verbose($"{proxy.Name}: exit IP {exitIp}{(location is null ? string.Empty : $" ({location})")}, {result.LatencyMs} ms.");

            if (target is { } goal)
            {
                log.Progress("Test-KaelioProxy", $"Opening {targetText} through {proxy.Name}");
                var failure = await proxy.ProbeAsync(goal.Host, goal.Port, timeout, deadline.Token).ConfigureAwait(false);
                if (failure is not null)
                {
                    return Failed(failure, result with { TargetReachable = false });
                }
            }

            return result;
        }
        catch (KaelioException e)
        {
            return Failed(e);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Failed(new KaelioException(ErrorIds.ProbeTimeout, KaelioErrorCategory.OperationTimeout,
                $"The test of '{proxy.Name}' did not finish within {timeout.TotalSeconds:0} s."));
        }
    }

    /// <summary>
    /// Understands a plain-text address and the common JSON shapes (ipinfo.io, ip-api.com, ipapi.co,
    /// ipify, httpbin).
    /// </summary>
    public static bool TryParseEcho(string body, out string? ip, out ProxyLocation? location)
    {
        ip = null;
        location = null;
        var text = body.Trim();
        if (IPAddress.TryParse(text, out var plain))
        {
            ip = plain.ToString();
            return true;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var root = json.RootElement;
            string? Field(params string[] names) => names
                .Select(n => root.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

            var candidate = Field("ip", "query", "origin", "address")?.Split(',')[0].Trim();
            if (candidate is null || !IPAddress.TryParse(candidate, out var address))
            {
                return false;
            }

            ip = address.ToString();
            var country = Field("country_name", "country");
            var code = Field("country_code", "countryCode");
            if (code is null && country is { Length: 2 })
            {
                // ipinfo.io puts the two-letter code in "country".
                (code, country) = (country, null);
            }

            var found = new ProxyLocation(Field("city"), Field("region", "regionName"), country, code);
            location = found.IsEmpty ? null : found;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ProxyForward? FindForward(KaelioProxy proxy, Uri echoUri) =>
        proxy.Forwards.FirstOrDefault(f => string.Equals(f.RemoteHost, echoUri.IdnHost, StringComparison.OrdinalIgnoreCase) && f.RemotePort == echoUri.Port);
}
