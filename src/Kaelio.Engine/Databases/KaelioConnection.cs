using System.Data;
using System.Data.Common;
using Kaelio.Engine.Proxies;

namespace Kaelio.Engine.Databases;

/// <summary>
/// A live database session, opened through a proxy (or directly). Holds one driver connection;
/// runs one query at a time. Closing is idempotent and follows the proxy's closing.
/// </summary>
public sealed class KaelioConnection : IDisposable
{
    private readonly DbConnection _connection;
    private readonly IDatabaseDriver _driver;
    private readonly SemaphoreSlim _busy = new(1, 1);
    private int _closed;

    internal KaelioConnection(string name, ConnectionRequest request, int port, KaelioProxy? proxy, ProxyForward? forward, DbConnection connection, IDatabaseDriver driver)
    {
        Name = name;
        Type = request.Type;
        Server = request.Server;
        Port = port;
        Database = request.Database;
        UserName = request.UserName;
        TlsMode = request.TlsMode;
        Proxy = proxy;
        Forward = forward;
        _connection = connection;
        _driver = driver;
        CreatedAt = DateTimeOffset.Now;
        if (proxy is not null)
        {
            proxy.Closed += OnProxyClosed;
        }
    }

    public string Name { get; }

    public DatabaseType Type { get; }

    /// <summary>The database host as the far side of the proxy knows it.</summary>
    public string Server { get; }

    public int Port { get; }

    public string? Database { get; }

    public string UserName { get; }

    public TlsMode TlsMode { get; }

    /// <summary>The proxy carrying this connection; null for a direct connection.</summary>
    public KaelioProxy? Proxy { get; }

    public string? ProxyName => Proxy?.Name;

    /// <summary>The loopback forward the driver talks to; null for a direct connection.</summary>
    public ProxyForward? Forward { get; }

    /// <summary>Where the driver's socket goes: the loopback forward, or the server itself.</summary>
    public string LocalEndPoint => Forward?.LocalEndPoint.ToString() ?? $"{Server}:{Port}";

    public string ServerVersion => _connection.State == ConnectionState.Open ? _connection.ServerVersion : string.Empty;

    public DateTimeOffset CreatedAt { get; }

    public string? LastError { get; private set; }

    public KaelioState State
    {
        get
        {
            if (Volatile.Read(ref _closed) != 0)
            {
                return KaelioState.Closed;
            }

            if (Proxy is { State: not KaelioState.Ready } || _connection.State is ConnectionState.Broken or ConnectionState.Closed)
            {
                return KaelioState.Faulted;
            }

            return KaelioState.Ready;
        }
    }

    /// <summary>
    /// Runs a statement and returns a reader that streams its rows. The connection stays busy until
    /// the reader is disposed; a second query meanwhile fails with <see cref="ErrorIds.ConnectionBusy"/>.
    /// </summary>
    public async Task<QueryReader> ExecuteAsync(string query, IReadOnlyDictionary<string, object?>? parameters, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (State == KaelioState.Closed)
        {
            throw new KaelioException(ErrorIds.ConnectionClosed, KaelioErrorCategory.ResourceUnavailable,
                $"Connection '{Name}' is closed. Open a new one with Connect-KaelioDatabase.", target: this);
        }

        if (!_busy.Wait(0, CancellationToken.None))
        {
            throw new KaelioException(ErrorIds.ConnectionBusy, KaelioErrorCategory.ResourceUnavailable,
                $"Connection '{Name}' is still reading the rows of another query. Finish that pipeline first, or open a second connection.", target: this);
        }

        DbCommand? command = null;
        try
        {
            command = _connection.CreateCommand();
            command.CommandText = query;
            if (timeout is { } t)
            {
                command.CommandTimeout = DriverSupport.WholeSeconds(t);
            }

            foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name.StartsWith('@') ? name : "@" + name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            return new QueryReader(this, command, reader);
        }
        catch (Exception e)
        {
            if (command is not null)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }

            _busy.Release();
            throw TranslateQueryError(e, cancellationToken);
        }
    }

    internal void ReleaseAfterQuery() => _busy.Release();

    internal Exception TranslateQueryError(Exception e, CancellationToken cancellationToken)
    {
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return e;
        }

        if (e is KaelioException)
        {
            return e;
        }

        LastError = e.Message;
        if (_driver.IsTimeout(e))
        {
            return new KaelioException(ErrorIds.QueryTimeout, KaelioErrorCategory.OperationTimeout,
                $"The query on '{Name}' did not finish in time. Raise -TimeoutSec or narrow the query.", e, this);
        }

        if (Proxy is { State: not KaelioState.Ready })
        {
            return new KaelioException(ErrorIds.ConnectionClosed, KaelioErrorCategory.ConnectionError,
                $"The proxy '{Proxy.Name}' of connection '{Name}' is {Proxy.State}: {e.Message}", e, this);
        }

        return new KaelioException(ErrorIds.QueryFailed, KaelioErrorCategory.InvalidOperation,
            $"The query on '{Name}' failed: {e.Message}", e, this);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        if (Proxy is not null)
        {
            Proxy.Closed -= OnProxyClosed;
        }

        try
        {
            _connection.Dispose();
        }
        catch (Exception e) when (e is DbException or IOException or InvalidOperationException)
        {
            // The socket may already be gone with its proxy; closing is best effort.
        }
    }

    private void OnProxyClosed(object? sender, EventArgs e) => Dispose();

    public override string ToString() => $"{Name} ({Type} {UserName}@{Server}:{Port}/{Database}, {State})";
}
