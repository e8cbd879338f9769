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
        ["01-convert", "02-explore", "03-transform", "04-train", "05-synthesize", "06-infer", "07-report"];
}

/// <summary>
/// Runs notebooks headless with dotnet-repl (pinned in .config/dotnet-tools.json), one process each,
/// writes the executed copies, and stops at the first notebook with a failing cell. A notebook past its timeout, or a
/// run cancelled (the runner was asked to stop), has its kernel killed with every process under it, and its partial
/// output removed. Every process started is watched by <paramref name="guard"/>, when given, until it ends.
/// </summary>
public sealed class NotebookRunner(RunnerOptions options, TextWriter log, RunnerGuard? guard = null)
{
    private bool toolsRestored;

    /// <summary>Runs <paramref name="notebooks"/> in the order given; stops at the first failure.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired; the notebook then running was stopped.</exception>
    public async Task<IReadOnlyList<NotebookResult>> RunAsync(IReadOnlyList<string> notebooks, CancellationToken cancel = default)
    {
        CheckNotebooks(options.NotebookDirectory, notebooks);
        CheckLibraryFeed(options.RepositoryRoot);

        var results = new List<NotebookResult>();
        for (var i = 0; i < notebooks.Count; i++)
        {
            log.WriteLine($"[{i + 1}/{notebooks.Count}] {notebooks[i]} ...");
            var result = await RunOneAsync(notebooks[i], cancel);
            cancel.ThrowIfCancellationRequested(); // a kernel that ended on the same Ctrl+C as the runner did not fail
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

    /// <summary>
    /// Refuses names with no <c>.dib</c> in <paramref name="folder"/>, naming them and the notebooks there; the
    /// <see cref="RunnerUsageException.Argument"/> is the first missing name, or <paramref name="defaultsFrom"/> when the
    /// names were not given (the workbook's, missing from the folder that option named).
    /// </summary>
    public static void CheckNotebooks(string folder, IReadOnlyList<string> names, string? defaultsFrom = null)
    {
        var missing = names.Where(n => !File.Exists(Path.Combine(folder, n + ".dib"))).Distinct().ToList();
        if (missing.Count == 0) return;
        // _setup.dib is imported, not run
        var available = Directory.GetFiles(folder, "*.dib").Select(Path.GetFileNameWithoutExtension).Where(n => !n!.StartsWith('_')).Order();
        var quoted = string.Join(", ", missing.Select(n => $"'{n}'"));
        throw new RunnerUsageException(defaultsFrom ?? missing[0], defaultsFrom is null
            ? $"No notebook named {quoted} in {folder}. Available: {string.Join(", ", available)}."
            : $"{defaultsFrom} names {folder}, which lacks the workbook's {quoted}: name the notebooks to run there " +
                $"({string.Join(", ", available)}).");
    }

    /// <summary>Refuses to start without the library package the notebooks load (built by <c>dotnet build lib</c>).</summary>
    public static void CheckLibraryFeed(string repositoryRoot)
    {
        var feed = Path.Combine(repositoryRoot, "artifacts", "feed");
        if (!Directory.Exists(feed) || Directory.GetFiles(feed, "PopHealth.Workbook.*.nupkg").Length == 0)
            throw new RunnerSetupException(
                $"No PopHealth.Workbook package in {feed}. Build the library first: dotnet build {Path.Combine(repositoryRoot, "lib")}");
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
            if (exitCode is null)
                return new NotebookResult(name, -1, watch.Elapsed, null, null, Tail(output), peak, TimedOutAfter: options.NotebookTimeout);
            if (!File.Exists(raw))
                return new NotebookResult(name, exitCode == 0 ? -1 : exitCode.Value, watch.Elapsed, null, null, Tail(output), peak);

            var executed = ExecutedNotebook.Load(raw);
            executed.TidyErrors();
            var failure = executed.FirstFailure();
            executed.RemoveRestoreProgress();
            executed.CollapseProgressUpdates();
            executed.AddChartImages();
            executed.HideMachinePaths(options.RepositoryRoot, options.Environment.GetValueOrDefault(WorkbookVariables.Data));
            executed.NumberCells(name);
            AtomicFile.WriteAllText(rendered, executed.ToJson());
            return new NotebookResult(name, exitCode.Value, watch.Elapsed, rendered, failure, exitCode == 0 ? null : Tail(output), peak);
        }
        finally
        {
            // The kernel is gone (ended or killed with its tree) before this runs: nothing writes the partial file any more.
            if (File.Exists(raw)) File.Delete(raw);
        }
    }

    private async Task RestoreToolsAsync(CancellationToken cancel)
    {
        if (toolsRestored) return;
        var (exitCode, output, _) = await RunDotnetAsync(["tool", "restore"], options.RepositoryRoot, TimeSpan.FromMinutes(10), "dotnet tool restore",
            cancel);
        if (exitCode is null)
            throw new RunnerSetupException($"'dotnet tool restore' did not finish within 10 min in {options.RepositoryRoot} " +
                $"and was stopped: {Tail(output)}");
        if (exitCode != 0)
            throw new RunnerSetupException($"'dotnet tool restore' failed in {options.RepositoryRoot} (exit {exitCode}): {Tail(output)}");
        toolsRestored = true;
    }

    /// <summary>
    /// Runs the dotnet host; prints a heartbeat, since dotnet-repl prints nothing while it runs. Also returns the peak
    /// resident memory of the largest process it started (the kernel), where the system can tell. Past
    /// <paramref name="timeout"/> the process is killed with its whole tree and the exit code is null; on
    /// <paramref name="cancel"/> it is killed the same way and <see cref="OperationCanceledException"/> thrown.
    /// </summary>
    private async Task<(int? ExitCode, string Output, long? PeakBytes)> RunDotnetAsync(IReadOnlyList<string> arguments, string workingDirectory,
        TimeSpan timeout, string what, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        using var process = Start(StartInfo(arguments, workingDirectory), what);
        guard?.Watch(process);
        try
        {
            await using var memory = ProcessTreeMemory.Start(process.Id);
            process.StandardInput.Close();
            var output = new ProcessOutput(process);
            var ended = await WaitAsync(process, timeout, what, cancel);
            if (!ended)
            {
                RunnerGuard.KillTree(process);
                cancel.ThrowIfCancellationRequested();
                await output.CompleteAsync(OutputGrace);
                log.WriteLine($"      ... {what} did not finish within {Describe(timeout)}: stopped, with every process it started");
                return (null, output.Text, memory?.PeakBytes);
            }
            var complete = await output.CompleteAsync(OutputGrace);
            if (!complete)
                log.WriteLine($"      ... {what} exited but a process it started still holds its output open; " +
                    $"going on without the rest of its output");
            return (process.ExitCode, output.Text, memory?.PeakBytes);
        }
        finally
        {
            RunnerGuard.KillTree(process); // on every way out (an exception too): nothing the kernel started outlives its notebook
            guard?.Forget(process);
        }
    }

    private static Process Start(ProcessStartInfo start, string what)
    {
        try
        {
            return Process.Start(start) ?? throw new RunnerSetupException($"Could not start {start.FileName} for {what}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RunnerSetupException($"Could not start {start.FileName} for {what}: {e.Message}");
        }
    }

    private ProcessStartInfo StartInfo(IReadOnlyList<string> arguments, string workingDirectory)
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
        return start;
    }

    /// <summary>True when the process exited; false past the timeout or on cancellation. Prints a heartbeat every 30 s.</summary>
    private async Task<bool> WaitAsync(Process process, TimeSpan timeout, string what, CancellationToken cancel)
    {
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
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A timeout as a reader gives it: "30 min", "2.5 min", "20 s".</summary>
    internal static string Describe(TimeSpan timeout) => timeout.TotalMinutes >= 1
        ? $"{timeout.TotalMinutes.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} min"
        : $"{timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";

    /// <summary>How long the output of an exited process may still take to close (see <see cref="ProcessOutput"/>).</summary>
    internal static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(15);

    /// <summary>The dotnet host running this process when started by the SDK, else dotnet on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Tail(string text, int lines = 15) =>
        string.Join(Environment.NewLine, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines)).Trim();
}
