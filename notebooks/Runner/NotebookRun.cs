namespace PopHealth.Runner;

/// <summary>The first cell that reported an error.</summary>
/// <param name="CellNumber">1-based, counting every cell (markdown too), as a reader counts them.</param>
/// <param name="CellHead">The cell's first non-empty line.</param>
public sealed record CellFailure(int CellNumber, string CellHead, string ErrorName, string Message)
{
    public override string ToString() => $"cell {CellNumber} (`{CellHead}`): {ErrorName}: {Message}";
}

/// <summary>What happened to one notebook.</summary>
/// <param name="PeakBytes">Peak resident memory of the notebook's kernel (its largest process), sampled from /proc; null elsewhere.</param>
/// <param name="TimedOutAfter">The timeout the notebook ran past (its kernel was then stopped), or null.</param>
public sealed record NotebookResult(string Name, int ExitCode, TimeSpan Elapsed, string? RenderedPath, CellFailure? Failure, string? ProcessOutput,
    long? PeakBytes = null, TimeSpan? TimedOutAfter = null)
{
    public bool Succeeded => ExitCode == 0 && Failure is null && RenderedPath is not null;

    /// <summary>One line naming the notebook and what went wrong.</summary>
    public string Describe() => Succeeded
        ? $"{Name} succeeded in {Elapsed.TotalSeconds:F1} s"
        : TimedOutAfter is { } timeout
            ? ($"{Name} did not finish within {NotebookRunner.Describe(timeout)} (--timeout) and was stopped, with every process it started. " +
                $"{ProcessOutput}").TrimEnd()
        : Failure is not null
            ? $"{Name} failed at {Failure}"
            : $"{Name} failed: dotnet-repl exited {ExitCode} without an executed notebook. {ProcessOutput}";
}
