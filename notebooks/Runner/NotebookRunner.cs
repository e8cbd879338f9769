using System.Diagnostics;
using PopHealth.Workbook;

namespace PopHealth.Runner;

/// <summary>How to run the notebooks.</summary>
/// <param name="RepositoryRoot">Folder holding PopHealth.slnx, .config/dotnet-tools.json and artifacts/feed.</param>
/// <param name="NotebookDirectory">Folder of the .dib files; also the kernel's working directory, as in VS Code.</param>
/// <param name="RenderedDirectory">Where executed copies (.ipynb) go.</param>
/// <param name="Environment">Variables added to the kernel's environment (POPHEALTH_* etc.).</param>
public sealed record RunnerOptions(
    string RepositoryRoot,
    string NotebookDirectory,
    string RenderedDirectory,
    IReadOnlyDictionary<string, string> Environment,
    TimeSpan NotebookTimeout)
{
    /// <summary>The workbook's notebooks, in pipeline order.</summary>
    public static readonly IReadOnlyList<string> Workbook =
        ["01-convert", "02-explore", "03-transform", "04-train", "05-synthesize", "06-infer"];
}

/// <summary>
/// Runs notebooks headless with dotnet-repl (pinned in .config/dotnet-tools.json), one process each,
/// writes the executed copies, and stops at the first notebook with a failing cell.
/// </summary>
public sealed class NotebookRunner(RunnerOptions options, TextWriter log)
{
    private bool toolsRestored;

    /// <summary>Runs <paramref name="notebooks"/> in the order given; stops at the first failure.</summary>
    public async Task<IReadOnlyList<NotebookResult>> RunAsync(IReadOnlyList<string> notebooks, CancellationToken cancel = default)
    {
        var missing = notebooks.Where(n => !File.Exists(NotebookPath(n))).ToList();
        if (missing.Count > 0)
        {
            var available = Directory.GetFiles(options.NotebookDirectory, "*.dib").Select(Path.GetFileNameWithoutExtension).Where(n => !n!.StartsWith('_')).Order(); // _setup.dib is imported, not run
            throw new ArgumentException($"No notebook named {string.Join(", ", missing)} in {options.NotebookDirectory}. Available: {string.Join(", ", available)}.");
        }
        EnsureLibraryFeed();

        var results = new List<NotebookResult>();
        for (var i = 0; i < notebooks.Count; i++)
        {
            log.WriteLine($"[{i + 1}/{notebooks.Count}] {notebooks[i]} ...");
            var result = await RunOneAsync(notebooks[i], cancel);
            results.Add(result);
            log.WriteLine(result.Succeeded
                ? $"      done in {result.Elapsed.TotalSeconds:F1} s{KernelPeak(result)} -> {result.RenderedPath}"
                : $"      FAILED{(result.Failure is { } f ? $" at cell {f.CellNumber}" : "")} (the error follows)");
            if (!result.Succeeded) break;
        }
        return results;
    }

    private static string KernelPeak(NotebookResult result) =>
        result.PeakBytes is { } bytes ? $", kernel peak {bytes / (1024.0 * 1024):F0} MiB" : "";

    private string NotebookPath(string name) => Path.Combine(options.NotebookDirectory, name + ".dib");

    private void EnsureLibraryFeed()
    {
        var feed = Path.Combine(options.RepositoryRoot, "artifacts", "feed");
        if (!Directory.Exists(feed) || Directory.GetFiles(feed, "PopHealth.Workbook.*.nupkg").Length == 0)
            throw new InvalidOperationException(
                $"No PopHealth.Workbook package in {feed}. Build the library first: dotnet build {Path.Combine(options.RepositoryRoot, "lib")}");
    }

    private async Task<NotebookResult> RunOneAsync(string name, CancellationToken cancel)
    {
        await RestoreToolsAsync(cancel);
        Directory.CreateDirectory(options.RenderedDirectory);
        var rendered = Path.Combine(options.RenderedDirectory, name + ".ipynb");
        var raw = Path.Combine(options.RenderedDirectory, $".{name}.{Environment.ProcessId}.raw.ipynb");
        var watch = Stopwatch.StartNew();
        try
        {
            var (exitCode, output, peak) = await RunDotnetAsync(
                ["tool", "run", "dotnet-repl", "--run", NotebookPath(name), "--exit-after-run",
                 "--output-format", "ipynb", "--output-path", raw],
                options.NotebookDirectory, options.NotebookTimeout, $"notebook {name}", cancel);
            watch.Stop();
            if (!File.Exists(raw))
                return new NotebookResult(name, exitCode == 0 ? -1 : exitCode, watch.Elapsed, null, null, Tail(output), peak);

            var executed = ExecutedNotebook.Load(raw);
            executed.TidyErrors();
            var failure = executed.FirstFailure();
            executed.RemoveRestoreProgress();
            executed.CollapseProgressUpdates();
            executed.AddChartImages();
            executed.HideMachinePaths(options.RepositoryRoot, options.Environment.GetValueOrDefault(WorkbookVariables.Data));
            executed.NumberCells(name);
            AtomicFile.WriteAllText(rendered, executed.ToJson());
            return new NotebookResult(name, exitCode, watch.Elapsed, rendered, failure, exitCode == 0 ? null : Tail(output), peak);
        }
        finally
        {
            if (File.Exists(raw)) File.Delete(raw);
        }
    }

    private async Task RestoreToolsAsync(CancellationToken cancel)
    {
        if (toolsRestored) return;
        var (exitCode, output, _) = await RunDotnetAsync(["tool", "restore"], options.RepositoryRoot, TimeSpan.FromMinutes(10), "dotnet tool restore", cancel);
        if (exitCode != 0)
            throw new InvalidOperationException($"'dotnet tool restore' failed in {options.RepositoryRoot} (exit {exitCode}): {Tail(output)}");
        toolsRestored = true;
    }

    /// <summary>
    /// Runs the dotnet host; prints a heartbeat, since dotnet-repl prints nothing while it runs. Also returns the peak
    /// resident memory of the largest process it started (the kernel), where the system can tell.
    /// </summary>
    private async Task<(int ExitCode, string Output, long? PeakBytes)> RunDotnetAsync(IReadOnlyList<string> arguments, string workingDirectory,
        TimeSpan timeout, string what, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in options.Environment) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName} for {what}.");
        await using var memory = ProcessTreeMemory.Start(process.Id);
        process.StandardInput.Close();
        var output = new ProcessOutput(process);
        var watch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        var exited = process.WaitForExitAsync(deadline.Token);
        while (!exited.IsCompleted)
        {
            await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(30), CancellationToken.None));
            if (!exited.IsCompleted) log.WriteLine($"      ... {what} still running ({watch.Elapsed.TotalSeconds:F0} s)");
        }
        try
        {
            await exited;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} did not finish within {timeout.TotalMinutes:F0} min and was stopped.");
        }
        var complete = await output.CompleteAsync(OutputGrace);
        if (!complete) log.WriteLine($"      ... {what} exited but a process it started still holds its output open; going on without the rest of its output");
        return (process.ExitCode, output.Text, memory?.PeakBytes);
    }

    /// <summary>How long the output of an exited process may still take to close (see <see cref="ProcessOutput"/>).</summary>
    internal static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(15);

    /// <summary>The dotnet host running this process when started by the SDK, else dotnet on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Tail(string text, int lines = 15) =>
        string.Join(Environment.NewLine, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines)).Trim();
}
