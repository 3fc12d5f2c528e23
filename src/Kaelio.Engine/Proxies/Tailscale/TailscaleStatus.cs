using System.Text.Json.Serialization;

namespace Kaelio.Engine.Proxies.Tailscale;

// The parts of tailscaled's LocalAPI status (ipnstate.Status, GET /localapi/v0/status) the module reads.

internal sealed class TailscaleStatus
{
    public string BackendState { get; set; } = "NoState";

    public string? AuthURL { get; set; }

    public List<string>? TailscaleIPs { get; set; }

    public TailscalePeer? Self { get; set; }

    public List<string>? Health { get; set; }

    public TailscaleTailnet? CurrentTailnet { get; set; }

    public TailscaleExitNodeStatus? ExitNodeStatus { get; set; }

    public Dictionary<string, TailscalePeer>? Peer { get; set; }
}

internal sealed class TailscalePeer
{
    public string? ID { get; set; }

    public string? HostName { get; set; }

    public string? DNSName { get; set; }

    public List<string>? TailscaleIPs { get; set; }

    public bool Online { get; set; }

    public bool ExitNode { get; set; }

    public bool ExitNodeOption { get; set; }

    public TailscaleLocation? Location { get; set; }
}

internal sealed class TailscaleLocation
{
    public string? Country { get; set; }

    public string? CountryCode { get; set; }

    public string? City { get; set; }
}

internal sealed class TailscaleTailnet
{
    public string? Name { get; set; }

    public string? MagicDNSSuffix { get; set; }
}

internal sealed class TailscaleExitNodeStatus
{
    public string? ID { get; set; }

    public bool Online { get; set; }

    public List<string>? TailscaleIPs { get; set; }
}

[JsonSerializable(typeof(TailscaleStatus))]
internal sealed partial class TailscaleJson : JsonSerializerContext;
