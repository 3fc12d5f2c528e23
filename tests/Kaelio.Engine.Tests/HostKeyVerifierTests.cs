using Kaelio.Engine.Proxies.Ssh;

namespace Kaelio.Engine.Tests;

public sealed class HostKeyVerifierTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"kaelio-hkv-{Guid.NewGuid()}");
    private readonly HostKey _recorded = KnownHostsFileTests.FakeKey("ssh-ed25519", 1);
    private readonly HostKey _other = KnownHostsFileTests.FakeKey("ssh-ed25519", 2);
    private readonly HostKey _rsa = KnownHostsFileTests.FakeKey("ssh-rsa", 3);

    public HostKeyVerifierTests() => File.WriteAllLines(_path,
    [
        $"known.example {_recorded.ToKnownHostsText()}",
        $"@revoked revoked.example {_other.ToKnownHostsText()}",
    ]);

    public void Dispose() => File.Delete(_path);

    private HostKeyVerdict Verify(string host, HostKey key, HostKeyPolicy policy, params string[] pinned) =>
        new HostKeyVerifier(KnownHostsFile.Load(_path), pinned, policy).Verify(host, 22, key, out _);

    [Theory]
    [InlineData(HostKeyPolicy.Strict)]
    [InlineData(HostKeyPolicy.AcceptNew)]
    [InlineData(HostKeyPolicy.Insecure)]
    public void A_changed_key_is_refused_under_every_policy(HostKeyPolicy policy)
    {
        Assert.Equal(HostKeyVerdict.Trusted, Verify("known.example", _recorded, policy));
        Assert.Equal(HostKeyVerdict.Mismatch, Verify("known.example", _other, policy));
        Assert.Equal(HostKeyVerdict.Revoked, Verify("revoked.example", _other, policy));
    }

    [Fact]
    public void Unknown_keys_follow_the_policy()
    {
        Assert.Equal(HostKeyVerdict.Unknown, Verify("new.example", _other, HostKeyPolicy.Strict));
        Assert.Equal(HostKeyVerdict.AcceptedNew, Verify("new.example", _other, HostKeyPolicy.AcceptNew));
        Assert.Equal(HostKeyVerdict.AcceptedInsecure, Verify("new.example", _other, HostKeyPolicy.Insecure));

        // Only a key of another type is recorded: the server offered a type we do not know yet.
        Assert.Equal(HostKeyVerdict.Unknown, Verify("known.example", _rsa, HostKeyPolicy.Strict));
    }

    [Fact]
    public void Pinned_fingerprints_trust_and_refuse()
    {
        Assert.Equal(HostKeyVerdict.Trusted, Verify("new.example", _other, HostKeyPolicy.Strict, _other.Fingerprint));
        Assert.Equal(HostKeyVerdict.Trusted, Verify("new.example", _other, HostKeyPolicy.Strict, _other.Fingerprint["SHA256:".Length..] + "="));
        var verifier = new HostKeyVerifier(KnownHostsFile.Load(_path), [_recorded.Fingerprint], HostKeyPolicy.Insecure);
        Assert.Equal(HostKeyVerdict.Mismatch, verifier.Verify("new.example", 22, _other, out var expected));
        Assert.Equal([_recorded.Fingerprint], expected);
    }
}
