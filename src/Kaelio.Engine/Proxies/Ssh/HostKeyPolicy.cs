namespace Kaelio.Engine.Proxies.Ssh;

/// <summary>
/// What to do with a bastion host key that is neither in known_hosts nor pinned by fingerprint.
/// A key that differs from a recorded one is refused under every policy.
/// </summary>
public enum HostKeyPolicy
{
    /// <summary>Refuse unknown keys (like OpenSSH StrictHostKeyChecking=yes).</summary>
    Strict,

    /// <summary>Record an unknown key in known_hosts and trust it (StrictHostKeyChecking=accept-new).</summary>
    AcceptNew,

    /// <summary>Trust any unknown key, with a warning. For throwaway test hosts only.</summary>
    Insecure,
}
