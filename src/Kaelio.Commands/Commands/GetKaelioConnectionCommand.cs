using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Databases;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Lists the database connections open in this session.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KaelioConnection")]
[OutputType(typeof(KaelioConnection))]
public sealed class GetKaelioConnectionCommand : KaelioCmdlet
{
    /// <summary>Names of the connections to get; wildcards allowed. Default: all.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var connection in NameFilter.Select(Sessions.Connections, c => c.Name, Name, "connection", ErrorIds.ConnectionNotFound, WriteKaelioError))
        {
            WriteObject(connection);
        }
    }
}
