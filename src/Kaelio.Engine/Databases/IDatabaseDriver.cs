using System.Data.Common;

namespace Kaelio.Engine.Databases;

/// <summary>
/// One database kind: opens an ADO.NET connection to a (usually loopback) endpoint and explains
/// the driver's own failures. The proxy and TLS name checks are the caller's and the verifier's.
/// </summary>
internal interface IDatabaseDriver
{
    int DefaultPort { get; }

    Task<DbConnection> OpenAsync(string host, int port, ConnectionRequest request, TlsServerVerifier tls, CancellationToken cancellationToken);

    /// <summary>A clear error for a failure the driver recognizes (bad password, unknown database), else null.</summary>
    KaelioException? Translate(Exception exception, ConnectionRequest request);

    /// <summary>Whether a failed query timed out (each driver says so differently).</summary>
    bool IsTimeout(Exception exception);
}

/// <summary>What every driver does the same way.</summary>
internal static class DriverSupport
{
    /// <summary>Opens the connection, or disposes it and rethrows: a failed open leaves nothing behind.</summary>
    public static async Task<DbConnection> OpenOrDisposeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Drivers take timeouts in whole seconds, at least one.</summary>
    public static int WholeSeconds(TimeSpan timeout) => Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
}
