using System.Diagnostics;

namespace PopHealth.Runner;

/// <summary>
/// The runner's watchdog, a separate process (see <see cref="RunnerGuard"/>). It reads <c>watch PID</c> and
/// <c>forget PID</c> lines from its standard input, a pipe whose other end only the runner holds. The operating system
/// closes that end when the runner exits for any reason, SIGKILL included; the watchdog then kills every watched process
/// still running, with its whole tree, and exits. It also notices the runner's end by polling its process id, in case
/// the pipe stays open. On Linux it also records, every <see cref="SnapshotInterval"/>, every process under the runner,
/// and kills those too: a process started and not yet watched, or one whose parent left it behind (orphans are
/// re-parented away from the runner, so after the runner is gone only a record can find them). A process is identified
/// by its id and start time, so a reused id is never killed. Last, it removes the folders it was told to
/// (<c>remove PATH</c>: the run's temporary folder, with the killed browser's profile).
/// </summary>
public static class Guardian
{
    public static readonly TimeSpan SnapshotInterval = TimeSpan.FromSeconds(1);

    /// <summary>Watches for the end of <paramref name="runnerId"/> (its commands on <paramref name="commands"/>); returns the exit code.</summary>
    public static async Task<int> RunAsync(int runnerId, TextReader commands, TextWriter log)
    {
        // Ignored: Ctrl+C reaches the whole process group; the watchdog waits for the runner's end.
        using var ignored = StopSignals.Register(context => context.Cancel = true);
        if (Identify(runnerId) is not { } runner) return 0; // the runner is already gone, and with it the pipe
        var known = new Dictionary<int, DateTime>();
        var folders = new List<string>();
        using var done = new CancellationTokenSource();
        var watching = WatchRunnerAsync(runner, known, done);
        while (await ReadLineAsync(commands, done.Token) is { } line)
        {
            var parts = line.Split(' ', 2);
            if (parts.Length != 2) continue;
            if (parts[0] == "remove") folders.Add(parts[1]);
            else if (!int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var pid)) continue;
            else if (parts[0] == "watch" && Identify(pid) is { } process) lock (known) known[pid] = process.Started;
            else if (parts[0] == "forget") lock (known) known.Remove(pid);
        }
        await done.CancelAsync();
        await watching;
        var stopped = StopKnown(known);
        folders.ForEach(RunTemporaryFolder.Remove);
        if (stopped.Count > 0)
            log.WriteLine($"pophealth runner watchdog: the runner (pid {runnerId}) ended and left {stopped.Count} process(es) running; " +
                $"stopped {string.Join(", ", stopped)}.");
        return 0;
    }

    private readonly record struct Identity(int Id, DateTime Started);

    private static Identity? Identify(int pid) => WhileRunning<Identity?>(pid, process => new Identity(pid, process.StartTime));

    /// <summary>
    /// What <paramref name="read"/> makes of process <paramref name="pid"/> while it runs; default (null) when there is no
    /// such process, it has ended, or it ends meanwhile.
    /// </summary>
    private static T? WhileRunning<T>(int pid, Func<Process, T> read)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return Ended(process) ? default : read(process);
        }
        catch (Exception e)
            when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return default;
        }
    }

    /// <summary>A zombie (dead, not yet collected by its parent) has ended too, though <see cref="Process.HasExited"/> says not.</summary>
    private static bool Ended(Process process) => process.HasExited || (ProcFs.Available && ProcFs.HasEnded(process.Id));

    /// <summary>Until the runner ends: records its descendants (Linux), and ends the reading when its process is gone.</summary>
    private static async Task WatchRunnerAsync(Identity runner, Dictionary<int, DateTime> known, CancellationTokenSource done)
    {
        using var timer = new PeriodicTimer(SnapshotInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(done.Token))
            {
                if (Identify(runner.Id) != runner)
                {
                    await done.CancelAsync();
                    return;
                }
                if (!ProcFs.Available) continue;
                foreach (var pid in ProcFs.Descendants(runner.Id).Where(p => p != Environment.ProcessId))
                {
                    lock (known)
                        if (known.ContainsKey(pid)) continue; // recorded already: no need to look it up again
                    if (Identify(pid) is { } child) lock (known) known.TryAdd(pid, child.Started);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// The next command, or null at the input's end or when <paramref name="cancel"/> fires (a console read cannot
    /// itself be cancelled).
    /// </summary>
    private static async Task<string?> ReadLineAsync(TextReader commands, CancellationToken cancel)
    {
        var read = commands.ReadLineAsync(CancellationToken.None).AsTask();
        await Task.WhenAny(read, Task.Delay(Timeout.Infinite, cancel));
        return read.IsCompletedSuccessfully ? read.Result : null; // a failed read ends the commands as their end does
    }

    /// <summary>Kills each recorded process still running as itself (same id, same start time), with its tree.</summary>
    private static List<string> StopKnown(Dictionary<int, DateTime> known)
    {
        var stopped = new List<string>();
        foreach (var (pid, started) in known.OrderBy(k => k.Value))
            if (WhileRunning(pid, process => Stop(process, started)) is { } name) stopped.Add(name);
        return stopped;
    }

    /// <summary>
    /// Kills <paramref name="process"/> with its tree if it is still the one started at <paramref name="started"/>: says
    /// which (its name and id), or null.
    /// </summary>
    private static string? Stop(Process process, DateTime started)
    {
        if (process.StartTime != started) return null;
        var name = process.ProcessName;
        return RunnerGuard.KillTree(process, wait: false) ? $"{name} ({process.Id})" : null;
    }
}
