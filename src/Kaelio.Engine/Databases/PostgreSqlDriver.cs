using System.Data.Common;
using System.Net;
using Npgsql;

namespace Kaelio.Engine.Databases;

/// <summary>PostgreSQL through Npgsql.</summary>
internal sealed class PostgreSqlDriver : IDatabaseDriver
{
    public int DefaultPort => 5432;

    public async Task<DbConnection> OpenAsync(string host, int port, ConnectionRequest request, TlsServerVerifier tls, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = request.Database,
            Username = request.UserName,
            Password = request.Password is null ? null : Secrets.Reveal(request.Password),
            Timeout = DriverSupport.WholeSeconds(request.ConnectTimeout),
            ApplicationName = "KaelioProxy",
            // A KaelioConnection is one live session; closing it must close the socket too.
            Pooling = false,
            SslMode = request.TlsMode switch
            {
                TlsMode.Disable => SslMode.Disable,
                TlsMode.Prefer when !tls.Verifies => SslMode.Prefer,
                // Verification is the TlsServerVerifier's, against the real name.
                _ => SslMode.Require,
            },
        };

        var connection = new NpgsqlConnection(builder.ConnectionString);
        if (request.TlsMode != TlsMode.Disable)
        {
            connection.SslClientAuthenticationOptionsCallback = options =>
            {
                // SNI with the real name, as a direct connection would send it.
                if (!IPAddress.TryParse(request.Server, out _))
                {
                    options.TargetHost = request.Server;
                }

                options.RemoteCertificateValidationCallback = tls.Validate;
            };
        }

        return await DriverSupport.OpenOrDisposeAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    public KaelioException? Translate(Exception exception, ConnectionRequest request) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } e =>
            new KaelioException(ErrorIds.DatabaseAuthenticationFailed, KaelioErrorCategory.AuthenticationError,
                $"PostgreSQL at {request.Server} refused user '{request.UserName}': {e.MessageText}. Check -Credential.", e, request.Server),
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } e =>
            new KaelioException(ErrorIds.DatabaseNotFound, KaelioErrorCategory.ObjectNotFound,
                $"PostgreSQL at {request.Server} has no database '{request.Database}': {e.MessageText}.", e, request.Database),
        _ => null,
    };

    public bool IsTimeout(Exception exception) =>
        exception is TimeoutException || exception.InnerException is TimeoutException ||
        exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled };
}
