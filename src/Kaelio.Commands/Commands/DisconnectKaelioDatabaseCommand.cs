using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Databases;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Closes database connections. Idempotent: closing a closed connection does nothing.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "KaelioDatabase", SupportsShouldProcess = true, DefaultParameterSetName = ObjectSet)]
public sealed class DisconnectKaelioDatabaseCommand : KaelioCmdlet
{
    private const string ObjectSet = "Connection";
    private const string NameSet = "Name";

    /// <summary>The connections to close.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public KaelioConnection[] Connection { get; set; } = [];

    /// <summary>Names of the connections to close; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        var connections = ParameterSetName == NameSet
            ? NameFilter.Select(Sessions.Connections, c => c.Name, Name, "connection", ErrorIds.ConnectionNotFound, WriteKaelioError)
            : Connection;
        foreach (var connection in connections)
        {
            if (ShouldProcess($"{connection.Name} ({connection.Type} {connection.Server}:{connection.Port})", "Close connection"))
            {
                Sessions.Remove(connection);
            }
        }
    }
}
