using System.Management.Automation;
using System.Security;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Joins a Tailscale tailnet as an ephemeral node that database connections can go through. Not yet supported.</para>
/// <para type="description">The parameter surface is in place; the proxy itself arrives in a later version and this command says so instead of half-working.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KaelioTailscaleProxy")]
[OutputType(typeof(Kaelio.Engine.Proxies.KaelioProxy))]
public sealed class NewKaelioTailscaleProxyCommand : KaelioCmdlet
{
    /// <summary>Tailscale auth key (tskey-auth-…), reusable and ephemeral.</summary>
    [Parameter(Mandatory = true)]
    public SecureString AuthKey { get; set; } = new();

    /// <summary>Node name in the tailnet. Default: kaelio-proxy.</summary>
    [Parameter]
    public string Hostname { get; set; } = "kaelio-proxy";

    /// <summary>Tailscale IP (100.x.y.z) of an exit node; empty for direct routing.</summary>
    [Parameter]
    public string? ExitNode { get; set; }

    /// <summary>Control server URL, for self-hosted control servers.</summary>
    [Parameter]
    public Uri? ControlUrl { get; set; }

    /// <summary>Path of tailscaled.</summary>
    [Parameter]
    public string? TailscaledPath { get; set; }

    /// <summary>Path of the tailscale CLI.</summary>
    [Parameter]
    public string? TailscalePath { get; set; }

    /// <summary>Name of the proxy in this session.</summary>
    [Parameter]
    public string? Name { get; set; }

    protected override void EndProcessing() => ThrowKaelioError(new KaelioException(
        ErrorIds.TailscaleNotYetSupported,
        KaelioErrorCategory.NotImplemented,
        "Tailscale proxies are not yet supported by this version of KaelioProxy. Use New-KaelioSshProxy."));
}
