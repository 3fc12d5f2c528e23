using System.Management.Automation;
using System.Security;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Proxies.Tailscale;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Joins a Tailscale tailnet as an ephemeral node that database connections can go through.</para>
/// <para type="description">Starts a private tailscaled in userspace-networking mode (in-memory state, so the node is ephemeral; never the machine's own tailscaled), logs in with the auth key, and waits until the node runs. Connections go through its SOCKS5 proxy, and the tailnet resolves their names. With -ExitNode all traffic leaves through that node. Remove-KaelioProxy logs the node out, stops the daemon and deletes its state. The auth key is handed over in a private file deleted right after login: never in arguments, environment, output or logs.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KaelioTailscaleProxy")]
[OutputType(typeof(TailscaleProxy))]
public sealed class NewKaelioTailscaleProxyCommand : KaelioCmdlet
{
    /// <summary>Tailscale auth key (tskey-auth-…), created with Reusable and Ephemeral enabled.</summary>
    [Parameter(Mandatory = true)]
    public SecureString AuthKey { get; set; } = new();

    /// <summary>Node name in the tailnet. Default: kaelio-proxy.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Hostname { get; set; } = "kaelio-proxy";

    /// <summary>Tailscale IP (100.x.y.z) or node name of an exit node; empty for direct routing. The exit node must be advertised and approved.</summary>
    [Parameter]
    public string? ExitNode { get; set; }

    /// <summary>Control server URL, for self-hosted control servers such as Headscale. Default: Tailscale's.</summary>
    [Parameter]
    [Alias("LoginServer")]
    public Uri? ControlUrl { get; set; }

    /// <summary>Path of tailscaled. Default: found on PATH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TailscaledPath { get; set; }

    /// <summary>Path of the tailscale CLI. Default: found on PATH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TailscalePath { get; set; }

    /// <summary>Seconds joining the tailnet may take.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int Timeout { get; set; } = 60;

    /// <summary>Name of the proxy in this session. Default: tailscale:hostname.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        var options = new TailscaleProxyOptions
        {
            AuthKey = AuthKey,
            Hostname = Hostname,
            ExitNode = string.IsNullOrWhiteSpace(ExitNode) ? null : ExitNode.Trim(),
            ControlUrl = ControlUrl,
            TailscaledPath = TailscaledPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(TailscaledPath),
            TailscalePath = TailscalePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(TailscalePath),
            JoinTimeout = TimeSpan.FromSeconds(Timeout),
        };

        try
        {
            var name = Sessions.ProxyName(Name, $"tailscale:{Hostname}");
            var proxy = Run((log, token) => TailscaleProxy.ConnectAsync(name, options, log, token));
            Sessions.Add(proxy);
            WriteObject(proxy);
        }
        catch (KaelioException e)
        {
            WriteKaelioError(e);
        }
    }
}
