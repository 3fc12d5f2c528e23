using System.Collections.Concurrent;
using System.Management.Automation;
using Kaelio.Engine;

namespace Kaelio.Commands.Hosting;

/// <summary>
/// Collects the engine's messages from any thread and writes them on the pipeline thread, the only
/// thread PowerShell allows to write.
/// </summary>
internal sealed class PipelineLog : IOperationLog
{
    private readonly ConcurrentQueue<Action<Cmdlet>> _pending = new();
    private readonly int _activityId;
    private string? _activity;

    public PipelineLog(int activityId) => _activityId = activityId;

    public void Verbose(string message) => _pending.Enqueue(c => c.WriteVerbose(message));

    public void Warning(string message) => _pending.Enqueue(c => c.WriteWarning(message));

    public void Progress(string activity, string status, int percent = -1) => _pending.Enqueue(c =>
    {
        _activity = activity;
        c.WriteProgress(new ProgressRecord(_activityId, activity, status) { PercentComplete = percent });
    });

    /// <summary>Writes what has arrived so far. Pipeline thread only.</summary>
    public void Drain(Cmdlet cmdlet)
    {
        while (_pending.TryDequeue(out var write))
        {
            write(cmdlet);
        }
    }

    /// <summary>Closes the progress bar if one was shown. Pipeline thread only.</summary>
    public void Complete(Cmdlet cmdlet)
    {
        Drain(cmdlet);
        if (_activity is not null)
        {
            cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
            _activity = null;
        }
    }
}
