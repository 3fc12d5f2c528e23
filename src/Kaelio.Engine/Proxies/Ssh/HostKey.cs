using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kaelio.Engine.Proxies.Ssh;

/// <summary>A public host key as the SSH wire format carries it (RFC 4253 §6.6).</summary>
public sealed class HostKey : IEquatable<HostKey>
{
    public HostKey(byte[] blob)
    {
        Blob = blob;
        KeyType = ReadKeyType(blob);
        Fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
    }

    public byte[] Blob { get; }

    /// <summary>The key type named inside the blob: <c>ssh-ed25519</c>, <c>ssh-rsa</c>, <c>ecdsa-sha2-nistp256</c>…</summary>
    public string KeyType { get; }

    /// <summary>OpenSSH's fingerprint form, as <c>ssh-keygen -lf</c> prints it.</summary>
    public string Fingerprint { get; }

    /// <summary>The line OpenSSH writes to known_hosts after the host pattern.</summary>
    public string ToKnownHostsText() => $"{KeyType} {Convert.ToBase64String(Blob)}";

    public bool Equals(HostKey? other) => other is not null && Blob.AsSpan().SequenceEqual(other.Blob);

    public override bool Equals(object? obj) => Equals(obj as HostKey);

    public override int GetHashCode() => Fingerprint.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => $"{KeyType} {Fingerprint}";

    /// <summary>Normalizes a user-given fingerprint: accepts with or without the <c>SHA256:</c> prefix and padding.</summary>
    public static string NormalizeFingerprint(string fingerprint)
    {
        var value = fingerprint.Trim();
        if (value.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            value = value[7..];
        }

        return "SHA256:" + value.TrimEnd('=');
    }

    private static string ReadKeyType(byte[] blob)
    {
        if (blob.Length < 4)
        {
            throw new FormatException("The host key blob is too short.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(blob);
        if (length <= 0 || length > blob.Length - 4)
        {
            throw new FormatException("The host key blob does not start with a key type.");
        }

        return Encoding.ASCII.GetString(blob, 4, length);
    }
}
