using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Proxies;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Lists the proxies open in this session.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KaelioProxy")]
[OutputType(typeof(KaelioProxy))]
public sealed class GetKaelioProxyCommand : KaelioCmdlet
{
    /// <summary>Names of the proxies to get; wildcards allowed. Default: all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var proxy in NameFilter.Select(Sessions.Proxies, p => p.Name, Name, "proxy", ErrorIds.ProxyNotFound, WriteKaelioError))
        {
            WriteObject(proxy);
        }
    }
}
