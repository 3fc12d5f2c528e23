using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Proxies;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Proves that a proxy carries traffic and shows its exit IP and location. Not yet supported.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KaelioProxy")]
public sealed class TestKaelioProxyCommand : KaelioCmdlet
{
    /// <summary>The proxies to test.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public KaelioProxy[] Proxy { get; set; } = [];

    protected override void EndProcessing() => ThrowKaelioError(new KaelioException(
        ErrorIds.TestProxyNotYetSupported,
        KaelioErrorCategory.NotImplemented,
        "Test-KaelioProxy is not yet supported by this version of KaelioProxy."));
}
