namespace Kaelio.Engine.Proxies.Ssh;

/// <summary>The outcome of checking a bastion's host key.</summary>
public enum HostKeyVerdict
{
    /// <summary>Recorded in known_hosts or pinned with -HostKeyFingerprint.</summary>
    Trusted,

    /// <summary>Unknown, accepted under AcceptNew; to be recorded in known_hosts.</summary>
    AcceptedNew,

    /// <summary>Unknown, accepted under Insecure.</summary>
    AcceptedInsecure,

    /// <summary>Unknown, refused under Strict.</summary>
    Unknown,

    /// <summary>Differs from the recorded or pinned key: possible man-in-the-middle.</summary>
    Mismatch,

    /// <summary>Marked @revoked in known_hosts.</summary>
    Revoked,
}

/// <summary>
/// Decides whether to trust a bastion's host key, OpenSSH-style, from known_hosts, pinned
/// fingerprints and the policy. Never prompts: automation has no one to answer.
/// </summary>
public sealed class HostKeyVerifier
{
    private readonly KnownHostsFile _knownHosts;
    private readonly IReadOnlyList<string> _pinned;
    private readonly HostKeyPolicy _policy;

    public HostKeyVerifier(KnownHostsFile knownHosts, IEnumerable<string> pinnedFingerprints, HostKeyPolicy policy)
    {
        _knownHosts = knownHosts;
        _pinned = [.. pinnedFingerprints.Select(HostKey.NormalizeFingerprint)];
        _policy = policy;
    }

    public KnownHostsFile KnownHosts => _knownHosts;

    /// <summary>The key types recorded for a host, so the client can ask the server for one of them first.</summary>
    public IReadOnlyList<string> KnownKeyTypes(string host, int port) =>
        [.. _knownHosts.Find(host, port).Where(k => !k.Revoked).Select(k => k.Key.KeyType).Distinct()];

    /// <summary>Checks <paramref name="key"/>; <paramref name="expected"/> lists the fingerprints it should have had.</summary>
    public HostKeyVerdict Verify(string host, int port, HostKey key, out IReadOnlyList<string> expected)
    {
        expected = [];
        var recorded = _knownHosts.Find(host, port);
        if (recorded.Any(r => r.Revoked && r.Key.Equals(key)))
        {
            return HostKeyVerdict.Revoked;
        }

        var valid = recorded.Where(r => !r.Revoked).Select(r => r.Key).ToList();
        if (valid.Contains(key) || _pinned.Contains(key.Fingerprint, StringComparer.Ordinal))
        {
            return HostKeyVerdict.Trusted;
        }

        // Same key type recorded with another value: the host key changed.
        var sameType = valid.Where(k => k.KeyType == key.KeyType).Select(k => k.Fingerprint).ToList();
        if (sameType.Count > 0)
        {
            expected = sameType;
            return HostKeyVerdict.Mismatch;
        }

        // The user pinned the bastion's key and this is not it.
        if (_pinned.Count > 0)
        {
            expected = _pinned;
            return HostKeyVerdict.Mismatch;
        }

        return _policy switch
        {
            HostKeyPolicy.AcceptNew => HostKeyVerdict.AcceptedNew,
            HostKeyPolicy.Insecure => HostKeyVerdict.AcceptedInsecure,
            _ => HostKeyVerdict.Unknown,
        };
    }
}
