using Kaelio.Engine.Databases;
using Kaelio.Engine.Proxies;

namespace Kaelio.Engine.Sessions;

/// <summary>
/// The live proxies and connections of one PowerShell runspace. Names are unique within it;
/// removing a proxy closes the connections it carries; disposing closes everything.
/// </summary>
public sealed class SessionRegistry : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<KaelioProxy> _proxies = [];
    private readonly List<KaelioConnection> _connections = [];

    public IReadOnlyList<KaelioProxy> Proxies
    {
        get
        {
            lock (_lock)
            {
                return [.. _proxies];
            }
        }
    }

    public IReadOnlyList<KaelioConnection> Connections
    {
        get
        {
            lock (_lock)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>
    /// Reserves a name: <paramref name="requested"/> as given (an error if taken), or
    /// <paramref name="suggested"/> with a numeric suffix when needed.
    /// </summary>
    public string ProxyName(string? requested, string suggested)
    {
        lock (_lock)
        {
            return UniqueName(requested, suggested, _proxies.Select(p => p.Name), "proxy", "Remove-KaelioProxy");
        }
    }

    public string ConnectionName(string? requested, string suggested)
    {
        lock (_lock)
        {
            return UniqueName(requested, suggested, _connections.Select(c => c.Name), "connection", "Disconnect-KaelioDatabase");
        }
    }

    public void Add(KaelioProxy proxy)
    {
        lock (_lock)
        {
            _proxies.Add(proxy);
        }
    }

    public void Add(KaelioConnection connection)
    {
        lock (_lock)
        {
            _connections.Add(connection);
        }
    }

    /// <summary>The connections that ride on <paramref name="proxy"/>.</summary>
    public IReadOnlyList<KaelioConnection> ConnectionsThrough(KaelioProxy proxy)
    {
        lock (_lock)
        {
            return [.. _connections.Where(c => ReferenceEquals(c.Proxy, proxy))];
        }
    }

    /// <summary>Closes the proxy and, first, every connection through it.</summary>
    public void Remove(KaelioProxy proxy)
    {
        foreach (var connection in ConnectionsThrough(proxy))
        {
            Remove(connection);
        }

        lock (_lock)
        {
            _proxies.Remove(proxy);
        }

        proxy.Dispose();
    }

    public void Remove(KaelioConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }

        connection.Dispose();
    }

    public void Dispose()
    {
        foreach (var proxy in Proxies)
        {
            Remove(proxy);
        }

        foreach (var connection in Connections)
        {
            Remove(connection);
        }
    }

    private static string UniqueName(string? requested, string suggested, IEnumerable<string> taken, string what, string remover)
    {
        var names = taken.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrWhiteSpace(requested))
        {
            if (names.Contains(requested))
            {
                throw new KaelioException(ErrorIds.NameInUse, KaelioErrorCategory.InvalidArgument,
                    $"A {what} named '{requested}' is already open. Choose another -Name, or close it first with {remover}.", target: requested);
            }

            return requested;
        }

        var candidate = suggested;
        for (var n = 2; names.Contains(candidate); n++)
        {
            candidate = $"{suggested}#{n}";
        }

        return candidate;
    }
}
