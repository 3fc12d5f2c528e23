using System.Data.Common;
using MySqlConnector;

namespace Kaelio.Engine.Databases;

/// <summary>MySQL and MariaDB through MySqlConnector.</summary>
internal sealed class MySqlDriver : IDatabaseDriver
{
    public int DefaultPort => 3306;

    public async Task<DbConnection> OpenAsync(string host, int port, ConnectionRequest request, TlsServerVerifier tls, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder
        {
            Server = host,
            Port = (uint)port,
            Database = request.Database ?? string.Empty,
            UserID = request.UserName,
            Password = request.Password is null ? string.Empty : Secrets.Reveal(request.Password),
            ConnectionTimeout = (uint)DriverSupport.WholeSeconds(request.ConnectTimeout),
            ApplicationName = "KaelioProxy",
            Pooling = false,
            SslMode = request.TlsMode switch
            {
                TlsMode.Disable => MySqlSslMode.None,
                TlsMode.Prefer when !tls.Verifies => MySqlSslMode.Preferred,
                _ => MySqlSslMode.Required,
            },
        };

        var connection = new MySqlConnection(builder.ConnectionString);
        if (tls.Verifies)
        {
            connection.RemoteCertificateValidationCallback = tls.Validate;
        }

        return await DriverSupport.OpenOrDisposeAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    public KaelioException? Translate(Exception exception, ConnectionRequest request) => exception switch
    {
        MySqlException { ErrorCode: MySqlErrorCode.AccessDenied or MySqlErrorCode.DatabaseAccessDenied } e =>
            new KaelioException(ErrorIds.DatabaseAuthenticationFailed, KaelioErrorCategory.AuthenticationError,
                $"MySQL at {request.Server} refused user '{request.UserName}': {e.Message} Check -Credential.", e, request.Server),
        MySqlException { ErrorCode: MySqlErrorCode.UnknownDatabase } e =>
            new KaelioException(ErrorIds.DatabaseNotFound, KaelioErrorCategory.ObjectNotFound,
                $"MySQL at {request.Server} has no database '{request.Database}': {e.Message}", e, request.Database),
        _ => null,
    };

    public bool IsTimeout(Exception exception) =>
        exception is TimeoutException || exception is MySqlException { ErrorCode: MySqlErrorCode.CommandTimeoutExpired };
}
