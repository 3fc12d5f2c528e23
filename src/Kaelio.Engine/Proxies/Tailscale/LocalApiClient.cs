using System.Net.Http.Json;
using System.Net.Sockets;

namespace Kaelio.Engine.Proxies.Tailscale;

/// <summary>
/// tailscaled's LocalAPI: HTTP over the daemon's unix socket. The host name is the one the
/// official client sends; the Sec-Tailscale header is required by tailscaled against CSRF.
/// </summary>
internal sealed class LocalApiClient : IDisposable
{
    private readonly HttpClient _http;

    public LocalApiClient(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://local-tailscaled.sock/"), Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Add("Sec-Tailscale", "localapi");
    }

    public async Task<TailscaleStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync("localapi/v0/status", TailscaleJson.Default.TailscaleStatus, cancellationToken).ConfigureAwait(false)
        ?? throw new IOException("tailscaled answered an empty status.");

    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync("localapi/v0/logout", null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}
