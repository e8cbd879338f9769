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

    /// <summary>The signals that stop a run, each with its conventional number and name.</summary>
    private static readonly Dictionary<PosixSignal, (int Number, string Name)> Stopping = new()
    {
        [PosixSignal.SIGINT] = (2, "SIGINT"),
        [PosixSignal.SIGTERM] = (15, "SIGTERM"),
        [PosixSignal.SIGHUP] = (1, "SIGHUP"),
        [PosixSignal.SIGQUIT] = (3, "SIGQUIT"),
    };

    private readonly CancellationTokenSource stop = new();
    private readonly IDisposable registrations;
    private int signal;

    public StopSignals() => registrations = Register(OnSignal);

    /// <summary>
    /// Hands each of the stopping signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) to <paramref name="handler"/> until the result is
    /// disposed; a signal the platform does not support is left out.
    /// </summary>
    internal static IDisposable Register(Action<PosixSignalContext> handler)
    {
        var registrations = new List<PosixSignalRegistration>();
        foreach (var posix in Stopping.Keys)
            try
            {
                registrations.Add(PosixSignalRegistration.Create(posix, handler));
            }
            catch (PlatformNotSupportedException) { }
        return new Registrations(registrations);
    }

    public CancellationToken Token => stop.Token;

    /// <summary>The number of the first signal received (2 for SIGINT, 15 for SIGTERM, ...), or null.</summary>
    public int? Signal => Volatile.Read(ref signal) is var s and > 0 ? s : null;

    /// <summary>The conventional exit code for a process ended by <see cref="Signal"/>.</summary>
    public int ExitCode => 128 + (Signal ?? 0);

    public static string Name(int number) => Stopping.Values.FirstOrDefault(s => s.Number == number).Name ?? $"signal {number}";

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the runner ends itself, after stopping what it started
        var number = Stopping[context.Signal].Number; // only the stopping signals are registered
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
        registrations.Dispose();
        stop.Dispose();
    }

    private sealed class Registrations(List<PosixSignalRegistration> all) : IDisposable
    {
        public void Dispose() => all.ForEach(r => r.Dispose());
    }
}
