using System.Security;

namespace Kaelio.Engine.Databases;

/// <summary>What to connect to. A plain class so that ToString never shows the password.</summary>
public sealed class ConnectionRequest
{
    public required DatabaseType Type { get; init; }

    /// <summary>The database host as the far side of the proxy knows it.</summary>
    public required string Server { get; init; }

    /// <summary>Null: the kind's default port.</summary>
    public int? Port { get; init; }

    public string? Database { get; init; }

    public required string UserName { get; init; }

    public SecureString? Password { get; init; }

    public TlsMode TlsMode { get; init; } = TlsMode.Prefer;

    /// <summary>Accept any server certificate even when <see cref="TlsMode"/> asks for verification.</summary>
    public bool TrustServerCertificate { get; init; }

    /// <summary>PEM file of the CA(s) that sign the server certificate; default: the system store.</summary>
    public string? CaCertificateFile { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public override string ToString() => $"{Type} {UserName}@{Server}{(Port is null ? string.Empty : $":{Port}")}/{Database}";
}
