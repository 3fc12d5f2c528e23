using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kaelio.Engine.Proxies;

/// <summary>A SOCKS5 server refused a CONNECT; <see cref="Reply"/> is its RFC 1928 reply code.</summary>
public sealed class Socks5Exception(byte reply, string target)
    : IOException($"The SOCKS5 proxy could not connect to {target}: {Describe(reply)}.")
{
    public byte Reply { get; } = reply;

    public const byte HostUnreachable = 0x04;
    public const byte NotAllowed = 0x02;

    public static string Describe(byte reply) => reply switch
    {
        0x01 => "general failure",
        0x02 => "connection not allowed by ruleset",
        0x03 => "network unreachable",
        0x04 => "host unreachable",
        0x05 => "connection refused",
        0x06 => "TTL expired",
        0x07 => "command not supported",
        0x08 => "address type not supported",
        _ => $"reply 0x{reply:x2}",
    };
}

/// <summary>
/// SOCKS5 CONNECT (RFC 1928, no authentication), as tailscaled's userspace proxy speaks it. Names go
/// to the proxy unresolved, so the tailnet (MagicDNS, split DNS) resolves them.
/// Written here because .NET only speaks SOCKS inside HttpClient, and the drivers need raw streams.
/// </summary>
public static class Socks5Client
{
    public static async Task<Socket> ConnectAsync(IPEndPoint proxy, string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(proxy.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(proxy, cancellationToken).ConfigureAwait(false);

            // Greeting: version 5, one method, "no authentication".
            await socket.SendAsync(new byte[] { 5, 1, 0 }, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var choice = await ReceiveExactlyAsync(socket, 2, cancellationToken).ConfigureAwait(false);
            if (choice[0] != 5 || choice[1] != 0)
            {
                throw new IOException("The SOCKS5 proxy refused the no-authentication method.");
            }

            await socket.SendAsync(ConnectRequest(host, port), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var head = await ReceiveExactlyAsync(socket, 4, cancellationToken).ConfigureAwait(false);
            if (head[1] != 0)
            {
                throw new Socks5Exception(head[1], $"{host}:{port}");
            }

            // Skip the bound address the proxy reports.
            var addressLength = head[3] switch
            {
                1 => 4,
                4 => 16,
                3 => (await ReceiveExactlyAsync(socket, 1, cancellationToken).ConfigureAwait(false))[0],
                _ => throw new IOException($"The SOCKS5 proxy answered with address type {head[3]}."),
            };
            await ReceiveExactlyAsync(socket, addressLength + 2, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static byte[] ConnectRequest(string host, int port)
    {
        byte[] address;
        byte type;
        if (IPAddress.TryParse(host, out var ip))
        {
            address = ip.GetAddressBytes();
            type = ip.AddressFamily == AddressFamily.InterNetwork ? (byte)1 : (byte)4;
        }
        else
        {
            var name = Encoding.ASCII.GetBytes(host);
            if (name.Length > 255)
            {
                throw new ArgumentException($"The host name '{host}' is longer than SOCKS5 allows.", nameof(host));
            }

            address = [(byte)name.Length, .. name];
            type = 3;
        }

        var request = new byte[4 + address.Length + 2];
        request[0] = 5; // version
        request[1] = 1; // CONNECT
        request[3] = type;
        address.CopyTo(request, 4);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4 + address.Length), (ushort)port);
        return request;
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("The SOCKS5 proxy closed the connection during the handshake.");
            }

            read += n;
        }

        return buffer;
    }
}
