using System.Security.Cryptography;
using System.Text;
using Kaelio.Engine.Proxies.Ssh;

namespace Kaelio.Engine.Tests;

public sealed class KnownHostsFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"kaelio-kh-{Guid.NewGuid()}");

    public void Dispose() => File.Delete(_path);

    internal static HostKey FakeKey(string type, byte seed)
    {
        var typeBytes = Encoding.ASCII.GetBytes(type);
        var blob = new byte[4 + typeBytes.Length + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob, typeBytes.Length);
        typeBytes.CopyTo(blob, 4);
        blob.AsSpan(4 + typeBytes.Length).Fill(seed);
        return new HostKey(blob);
    }

    [Fact]
    public void Finds_plain_bracketed_wildcard_and_hashed_names()
    {
        var a = FakeKey("ssh-ed25519", 1);
        var b = FakeKey("ssh-ed25519", 2);
        var c = FakeKey("ssh-rsa", 3);
        var d = FakeKey("ssh-ed25519", 4);
        var salt = RandomNumberGenerator.GetBytes(20);
        var hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes("hashed.example"));
        File.WriteAllLines(_path,
        [
            "# comment",
            $"bastion.example,10.0.0.1 {a.ToKnownHostsText()}",
            $"[bastion.example]:2222 {b.ToKnownHostsText()}",
            $"*.corp.example,!secret.corp.example {c.ToKnownHostsText()}",
            $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)} {d.ToKnownHostsText()}",
            "garbage line",
            $"bad.example ssh-ed25519 not-base64!",
        ]);

        var file = KnownHostsFile.Load(_path);

        Assert.Equal([a], file.Find("bastion.example", 22).Select(k => k.Key));
        Assert.Equal([a], file.Find("BASTION.example", 22).Select(k => k.Key));
        Assert.Equal([b], file.Find("bastion.example", 2222).Select(k => k.Key));
        Assert.Equal([c], file.Find("db.corp.example", 22).Select(k => k.Key));
        Assert.Empty(file.Find("secret.corp.example", 22));
        Assert.Equal([d], file.Find("hashed.example", 22).Select(k => k.Key));
        Assert.Empty(file.Find("other.example", 22));
    }

    [Fact]
    public void Appends_new_keys_in_openssh_form()
    {
        var key = FakeKey("ssh-ed25519", 9);
        File.WriteAllText(_path, "no-newline.example " + FakeKey("ssh-ed25519", 8).ToKnownHostsText());
        var file = KnownHostsFile.Load(_path);
        file.Add("new.example", 2200, key);

        var lines = File.ReadAllLines(_path);
        Assert.Equal(2, lines.Length);
        Assert.Equal($"[new.example]:2200 {key.ToKnownHostsText()}", lines[1]);
        Assert.Equal([key], KnownHostsFile.Load(_path).Find("new.example", 2200).Select(k => k.Key));
    }

    [Theory]
    [InlineData("*.example", "a.example", true)]
    [InlineData("*.example", "example", false)]
    [InlineData("10.0.0.?", "10.0.0.7", true)]
    [InlineData("10.0.0.?", "10.0.0.17", false)]
    [InlineData("a*b*c", "axxbyyc", true)]
    public void Matches_openssh_wildcards(string pattern, string text, bool expected) =>
        Assert.Equal(expected, KnownHostsFile.WildcardMatch(pattern, text));

    [Fact]
    public void Reads_the_test_bastion_keys_with_ssh_keygen_fingerprints()
    {
        var net = TestNetwork.Current;
        var keys = KnownHostsFile.Load(net.KnownHostsFile).Find(net.BastionAddress, 22);
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.Contains(k.Key.Fingerprint, net.HostKeyFingerprints));
    }
}
