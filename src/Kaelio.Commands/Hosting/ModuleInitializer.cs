using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Kaelio.Commands.Hosting;

/// <summary>
/// Teaches the default load context to find the engine in the module's bin folder (loaded
/// privately), and closes what a runspace opened when the module is removed. KaelioProxy.psm1
/// calls <see cref="RegisterEngineResolver"/> before PowerShell inspects the cmdlets, whose
/// attributes already name engine types. Nothing here may name an engine type.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "Kaelio.Engine";
    private static readonly Lock Gate = new();
    private static EngineLoadContext? _engineContext;

    public void OnImport() => RegisterEngineResolver();

    /// <summary>Idempotent; safe to call from every runspace that imports the module.</summary>
    public static void RegisterEngineResolver()
    {
        lock (Gate)
        {
            if (_engineContext is not null)
            {
                return;
            }

            var moduleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
            _engineContext = new EngineLoadContext(Path.Combine(moduleFolder, "bin", EngineAssemblyName + ".dll"));
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RunspaceSessions.CloseAll();
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => RunspaceSessions.CloseCurrent();

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        // Only the engine crosses over; its dependencies resolve inside the private context.
        var engine = _engineContext;
        return engine is not null && name.Name == EngineAssemblyName
            ? engine.LoadFromAssemblyPath(engine.EngineAssemblyPath)
            : null;
    }
}
