using Kaelio.Engine.Proxies.Ssh;

namespace Kaelio.Engine.Tests;

public sealed class PrivateKeyLoaderTests
{
    private static readonly TestNetwork Net = TestNetwork.Current;

    [Theory]
    [InlineData("ed25519", false)]
    [InlineData("rsaPem", false)]
    [InlineData("rsaOpenSsh", false)]
    [InlineData("ed25519Encrypted", true)]
    [InlineData("rsaPemEncrypted", true)]
    [InlineData("ecdsaPkcs8Encrypted", true)]
    public void Tells_encrypted_keys_apart(string key, bool encrypted) =>
        Assert.Equal(encrypted, PrivateKeyLoader.IsEncrypted(File.ReadAllText(Net.Key(key))));

    [Theory]
    [InlineData("ed25519Encrypted")]
    [InlineData("rsaPemEncrypted")]
    [InlineData("ecdsaPkcs8Encrypted")]
    public void Classifies_passphrase_problems(string key)
    {
        var text = File.ReadAllText(Net.Key(key));
        using var loaded = PrivateKeyLoader.Load(text, Net.Secret("ssh", "passphraseFile"), key);
        Assert.NotNull(loaded);

        var missing = Assert.Throws<KaelioException>(() => PrivateKeyLoader.Load(text, null, key));
        Assert.Equal(ErrorIds.SshKeyPassphraseRequired, missing.ErrorId);

        var wrong = Assert.Throws<KaelioException>(() => PrivateKeyLoader.Load(text, Secrets.Protect("not-the-passphrase"), key));
        Assert.Equal(ErrorIds.SshKeyPassphraseIncorrect, wrong.ErrorId);
        Assert.DoesNotContain(text.Split('\n')[1], wrong.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")]
    public void Reports_malformed_keys(string text)
    {
        var e = Assert.Throws<KaelioException>(() => PrivateKeyLoader.Load(text, null, "-KeyString"));
        Assert.Equal(ErrorIds.SshKeyMalformed, e.ErrorId);
        Assert.Equal(KaelioErrorCategory.InvalidData, e.Category);
    }
}
