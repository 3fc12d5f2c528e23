using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Proxies;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Closes proxies, and first the database connections that go through them.</para>
/// <para type="description">Closing is idempotent: removing a closed proxy does nothing. The connections carried by a proxy cannot outlive it, so they are disconnected first; -WhatIf lists them.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KaelioProxy", SupportsShouldProcess = true, DefaultParameterSetName = ObjectSet)]
public sealed class RemoveKaelioProxyCommand : KaelioCmdlet
{
    private const string ObjectSet = "Proxy";
    private const string NameSet = "Name";

    /// <summary>The proxies to close.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public KaelioProxy[] Proxy { get; set; } = [];

    /// <summary>Names of the proxies to close; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        var proxies = ParameterSetName == NameSet
            ? NameFilter.Select(Sessions.Proxies, p => p.Name, Name, "proxy", ErrorIds.ProxyNotFound, WriteKaelioError)
            : Proxy;
        foreach (var proxy in proxies)
        {
            var connections = Sessions.ConnectionsThrough(proxy);
            var action = connections.Count == 0
                ? "Close proxy"
                : $"Close proxy and its {connections.Count} connection(s): {string.Join(", ", connections.Select(c => c.Name))}";
            if (ShouldProcess($"{proxy.Name} ({proxy.Endpoint})", action))
            {
                WriteVerbose($"Closing proxy '{proxy.Name}'{(connections.Count == 0 ? string.Empty : $" and connection(s) {string.Join(", ", connections.Select(c => c.Name))}")}.");
                Sessions.Remove(proxy);
            }
        }
    }
}
