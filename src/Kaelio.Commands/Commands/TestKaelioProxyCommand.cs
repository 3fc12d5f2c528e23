using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Probes;
using Kaelio.Engine.Proxies;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Proves that a proxy carries traffic, and shows its exit IP and location.</para>
/// <para type="description">Sends an HTTP request through the proxy to an IP-echo service (default https://ipinfo.io/json; set -EchoUri or $env:KAELIO_ECHO_URI for your own) and reports the address it saw, its location (from the echo answer, else from a MaxMind-format database given with -GeoIPDatabase or $env:KAELIO_GEOIP_DATABASE), and the round trip. With -Target it also opens host:port through the proxy. A proxy that cannot carry traffic gives Success = $false with the reason; the next proxy in the pipeline is tested all the same.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KaelioProxy", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(ProxyTestResult), ParameterSetName = [DefaultSet])]
[OutputType(typeof(bool), ParameterSetName = [QuietSet])]
public sealed class TestKaelioProxyCommand : KaelioCmdlet
{
    private const string DefaultSet = "Default";
    private const string QuietSet = "Quiet";

    /// <summary>The proxies to test (from New-KaelioSshProxy, Get-KaelioProxy or the pipeline).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public KaelioProxy[] Proxy { get; set; } = [];

    /// <summary>host:port to open through the proxy, e.g. db.internal:5432.</summary>
    [Parameter]
    [ValidatePattern(@"^.+:\d{1,5}$")]
    public string? Target { get; set; }

    /// <summary>IP-echo service that answers with the caller's address (plain text or JSON with 'ip').</summary>
    [Parameter]
    public Uri? EchoUri { get; set; }

    /// <summary>MaxMind-format database (GeoLite2/GeoIP2 City or Country) for the location when the echo answer has none. Default: $env:KAELIO_GEOIP_DATABASE.</summary>
    [Parameter]
    [Alias("GeoIpDatabasePath")]
    [ValidateNotNullOrEmpty]
    public string? GeoIPDatabase { get; set; }

    /// <summary>Seconds the whole test of one proxy may take.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 10;

    /// <summary>Return only $true or $false per proxy.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QuietSet)]
    public SwitchParameter Quiet { get; set; }

    private GeoIpDatabase? _geoIp;

    protected override void BeginProcessing()
    {
        try
        {
            _geoIp = GeoIpDatabase.OpenConfigured(GeoIPDatabase is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(GeoIPDatabase));
        }
        catch (KaelioException e)
        {
            ThrowKaelioError(e);
        }
    }

    protected override void EndProcessing() => _geoIp?.Dispose();

    protected override void ProcessRecord()
    {
        var echo = ProxyProbe.ResolveEchoUri(EchoUri);
        (string, int)? target = null;
        if (Target is not null)
        {
            var colon = Target.LastIndexOf(':');
            target = (Target[..colon].Trim('[', ']'), int.Parse(Target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var proxy in Proxy)
        {
            var result = Run((log, token) => ProxyProbe.TestAsync(proxy, echo, target, _geoIp, TimeSpan.FromSeconds(TimeoutSec), log, token));
            WriteObject(Quiet ? result.Success : result);
        }
    }
}
