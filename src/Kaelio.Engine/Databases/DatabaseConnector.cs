using System.Data.Common;
using System.Net.Sockets;
using Kaelio.Engine.Proxies;

namespace Kaelio.Engine.Databases;

/// <summary>Opens a <see cref="KaelioConnection"/> of any kind, through a proxy or directly.</summary>
public static class DatabaseConnector
{
    public static async Task<KaelioConnection> ConnectAsync(string name, ConnectionRequest request, KaelioProxy? proxy, IOperationLog? log, CancellationToken cancellationToken)
    {
        log ??= NullOperationLog.Instance;
        var driver = DriverFor(request.Type);
        var port = request.Port ?? driver.DefaultPort;
        if (string.IsNullOrWhiteSpace(request.Server))
        {
            throw new KaelioException(ErrorIds.InvalidArgument, KaelioErrorCategory.InvalidArgument, "The database server name is empty.");
        }

        if (port is < 1 or > 65535)
        {
            throw new KaelioException(ErrorIds.InvalidArgument, KaelioErrorCategory.InvalidArgument, $"The database port {port} is not between 1 and 65535.");
        }

        var tls = new TlsServerVerifier(request.Server, request.TlsMode, request.TrustServerCertificate, request.CaCertificateFile);
        ProxyForward? forward = null;
        string host = request.Server;
        var endpointPort = port;
        if (proxy is not null)
        {
            forward = await proxy.GetForwardAsync(request.Server, port, cancellationToken).ConfigureAwait(false);
            host = forward.LocalEndPoint.Address.ToString();
            endpointPort = forward.LocalEndPoint.Port;
        }

        log.Progress("Connect-KaelioDatabase", $"Connecting to {request.Type} {request.Server}:{port}{(proxy is null ? string.Empty : $" through {proxy.Name}")}");
        log.Verbose($"Connecting to {request} (TLS {request.TlsMode}{(tls.Verifies ? $", verified against '{request.Server}'" : string.Empty)}) via {host}:{endpointPort}.");
        var started = DateTimeOffset.Now;
        try
        {
            var connection = await driver.OpenAsync(host, endpointPort, request, tls, cancellationToken).ConfigureAwait(false);
            var result = new KaelioConnection(name, request, port, proxy, forward, connection, driver);
            log.Verbose($"Connected to {request.Type} {request.Server}:{port} (server {connection.ServerVersion}).");
            return result;
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw Explain(e, request, port, proxy, forward, started, tls, driver);
        }
    }

    internal static IDatabaseDriver DriverFor(DatabaseType type) => type switch
    {
        DatabaseType.PostgreSql => new PostgreSqlDriver(),
        DatabaseType.MySql => new MySqlDriver(),
        _ => throw new KaelioException(ErrorIds.DatabaseTypeNotYetSupported, KaelioErrorCategory.NotImplemented,
            $"Connecting to {type} is not yet supported by this version of KaelioProxy; PostgreSql and MySql are.", target: type),
    };

    private static KaelioException Explain(Exception e, ConnectionRequest request, int port, KaelioProxy? proxy, ProxyForward? forward, DateTimeOffset started, TlsServerVerifier tls, IDatabaseDriver driver)
    {
        if (e is KaelioException known)
        {
            return known;
        }

        // The driver's own answer (bad password, unknown database) is the most precise.
        var translated = driver.Translate(e, request);
        if (translated is not null)
        {
            return translated;
        }

        if (tls.LastFailure is not null)
        {
            return new KaelioException(ErrorIds.DatabaseTlsValidationFailed, KaelioErrorCategory.SecurityError,
                $"The TLS certificate of {request.Server} was refused: {tls.LastFailure}.", e, request.Server);
        }

        // Then the proxy's: it knows whether the far side refused or could not resolve the target.
        if (proxy is not null && forward is not null && proxy.ExplainFailure(forward, started) is { } fromProxy)
        {
            return fromProxy;
        }

        var target = $"{request.Server}:{port}";
        if (e is TimeoutException || e.InnerException is TimeoutException || (e is OperationCanceledException))
        {
            return new KaelioException(ErrorIds.DatabaseConnectTimeout, KaelioErrorCategory.OperationTimeout,
                $"No answer from {request.Type} at {target} within {request.ConnectTimeout.TotalSeconds:0} s.", e, target);
        }

        if (IsTlsUnavailable(e))
        {
            return new KaelioException(ErrorIds.DatabaseTlsUnavailable, KaelioErrorCategory.SecurityError,
                $"{request.Type} at {target} does not offer TLS, and -SslMode {request.TlsMode} requires it.", e, target);
        }

        var how = proxy is null ? "directly" : $"through proxy '{proxy.Name}'";
        var socket = FindSocketError(e);
        var reason = socket is null ? e.Message : $"{e.Message} ({socket})";
        return new KaelioException(ErrorIds.DatabaseConnectFailed, KaelioErrorCategory.ConnectionError,
            $"Could not connect to {request.Type} at {target} {how}: {reason}", e, target);
    }

    private static bool IsTlsUnavailable(Exception e) =>
        e.Message.Contains("does not support SSL", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("SSL connection is not supported", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("Server does not support SSL", StringComparison.OrdinalIgnoreCase);

    private static SocketError? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }
}
