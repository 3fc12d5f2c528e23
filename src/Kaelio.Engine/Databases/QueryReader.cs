using System.Data.Common;

namespace Kaelio.Engine.Databases;

/// <summary>
/// Streams the rows of one query as they arrive; SQL NULL becomes null. Disposing it frees the
/// connection for the next query.
/// </summary>
public sealed class QueryReader : IAsyncDisposable, IDisposable
{
    private readonly KaelioConnection _owner;
    private readonly DbCommand _command;
    private readonly DbDataReader _reader;
    private int _disposed;
    private bool _finished;

    internal QueryReader(KaelioConnection owner, DbCommand command, DbDataReader reader)
    {
        _owner = owner;
        _command = command;
        _reader = reader;
        Columns = UniqueNames(reader);
    }

    /// <summary>Column names, made unique (<c>n</c>, <c>n_2</c>) so each can be a property name.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows changed by an INSERT/UPDATE/DELETE; -1 for a SELECT.</summary>
    public int RecordsAffected => _reader.RecordsAffected;

    public async Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var more = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _finished = !more;
            return more;
        }
        catch (Exception e)
        {
            throw _owner.TranslateQueryError(e, cancellationToken);
        }
    }

    /// <summary>The current row's values in column order.</summary>
    public object?[] GetValues()
    {
        var values = new object?[Columns.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var value = _reader.GetValue(i);
            values[i] = value is DBNull ? null : value;
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // A reader left early (Select-Object -First) would otherwise drain every remaining row
            // on dispose; ask the server to stop instead.
            if (!_finished)
            {
                _command.Cancel();
            }

            await _reader.DisposeAsync().ConfigureAwait(false);
            await _command.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or IOException or InvalidOperationException or OperationCanceledException)
        {
            // A broken connection fails its reader's cleanup too; the state says so already.
        }
        finally
        {
            _owner.ReleaseAfterQuery();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string[] UniqueNames(DbDataReader reader)
    {
        var names = new string[reader.FieldCount];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            var name = reader.GetName(i);
            if (string.IsNullOrEmpty(name))
            {
                name = $"Column{i + 1}";
            }

            var candidate = name;
            for (var n = 2; !seen.Add(candidate); n++)
            {
                candidate = $"{name}_{n}";
            }

            names[i] = candidate;
        }

        return names;
    }
}
