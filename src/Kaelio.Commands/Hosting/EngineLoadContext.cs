using System.Reflection;
using System.Runtime.Loader;

namespace Kaelio.Commands.Hosting;

/// <summary>
/// The private load context of the engine and its drivers (SSH.NET, Npgsql, MySqlConnector…), so
/// other modules that load other versions of those assemblies (dbatools, SqlServer, Az) cannot
/// break us, nor we them. Resolution goes through the engine's deps.json, which also picks the
/// right runtime-specific assets on Linux, macOS and Windows.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;

    public EngineLoadContext(string engineAssemblyPath)
        : base("KaelioProxy.Engine", isCollectible: false)
    {
        EngineAssemblyPath = engineAssemblyPath;
        _resolver = new AssemblyDependencyResolver(engineAssemblyPath);
    }

    public string EngineAssemblyPath { get; }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Framework assemblies are not in the engine's deps.json: null lets them come from the
        // default context, which keeps System.* types shared with PowerShell.
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
