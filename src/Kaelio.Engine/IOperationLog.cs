namespace Kaelio.Engine;

/// <summary>
/// Where engine operations report what they are doing. Called from any thread; the cmdlet layer
/// queues the messages and writes them on the pipeline thread. Never pass secrets to it.
/// </summary>
public interface IOperationLog
{
    void Verbose(string message);

    void Warning(string message);

    /// <summary>A step of a long operation; <paramref name="percent"/> is -1 when unknown.</summary>
    void Progress(string activity, string status, int percent = -1);
}

/// <summary>A log that drops everything, for callers that do not listen.</summary>
public sealed class NullOperationLog : IOperationLog
{
    public static readonly NullOperationLog Instance = new();

    public void Verbose(string message) { }

    public void Warning(string message) { }

    public void Progress(string activity, string status, int percent = -1) { }
}
