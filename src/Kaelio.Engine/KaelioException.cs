namespace Kaelio.Engine;

/// <summary>
/// The kind of failure, named after PowerShell's ErrorCategory members so the cmdlet layer can map
/// it one to one without the engine referencing PowerShell.
/// </summary>
public enum KaelioErrorCategory
{
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    AuthenticationError,
    SecurityError,
    ConnectionError,
    OperationTimeout,
    ObjectNotFound,
    ResourceUnavailable,
    NotImplemented,
}

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/> that scripts can test, a category,
/// and a message that says what to do next. Messages never carry secrets.
/// </summary>
public sealed class KaelioException : Exception
{
    public KaelioException(string errorId, KaelioErrorCategory category, string message, Exception? innerException = null, object? target = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    /// <summary>Stable identifier of the failure, one of <see cref="ErrorIds"/>.</summary>
    public string ErrorId { get; }

    public KaelioErrorCategory Category { get; }

    /// <summary>The object the failure is about (a host name, a proxy, a connection).</summary>
    public object? Target { get; }

    /// <summary>A user-facing message without exception-type noise.</summary>
    public override string ToString() => $"{ErrorId}: {Message}";
}
