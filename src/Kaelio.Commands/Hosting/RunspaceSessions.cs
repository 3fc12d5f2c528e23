using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using Kaelio.Engine.Sessions;

namespace Kaelio.Commands.Hosting;

/// <summary>
/// One <see cref="SessionRegistry"/> per runspace: proxies opened in one runspace (a thread job, a
/// runbook's runspace pool) are neither seen nor closed by another, and all of them close when
/// their runspace closes, the module is removed, or the process exits.
/// </summary>
internal static class RunspaceSessions
{
    private static readonly ConditionalWeakTable<Runspace, SessionRegistry> Registries = new();

    public static SessionRegistry Current
    {
        get
        {
            var runspace = Runspace.DefaultRunspace
                ?? throw new InvalidOperationException("KaelioProxy cmdlets must run in a PowerShell runspace.");
            return Registries.GetValue(runspace, Create);
        }
    }

    public static void CloseCurrent()
    {
        if (Runspace.DefaultRunspace is { } runspace && Registries.TryGetValue(runspace, out var registry))
        {
            registry.Dispose();
        }
    }

    public static void CloseAll()
    {
        foreach (var (_, registry) in Registries)
        {
            registry.Dispose();
        }
    }

    private static SessionRegistry Create(Runspace runspace)
    {
        var registry = new SessionRegistry();
        runspace.StateChanged += (_, e) =>
        {
            if (e.RunspaceStateInfo.State is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)
            {
                registry.Dispose();
            }
        };
        return registry;
    }
}
