using System.Text.Json.Nodes;
using PopHealth.Ingest;
using PopHealth.Ingest.Xpt;
using PopHealth.Runner;

namespace PopHealth.Tests.Notebooks;

/// <summary>
/// One workbook run for the notebook tests: a temporary data root, small inputs, and each notebook's
/// result kept, so a notebook's test first runs the notebooks before it (each reads the previous one's files).
/// </summary>
public sealed class NotebookSession : IDisposable
{
    private readonly TempFolder data = Repo.Temp();
    private readonly Dictionary<string, NotebookResult> results = [];

    public string DataRoot => data.Path;

    /// <summary>A small BRFSS-2024-shaped XPT the session writes (made-up values, no survey rows), for the runner's path tests.</summary>
    public string Input { get; }

    public NotebookSession()
    {
        Input = data.File("input/LLCP2024.XPT");
        Directory.CreateDirectory(Path.GetDirectoryName(Input)!);
        var names = new[] { "_RFHLTH", "INCOME3", "DRNKANY6", "CHCSCNC1", "CHCKDNY2", "_AGEG5YR" };
        var columns = names.Select(n => new XptColumn(n, ColumnKind.Numeric)).ToList();
        var random = new Random(7);
        const int rows = 300;
        using var file = File.Create(Input);
        using var writer = new XptWriter(file, "LLCP2024", columns);
        writer.Write(new ColumnBatch(names.Select(n => new SourceColumn(n, ColumnKind.Numeric)).ToList(),
            names.Select(_ => (Array)Enumerable.Range(0, rows).Select(_ => (double?)random.Next(1, 3)).ToArray()).ToArray(), rows));
    }

    /// <summary>
    /// The default run (embedded synthetic sample, no POPHEALTH_INPUT) with small sizes for speed; every POPHEALTH_*
    /// variable is set so the caller's environment cannot leak in.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["POPHEALTH_DATA"] = data.Path,
        ["POPHEALTH_INPUT"] = "",
        ["POPHEALTH_YEAR"] = "",
        ["POPHEALTH_RECIPE"] = "",
        ["POPHEALTH_SEED"] = "",
        ["POPHEALTH_SAMPLE_ROWS"] = "5000",
        ["POPHEALTH_SYNTH_ROWS"] = "500",
        ["POPHEALTH_SCORE_INPUT"] = "",
    };

    /// <summary>
    /// A runner of <paramref name="notebookDirectory"/>'s notebooks in <paramref name="environment"/> (by default the session's
    /// <see cref="Environment"/>), its executed copies in <paramref name="dataRoot"/>/rendered (by default the session's data root).
    /// </summary>
    public NotebookRunner Runner(string notebookDirectory, TextWriter? log = null, IReadOnlyDictionary<string, string>? environment = null,
        string? dataRoot = null) =>
        new(new RunnerOptions(Repo.Root, notebookDirectory, Path.Combine(dataRoot ?? data.Path, "rendered"), environment ?? Environment,
            TimeSpan.FromMinutes(20)), log ?? TextWriter.Null);

    /// <summary>Runs the workbook notebook <paramref name="name"/>, after any earlier ones not yet run.</summary>
    public async Task<NotebookResult> RunWorkbookAsync(string name)
    {
        var order = RunnerOptions.Workbook.ToList();
        var runner = Runner(Repo.Path("notebooks"));
        foreach (var earlier in order.Take(order.IndexOf(name) + 1))
        {
            if (results.ContainsKey(earlier)) continue;
            var result = Assert.Single(await runner.RunAsync([earlier]));
            results[earlier] = result;
        }
        return results[name];
    }

    /// <summary>Every output's text (streams, display data, errors) of an executed notebook, cell by cell.</summary>
    public static IReadOnlyList<string> OutputsByCell(string renderedPath)
    {
        var cells = JsonNode.Parse(File.ReadAllText(renderedPath))!["cells"]!.AsArray();
        return cells.Select(c => string.Join("\n", (c!["outputs"] as JsonArray ?? []).Select(o => o!.ToJsonString()))).ToList();
    }

    public void Dispose() => data.Dispose();
}

[CollectionDefinition("notebooks", DisableParallelization = true)]
public sealed class NotebookCollection : ICollectionFixture<NotebookSession>;
