using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Databases;
using Kaelio.Engine.Proxies;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Opens a database connection through a proxy (or directly).</para>
/// <para type="description">The server name is resolved on the far side of the proxy, as inside the private network. With -SslMode VerifyFull the certificate is checked against that real name, not the loopback forward.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "KaelioDatabase")]
[OutputType(typeof(KaelioConnection))]
public sealed class ConnectKaelioDatabaseCommand : KaelioCmdlet
{
    /// <summary>Kind of database: PostgreSql, MySql (also MariaDB), SqlServer, Snowflake, Metabase.</summary>
    [Parameter(Mandatory = true)]
    public DatabaseType Type { get; set; }

    /// <summary>Database host name as the far side of the proxy knows it.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("ComputerName", "Host")]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = string.Empty;

    /// <summary>Database port. Default: the kind's (5432 PostgreSQL, 3306 MySQL).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Database name.</summary>
    [Parameter]
    public string? Database { get; set; }

    /// <summary>Database user and password.</summary>
    [Parameter(Mandatory = true)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>The proxy to go through (from New-KaelioSshProxy or the pipeline). Omit for a direct connection.</summary>
    [Parameter(ValueFromPipeline = true)]
    public KaelioProxy? Proxy { get; set; }

    /// <summary>TLS: Disable, Prefer (default), Require, VerifyCA, VerifyFull. Default VerifyFull when -CaCertificateFile is given.</summary>
    [Parameter]
    [Alias("TlsMode")]
    public TlsMode SslMode { get; set; } = TlsMode.Prefer;

    /// <summary>Accept any server certificate (TLS still encrypts). For test servers only.</summary>
    [Parameter]
    public SwitchParameter TrustServerCertificate { get; set; }

    /// <summary>PEM file with the CA certificate(s) that sign the server's certificate.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaCertificateFile { get; set; }

    /// <summary>Seconds to wait for the connection.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int ConnectTimeout { get; set; } = 15;

    /// <summary>Name of the connection in this session. Default: database@server.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        var tlsMode = !MyInvocation.BoundParameters.ContainsKey(nameof(SslMode)) && CaCertificateFile is not null ? TlsMode.VerifyFull : SslMode;
        var request = new ConnectionRequest
        {
            Type = Type,
            Server = Server,
            Port = MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null,
            Database = Database,
            UserName = Credential.UserName,
            Password = Credential.Password,
            TlsMode = tlsMode,
            TrustServerCertificate = TrustServerCertificate,
            CaCertificateFile = CaCertificateFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CaCertificateFile),
            ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeout),
        };

        try
        {
            var name = Sessions.ConnectionName(Name, Database is null ? Server : $"{Database}@{Server}");
            var connection = Run((log, token) => DatabaseConnector.ConnectAsync(name, request, Proxy, log, token));
            Sessions.Add(connection);
            WriteObject(connection);
        }
        catch (KaelioException e) when (e.Category == KaelioErrorCategory.NotImplemented)
        {
            ThrowKaelioError(e);
        }
        catch (KaelioException e)
        {
            WriteKaelioError(e);
        }
    }
}
