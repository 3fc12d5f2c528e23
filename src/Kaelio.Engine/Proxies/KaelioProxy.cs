using System.Net.Sockets;

namespace Kaelio.Engine.Proxies;

/// <summary>
/// A live proxy: the one contract that SSH and Tailscale proxies implement. It opens loopback
/// forwards for database drivers and explains, after the fact, why a connection through one failed.
/// Read-only to its users; closing is idempotent.
/// </summary>
public abstract class KaelioProxy : IDisposable
{
    private readonly Lock _forwardsLock = new();
    private readonly Dictionary<(string Host, int Port), ProxyForward> _forwards = [];
    private volatile KaelioState _state = KaelioState.Connecting;

    protected KaelioProxy(string name)
    {
        Name = name;
        CreatedAt = DateTimeOffset.Now;
    }

    public string Name { get; }

    public abstract ProxyType Type { get; }

    public KaelioState State => _state;

    public DateTimeOffset CreatedAt { get; }

    /// <summary>The last failure the proxy saw (connection lost, forward failed), without secrets.</summary>
    public string? LastError { get; protected set; }

    /// <summary>The loopback forwards this proxy holds open (an array: PowerShell indexes it as users expect).</summary>
    public ProxyForward[] Forwards
    {
        get
        {
            lock (_forwardsLock)
            {
                return [.. _forwards.Values];
            }
        }
    }

    /// <summary>A one-line description of where the proxy goes, for tables and messages.</summary>
    public abstract string Endpoint { get; }

    /// <summary>Raised once when the proxy closes, so dependent connections can follow.</summary>
    public event EventHandler? Closed;

    /// <summary>
    /// Returns a loopback forward to <paramref name="host"/>:<paramref name="port"/> on the far side,
    /// reusing an open one for the same target.
    /// </summary>
    public async Task<ProxyForward> GetForwardAsync(string host, int port, CancellationToken cancellationToken)
    {
        EnsureReady();
        var key = (host.ToLowerInvariant(), port);
        lock (_forwardsLock)
        {
            if (_forwards.TryGetValue(key, out var existing))
            {
                return existing;
            }
        }

        var forward = await OpenForwardAsync(host, port, cancellationToken).ConfigureAwait(false);
        lock (_forwardsLock)
        {
            // Two callers may race to open the same target; keep the first, close the spare.
            if (_forwards.TryGetValue(key, out var winner))
            {
                CloseForward(forward);
                return winner;
            }

            _forwards[key] = forward;
            return forward;
        }
    }

    /// <summary>
    /// After a connection through <paramref name="forward"/> failed, tells why if the proxy knows
    /// (the far side refused forwarding, the name did not resolve there, the proxy went down).
    /// </summary>
    public abstract KaelioException? ExplainFailure(ProxyForward forward, DateTimeOffset since);

    /// <summary>
    /// Opens a connection to <paramref name="host"/>:<paramref name="port"/> through the proxy and
    /// reports why it failed, or null once the far side accepted it.
    /// </summary>
    public abstract Task<KaelioException?> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a connection to <paramref name="host"/>:<paramref name="port"/> on the far side. The
    /// default goes through a loopback forward; a proxy with a direct stream (SOCKS5) overrides it.
    /// </summary>
    public virtual async Task<Socket> OpenStreamAsync(string host, int port, CancellationToken cancellationToken)
    {
        var forward = await GetForwardAsync(host, port, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(forward.LocalEndPoint, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The exit location the network itself reports (a Tailscale exit node's), if any.</summary>
    public virtual Probes.ProxyLocation? ReportedExitLocation => null;

    /// <summary>
    /// An HTTP handler whose connections go through the proxy, for HTTP services: the IP echo,
    /// Snowflake, Metabase. TLS runs end to end with the real name.
    /// </summary>
    public HttpMessageHandler CreateHttpHandler() => new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, cancellationToken) =>
            new NetworkStream(await OpenStreamAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false), ownsSocket: true),
    };

    protected abstract Task<ProxyForward> OpenForwardAsync(string host, int port, CancellationToken cancellationToken);

    protected abstract void CloseForward(ProxyForward forward);

    /// <summary>Closes the transport (SSH session, daemon); forwards are already closed.</summary>
    protected abstract void CloseTransport();

    protected void SetState(KaelioState state) => _state = state;

    protected void EnsureReady()
    {
        if (_state != KaelioState.Ready)
        {
            throw new KaelioException(
                ErrorIds.ProxyNotReady,
                KaelioErrorCategory.ResourceUnavailable,
                $"Proxy '{Name}' is {_state}{(LastError is null ? string.Empty : $" ({LastError})")}. Remove it and create a new one.",
                target: this);
        }
    }

    public void Dispose()
    {
        List<ProxyForward> forwards;
        lock (_forwardsLock)
        {
            if (_state == KaelioState.Closed)
            {
                return;
            }

            _state = KaelioState.Closed;
            forwards = [.. _forwards.Values];
            _forwards.Clear();
        }

        foreach (var forward in forwards)
        {
            CloseForward(forward);
        }

        CloseTransport();
        Closed?.Invoke(this, EventArgs.Empty);
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{Name} ({Type} {Endpoint}, {State})";
}
