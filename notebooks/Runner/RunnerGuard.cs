using System.Diagnostics;

namespace PopHealth.Runner;

/// <summary>
/// The runner's side of its process cleanup. Every process the runner starts (each notebook's kernel, the headless
/// browser) is <see cref="Watch">watched</see> here until it ends, for two reasons:
/// <list type="bullet">
/// <item>In this process: <see cref="StopAll"/> kills each watched process with its whole tree, on every way out that
/// runs code (normal end, failure, exception, signal; <see cref="AppDomain.ProcessExit"/> as a last resort).</item>
/// <item>In a separate watchdog process (<see cref="Guardian"/>, the runner's own program started with
/// <see cref="GuardianArgument"/>): it is told each watched process id through its standard input, and when that input
/// ends (the runner exited, however: also when killed with SIGKILL, when no code of the runner runs) it kills whatever
/// is still alive.</item>
/// </list>
/// </summary>
public sealed class RunnerGuard : IAsyncDisposable
{
    /// <summary>The hidden first argument that makes the runner's program the watchdog of the process id that follows.</summary>
    public const string GuardianArgument = "--guardian-of";

    private readonly Dictionary<int, Process> watched = [];
    private readonly Process? guardian;
    private readonly StreamWriter? commands;

    private RunnerGuard(Process? guardian)
    {
        this.guardian = guardian;
        commands = guardian?.StandardInput;
        if (commands is not null) commands.AutoFlush = true;
        AppDomain.CurrentDomain.ProcessExit += StopAtExit;
    }

    /// <summary>
    /// Starts the watchdog process (this program again: <paramref name="program"/> and its leading arguments, e.g. the
    /// dotnet host and the runner's DLL). When it cannot start, the guard still cleans up in process and says so on
    /// <paramref name="log"/>.
    /// </summary>
    public static RunnerGuard Start(string program, IReadOnlyList<string> leadingArguments, TextWriter log)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true, // never written: the runner's own output stays the runner's
            RedirectStandardError = false, // inherited: what the watchdog stopped is said where the runner's errors go
        };
        foreach (var argument in leadingArguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add(GuardianArgument);
        start.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            return new RunnerGuard(Process.Start(start));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            log.WriteLine($"warning: the runner's watchdog could not start ({e.Message}); " +
                $"processes are stopped only when the runner can stop them itself.");
            return new RunnerGuard(null);
        }
    }

    /// <summary>Watches <paramref name="process"/> (just started) until <see cref="Forget"/>.</summary>
    public void Watch(Process process)
    {
        lock (watched) watched[process.Id] = process;
        Tell($"watch {process.Id}");
    }

    /// <summary>Stops watching <paramref name="process"/>: it ended, or was stopped.</summary>
    public void Forget(Process process)
    {
        lock (watched) watched.Remove(process.Id);
        Tell($"forget {process.Id}");
    }

    /// <summary>Has the watchdog remove <paramref name="folder"/> if the runner ends without removing it itself.</summary>
    public void RemoveAtEnd(string folder) => Tell($"remove {folder}");

    /// <summary>Kills every watched process that is still running, with its whole process tree; returns how many.</summary>
    public int StopAll()
    {
        Process[] running;
        lock (watched) running = [.. watched.Values];
        var stopped = running.Count(p => KillTree(p));
        lock (watched) watched.Clear();
        return stopped;
    }

    /// <summary>
    /// Kills <paramref name="process"/> and every process under it; false when it had already ended. With
    /// <paramref name="wait"/>, waits (at most 10 s) for it to end: for a child of this process, whose exit this process
    /// collects, so that its files are closed when this returns.
    /// </summary>
    public static bool KillTree(Process process, bool wait = true)
    {
        try
        {
            if (process.HasExited) return false;
            process.Kill(entireProcessTree: true);
            if (wait) process.WaitForExit(TimeSpan.FromSeconds(10));
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false; // it ended meanwhile, or was never started
        }
    }

    private void Tell(string command)
    {
        if (commands is null) return;
        try
        {
            lock (commands) commands.WriteLine(command);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The watchdog is gone; cleanup in process still works.
        }
    }

    private void StopAtExit(object? sender, EventArgs e) => StopAll();

    /// <summary>Stops what is still running, then ends the watchdog by closing its input, and waits for it (briefly).</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= StopAtExit;
        StopAll();
        if (guardian is null) return;
        try
        {
            lock (commands!) commands.Close();
        }
        catch (IOException) { }
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await guardian.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree(guardian);
        }
        guardian.Dispose();
    }
}
