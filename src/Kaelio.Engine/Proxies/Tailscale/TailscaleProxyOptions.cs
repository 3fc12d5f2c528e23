using System.Security;

namespace Kaelio.Engine.Proxies.Tailscale;

/// <summary>How to join the tailnet. A plain class: a record's ToString would print the auth key.</summary>
public sealed class TailscaleProxyOptions
{
    /// <summary>A tskey-auth-… key, reusable and ephemeral.</summary>
    public required SecureString AuthKey { get; init; }

    /// <summary>The node's name in the tailnet.</summary>
    public string Hostname { get; init; } = "kaelio-proxy";

    /// <summary>Tailscale IP or node name of an exit node; null for direct routing.</summary>
    public string? ExitNode { get; init; }

    /// <summary>A self-hosted control server (Headscale…); null for Tailscale's.</summary>
    public Uri? ControlUrl { get; init; }

    public string? TailscaledPath { get; init; }

    public string? TailscalePath { get; init; }

    /// <summary>How long joining may take: daemon start, login, and reaching Running.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public override string ToString() => $"{Hostname}{(ExitNode is null ? string.Empty : $" via exit node {ExitNode}")}{(ControlUrl is null ? string.Empty : $" at {ControlUrl}")}";
}
