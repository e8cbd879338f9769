using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using PopHealth.Runner;

namespace PopHealth.Tests.Runner;

/// <summary>
/// The runner command (<c>PopHealth.Runner.dll</c>) started as a user starts it, and every process it leads to: a
/// background sampler records, every 100 ms, each process under the runner (from /proc parents) and each carrying this
/// run's mark in its environment (a variable every child inherits, so found even after it was re-parented away; Chromium
/// overwrites its helpers' environment, which the parent links find). <see cref="Survivors"/> lists those still running.
/// </summary>
internal sealed class RunnerProcess : IAsyncDisposable
{
    private const string MarkVariable = "RUNNER_TEST_MARK";

    private readonly string mark = Guid.NewGuid().ToString("N");
    private readonly Dictionary<int, (long Started, string Name)> family = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private readonly StringBuilder stdout = new(), stderr = new();

    public Process Process { get; }

    public RunnerProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "" };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PopHealth.Runner.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment[MarkVariable] = mark;
        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        Process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
        sampling = ProcFs.Available ? Task.Run(SampleAsync) : Task.CompletedTask;
    }

    public string Output { get { lock (stdout) return stdout.ToString(); } }

    public string Error { get { lock (stderr) return stderr.ToString(); } }

    /// <summary>Waits for the runner to exit (and its output to end); returns its exit code.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cancel.Token);
        return Process.ExitCode;
    }

    /// <summary>Every process seen so far (name and id), the runner included.</summary>
    public IReadOnlyList<string> Seen()
    {
        lock (family) return family.Select(f => $"{f.Value.Name} ({f.Key})").ToList();
    }

    /// <summary>Processes seen that still run, and any process carrying the mark: none once the runner and its cleanup are done.</summary>
    public IReadOnlyList<string> Survivors()
    {
        if (!ProcFs.Available) return [];
        Sample();
        lock (family)
            return family.Where(StillRuns).Select(f => $"{f.Value.Name} ({f.Key}) {Describe(f.Key)}").ToList();
    }

    /// <summary>Whether a process seen (its id, and its start time and name when seen) still runs as itself: a reused id does not.</summary>
    private static bool StillRuns(KeyValuePair<int, (long Started, string Name)> seen) =>
        !ProcFs.HasEnded(seen.Key) && ProcFs.StartTicks(seen.Key) == seen.Value.Started;

    /// <summary>Waits (at most <paramref name="patience"/>) until no process of the run is left; returns the ones still left.</summary>
    public async Task<IReadOnlyList<string>> SurvivorsAfterAsync(TimeSpan patience)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = Survivors();
            if (left.Count == 0 || watch.Elapsed > patience) return left;
            await Task.Delay(200);
        }
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Sends signal <paramref name="number"/> (2 SIGINT, 9 SIGKILL, 15 SIGTERM) to the runner only.</summary>
    public void Signal(int number) => Assert.Equal(0, SendSignal(Process.Id, number));

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do Sample();
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException) { }
    }

    private void Sample()
    {
        var parents = ProcFs.Parents();
        var members = ProcFs.Descendants(Process.Id, parents).Append(Process.Id).Concat(parents.Keys.Where(Marked)).Distinct();
        foreach (var pid in members)
            if (!ProcFs.HasEnded(pid) && ProcFs.StartTicks(pid) is { } started)
                lock (family) family.TryAdd(pid, (started, Name(pid)));
    }

    private bool Marked(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains($"{MarkVariable}={mark}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone, or not ours to read
        }
    }

    private static string Name(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "?"; }
    }

    private static string Describe(int pid)
    {
        try
        {
            var command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return command.Length > 120 ? command[..120] : command;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Stops sampling; kills whatever of the run is still alive, so that a failing test leaves nothing behind either.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        List<int> alive;
        lock (family) alive = family.Where(StillRuns).Select(f => f.Key).ToList();
        foreach (var pid in alive)
            try { using var process = System.Diagnostics.Process.GetProcessById(pid); process.Kill(entireProcessTree: true); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
        stop.Dispose();
    }
}
