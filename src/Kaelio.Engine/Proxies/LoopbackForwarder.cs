using System.Net;
using System.Net.Sockets;

namespace Kaelio.Engine.Proxies;

/// <summary>
/// A loopback listener that carries each accepted connection through a stream the proxy opens,
/// for proxies whose transport is not an SSH channel (Tailscale's SOCKS5). Failures to open are
/// recorded with their time, so the proxy can explain a driver's failure afterwards.
/// </summary>
internal sealed class LoopbackForwarder : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<CancellationToken, Task<Socket>> _open;
    private readonly CancellationTokenSource _closing = new();
    private readonly Action<string> _log;

    public LoopbackForwarder(Func<CancellationToken, Task<Socket>> open, Action<string> log)
    {
        _open = open;
        _log = log;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint LocalEndPoint { get; }

    public (DateTimeOffset At, Exception Error)? LastFailure { get; private set; }

    public void Dispose()
    {
        // The token source is cancelled, not disposed: connections still being carried read its token.
        _closing.Cancel();
        _listener.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        // Background work never throws into the process: every failure ends here or in Carry.
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                var client = await _listener.AcceptAsync(_closing.Token).ConfigureAwait(false);
                _ = CarryAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task CarryAsync(Socket client)
    {
        using (client)
        {
            Socket remote;
            try
            {
                client.NoDelay = true;
                remote = await _open(_closing.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LastFailure = (DateTimeOffset.Now, e);
                _log(e.Message);
                return;
            }

            using (remote)
            {
                try
                {
                    await Task.WhenAll(PumpAsync(client, remote), PumpAsync(remote, client)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // One side reset the connection; both sockets close below.
                }
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await from.ReceiveAsync(buffer, SocketFlags.None, _closing.Token).ConfigureAwait(false);
            if (n == 0)
            {
                // Half-close: pass the end of stream on, keep reading the other way.
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _closing.Token).ConfigureAwait(false);
        }
    }
}
