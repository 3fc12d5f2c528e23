using System.Security;

namespace Kaelio.Engine.Proxies.Ssh;

/// <summary>
/// How to reach and authenticate to a bastion. A plain class, not a record: a record's generated
/// ToString would print the secrets.
/// </summary>
public sealed class SshProxyOptions
{
    public required string Host { get; init; }

    public int Port { get; init; } = 22;

    public required string UserName { get; init; }

    /// <summary>Password authentication.</summary>
    public SecureString? Password { get; init; }

    /// <summary>Private key text (PEM, PKCS#8 or OpenSSH format).</summary>
    public string? PrivateKey { get; init; }

    /// <summary>Where <see cref="PrivateKey"/> came from, for messages ("file ~/.ssh/id_ed25519", "-KeyString").</summary>
    public string PrivateKeySource { get; init; } = "-KeyString";

    public SecureString? Passphrase { get; init; }

    public IReadOnlyList<string> HostKeyFingerprints { get; init; } = [];

    /// <summary>OpenSSH known_hosts file; defaults to ~/.ssh/known_hosts.</summary>
    public string? KnownHostsPath { get; init; }

    public HostKeyPolicy HostKeyPolicy { get; init; } = HostKeyPolicy.Strict;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Zero disables keep-alives.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    public static string DefaultKnownHostsPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    public override string ToString() => $"{UserName}@{Host}:{Port}";
}
