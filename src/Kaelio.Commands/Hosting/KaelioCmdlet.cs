using System.Management.Automation;
using Kaelio.Engine;
using Kaelio.Engine.Sessions;

namespace Kaelio.Commands.Hosting;

/// <summary>
/// The base of every KaelioProxy cmdlet: owns the cancellation that Ctrl+C (StopProcessing)
/// triggers, runs engine operations while relaying their messages on the pipeline thread, and
/// turns engine failures into error records with stable ids.
/// </summary>
public abstract class KaelioCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    internal static SessionRegistry Sessions => RunspaceSessions.Current;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs an engine operation off the pipeline thread, writing its verbose, warning and progress
    /// messages here as they arrive. Ctrl+C cancels it and stops the pipeline.
    /// </summary>
    internal T Run<T>(Func<IOperationLog, CancellationToken, Task<T>> operation)
    {
        var log = new PipelineLog(GetHashCode() & 0x7fffffff);
        var task = Task.Run(() => operation(log, StopToken), StopToken);
        try
        {
            while (!task.Wait(TimeSpan.FromMilliseconds(50)))
            {
                log.Drain(this);
            }
        }
        catch (AggregateException)
        {
            // Observed below, with its original type.
        }
        finally
        {
            log.Complete(this);
        }

        return Await(task);
    }

    /// <summary>Waits for a task on the pipeline thread; a cancellation by Ctrl+C stops the pipeline.</summary>
    internal T Await<T>(Task<T> task)
    {
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>The error record for an engine failure: its id, category and target.</summary>
    internal static ErrorRecord ToErrorRecord(KaelioException e) =>
        new(e, e.ErrorId, Enum.Parse<ErrorCategory>(e.Category.ToString()), e.Target)
        {
            ErrorDetails = new ErrorDetails(e.Message),
        };

    /// <summary>Writes an engine failure as a non-terminating error; anything else propagates.</summary>
    internal void WriteKaelioError(KaelioException e) => WriteError(ToErrorRecord(e));

    /// <summary>Stops the command with an engine failure (misuse, unsupported request).</summary>
    internal void ThrowKaelioError(KaelioException e) => ThrowTerminatingError(ToErrorRecord(e));

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
