using System.Runtime.InteropServices;

namespace PopHealth.Runner;

/// <summary>
/// Turns SIGINT (Ctrl+C), SIGTERM, SIGHUP and SIGQUIT into a cancellation the run observes: the running kernel is then
/// killed with its tree, the browser closed, and the runner exits 128 + the signal's number. A second signal, or cleanup
/// taking longer than <see cref="Grace"/>, exits at once (the process-exit handlers and the watchdog still stop what runs).
/// </summary>
public sealed class StopSignals : IDisposable
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource stop = new();
    private readonly List<PosixSignalRegistration> registrations = [];
    private int signal;

    public StopSignals()
    {
        foreach (var posix in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
            try
            {
                registrations.Add(PosixSignalRegistration.Create(posix, OnSignal));
            }
            catch (PlatformNotSupportedException) { }
    }

    public CancellationToken Token => stop.Token;

    /// <summary>The number of the first signal received (2 for SIGINT, 15 for SIGTERM, ...), or null.</summary>
    public int? Signal => Volatile.Read(ref signal) is var s and > 0 ? s : null;

    /// <summary>The conventional exit code for a process ended by <see cref="Signal"/>.</summary>
    public int ExitCode => 128 + (Signal ?? 0);

    public static string Name(int number) => number switch { 1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 15 => "SIGTERM", _ => $"signal {number}" };

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the runner ends itself, after stopping what it started
        var number = context.Signal switch { PosixSignal.SIGHUP => 1, PosixSignal.SIGINT => 2, PosixSignal.SIGQUIT => 3, _ => 15 };
        if (Interlocked.CompareExchange(ref signal, number, 0) != 0)
        {
            Environment.Exit(ExitCode); // asked twice: go now
            return;
        }
        stop.Cancel();
        _ = Task.Delay(Grace).ContinueWith(_ => Environment.Exit(ExitCode), TaskScheduler.Default);
    }

    public void Dispose()
    {
        registrations.ForEach(r => r.Dispose());
        stop.Dispose();
    }
}
