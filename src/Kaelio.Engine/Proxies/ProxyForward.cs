using System.Net;

namespace Kaelio.Engine.Proxies;

/// <summary>
/// A loopback listener that carries every connection made to it through the proxy to
/// <see cref="RemoteHost"/>:<see cref="RemotePort"/>. Database drivers connect to
/// <see cref="LocalEndPoint"/>; the remote name is resolved on the far side of the proxy.
/// </summary>
public sealed class ProxyForward
{
    internal ProxyForward(string remoteHost, int remotePort, IPEndPoint localEndPoint)
    {
        RemoteHost = remoteHost;
        RemotePort = remotePort;
        LocalEndPoint = localEndPoint;
    }

    public string RemoteHost { get; }

    public int RemotePort { get; }

    /// <summary>Always a loopback address, on a port the OS picked.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The last failure seen while carrying a connection, if any.</summary>
    public string? LastError { get; internal set; }

    public override string ToString() => $"{LocalEndPoint} -> {RemoteHost}:{RemotePort}";
}
