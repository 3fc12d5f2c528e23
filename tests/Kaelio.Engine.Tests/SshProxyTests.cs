using System.Net.Sockets;
using System.Text;
using Kaelio.Engine.Proxies;
using Kaelio.Engine.Proxies.Ssh;

namespace Kaelio.Engine.Tests;

/// <summary>Against the real OpenSSH bastion of the test network.</summary>
public sealed class SshProxyTests
{
    private static readonly TestNetwork Net = TestNetwork.Current;

    [Fact]
    public async Task Carries_traffic_to_a_private_host_that_the_bastion_resolves()
    {
        using var proxy = await SshProxy.ConnectAsync("t", Net.ProxyOptions(), null, CancellationToken.None);
        Assert.Equal(KaelioState.Ready, proxy.State);
        Assert.Contains(proxy.HostKeyFingerprint, Net.HostKeyFingerprints);

        var forward = await proxy.GetForwardAsync(Net.Get("echo", "host"), int.Parse(Net.Get("echo", "port")), CancellationToken.None);
        Assert.True(System.Net.IPAddress.IsLoopback(forward.LocalEndPoint.Address));
        Assert.Same(forward, await proxy.GetForwardAsync(Net.Get("echo", "host").ToUpperInvariant(), int.Parse(Net.Get("echo", "port")), CancellationToken.None));

        // The echo service answers with the address it sees: the bastion's private side.
        var answer = await HttpGet(forward, Net.Get("echo", "host"));
        Assert.EndsWith($"\r\n\r\n{Net.BastionPrivateAddress}\n", answer, StringComparison.Ordinal);

        proxy.Dispose();
        Assert.Equal(KaelioState.Closed, proxy.State);
        Assert.Empty(proxy.Forwards);
        proxy.Dispose(); // idempotent
    }

    [Fact]
    public async Task Explains_a_name_the_bastion_cannot_resolve()
    {
        using var proxy = await SshProxy.ConnectAsync("t", Net.ProxyOptions(), null, CancellationToken.None);
        var since = DateTimeOffset.Now;
        var forward = await proxy.GetForwardAsync("nosuch.private.test", 80, CancellationToken.None);
        await Assert.ThrowsAnyAsync<Exception>(() => HttpGet(forward, "nosuch.private.test"));
        var e = proxy.ExplainFailure(forward, since);
        Assert.NotNull(e);
        Assert.Equal(ErrorIds.RemoteHostNotFound, e.ErrorId);
    }

    [Fact]
    public async Task Explains_a_bastion_that_refuses_forwarding()
    {
        var options = Net.ProxyOptions(int.Parse(Net.Get("bastion", "noForwardingPort")));
        using var proxy = await SshProxy.ConnectAsync("t", options, null, CancellationToken.None);
        var since = DateTimeOffset.Now;
        var forward = await proxy.GetForwardAsync(Net.Get("echo", "host"), int.Parse(Net.Get("echo", "port")), CancellationToken.None);
        await Assert.ThrowsAnyAsync<Exception>(() => HttpGet(forward, "echo"));
        Assert.Equal(ErrorIds.SshForwardingRefused, proxy.ExplainFailure(forward, since)?.ErrorId);
    }

    [Fact]
    public async Task Refuses_an_unknown_host_key_under_strict_policy_with_its_fingerprint()
    {
        var options = Net.ProxyOptions();
        var strict = new SshProxyOptions
        {
            Host = options.Host,
            UserName = options.UserName,
            PrivateKey = options.PrivateKey,
            KnownHostsPath = Path.Combine(Path.GetTempPath(), $"kaelio-none-{Guid.NewGuid()}"),
        };
        var e = await Assert.ThrowsAsync<KaelioException>(() => SshProxy.ConnectAsync("t", strict, null, CancellationToken.None));
        Assert.Equal(ErrorIds.SshHostKeyUnknown, e.ErrorId);
        Assert.Contains(Net.HostKeyFingerprints, f => e.Message.Contains(f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancellation_stops_a_connect()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start(); // accepts but never speaks SSH
        var options = new SshProxyOptions { Host = "127.0.0.1", Port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port, UserName = "u", Password = Secrets.Protect("p"), ConnectTimeout = TimeSpan.FromMinutes(5) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SshProxy.ConnectAsync("t", options, null, cancel.Token));
    }

    private static async Task<string> HttpGet(ProxyForward forward, string host)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(forward.LocalEndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var text = await reader.ReadToEndAsync();
        if (text.Length == 0)
        {
            throw new IOException("The forward closed without an answer.");
        }

        return text;
    }
}
