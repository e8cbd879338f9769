using System.Globalization;

namespace PopHealth.Tracking;

/// <summary>A logged run as the store holds it: its params, and each metric's latest value.</summary>
public sealed record LoggedRun(string RunId, string Directory, IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, double> Metrics);

public sealed partial class MlflowStore
{
    /// <summary>
    /// The run <paramref name="runId"/> of this store (any experiment), or null when the store has no such run. A metric line
    /// that is not <c>"&lt;timestamp&gt; &lt;value&gt; &lt;step&gt;"</c> is an error naming the file.
    /// </summary>
    public LoggedRun? FindRun(string runId)
    {
        if (!RunIdPattern.IsMatch(runId)) throw new ArgumentException($"'{runId}' is not a run id.", nameof(runId));
        var folder = RunFolder(runId);
        if (folder is null) return null;
        var parameters = Files(Path.Combine(folder, "params")).ToDictionary(f => f.Key, f => File.ReadAllText(f.Path), StringComparer.Ordinal);
        var metrics = Files(Path.Combine(folder, "metrics")).ToDictionary(f => f.Key, f => LatestValue(f.Path), StringComparer.Ordinal);
        return new LoggedRun(runId, folder, parameters, metrics);
    }

    /// <summary>The folder of run <paramref name="runId"/> under this store (any experiment), or null when it has none.</summary>
    private string? RunFolder(string runId) => ExperimentFolders().Select(e => Path.Combine(e, runId)).FirstOrDefault(System.IO.Directory.Exists);

    /// <summary>
    /// A folder's listed files (a run's params or metrics, a version's tags; keys may hold '/', as MLflow's do), without
    /// temporaries.
    /// </summary>
    private static IEnumerable<(string Key, string Path)> Files(string folder) => !System.IO.Directory.Exists(folder) ? []
        : System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !StagedFile.AtomicTemporary.IsMatch(Path.GetFileName(f)))
            .Select(f => (Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), f));

    /// <summary>The value of a metric file's last line (MLflow appends; the workbook logs each headline metric once).</summary>
    private static double LatestValue(string path)
    {
        var line = File.ReadLines(path).LastOrDefault(l => l.Trim().Length > 0)
            ?? throw StoreError.Malformed(path, "empty; a metric file holds lines \"<timestamp> <value> <step>\".");
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StoreError.Malformed(path, $"line '{line}' is not \"<timestamp> <value> <step>\".");
    }
}
