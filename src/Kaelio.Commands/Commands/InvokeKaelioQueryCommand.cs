using System.Collections;
using System.Management.Automation;
using Kaelio.Commands.Hosting;
using Kaelio.Engine;
using Kaelio.Engine.Databases;

namespace Kaelio.Commands;

/// <summary>
/// <para type="synopsis">Runs a statement on a database connection and streams its rows as objects.</para>
/// <para type="description">Each row is written to the pipeline as soon as it arrives, as an object with one property per column; SQL NULL becomes $null. Use -Parameters for values instead of building SQL text: @name in the statement, name = value in the hashtable.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KaelioQuery", DefaultParameterSetName = PipelineSet)]
[OutputType(typeof(PSObject))]
public sealed class InvokeKaelioQueryCommand : KaelioCmdlet
{
    // Two sets so that both `$db | Invoke-KaelioQuery 'select 1'` and
    // `Invoke-KaelioQuery $db 'select 1'` bind positionally.
    private const string PipelineSet = "Pipeline";
    private const string PositionalSet = "Positional";

    /// <summary>The connection to run the statement on (from Connect-KaelioDatabase).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PipelineSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PositionalSet)]
    public KaelioConnection Connection { get; set; } = null!;

    /// <summary>The SQL statement.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PipelineSet)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = PositionalSet)]
    [ValidateNotNullOrEmpty]
    public string Query { get; set; } = string.Empty;

    /// <summary>Values for the statement's @name placeholders.</summary>
    [Parameter]
    public Hashtable? Parameters { get; set; }

    /// <summary>Seconds the statement may run. Default: the driver's (30).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        var parameters = Parameters?.Cast<DictionaryEntry>().ToDictionary(
            e => e.Key.ToString() ?? string.Empty,
            e => e.Value is PSObject ps ? ps.BaseObject : e.Value);
        TimeSpan? timeout = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null;
        try
        {
            using var reader = Run((_, token) => Connection.ExecuteAsync(Query, parameters, timeout, token));
            var rows = 0;

            // Rows are read on the pipeline thread so each is written as soon as it arrives.
            while (Await(reader.ReadAsync(StopToken)))
            {
                var values = reader.GetValues();
                var row = new PSObject();
                for (var i = 0; i < values.Length; i++)
                {
                    row.Properties.Add(new PSNoteProperty(reader.Columns[i], values[i]));
                }

                WriteObject(row);
                rows++;
            }

            WriteVerbose(reader.Columns.Count == 0
                ? $"{reader.RecordsAffected} row(s) affected on '{Connection.Name}'."
                : $"{rows} row(s) from '{Connection.Name}'.");
        }
        catch (KaelioException e)
        {
            WriteKaelioError(e);
        }
    }
}
