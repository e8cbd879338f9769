using System.Diagnostics;
using System.Text;

namespace PopHealth.Runner;

/// <summary>
/// A started process's standard output and error, gathered as they arrive. A grandchild that outlives the process (a
/// browser it started) inherits the pipes and can hold them open: <see cref="CompleteAsync"/> then gives up after a grace
/// period and <see cref="Text"/> holds what arrived, instead of the reader waiting for an end that never comes.
/// </summary>
public sealed class ProcessOutput
{
    private readonly StringBuilder stdout = new(), stderr = new();
    private readonly Task pumps;

    public ProcessOutput(Process process) =>
        pumps = Task.WhenAll(PumpAsync(process.StandardOutput, stdout), PumpAsync(process.StandardError, stderr));

    /// <summary>Standard output, then standard error, as far as they arrived.</summary>
    public string Text
    {
        get
        {
            lock (stdout) lock (stderr) return stdout.ToString() + stderr;
        }
    }

    /// <summary>Waits for both streams to end, at most <paramref name="grace"/>; false when they are still open.</summary>
    public async Task<bool> CompleteAsync(TimeSpan grace) => await Task.WhenAny(pumps, Task.Delay(grace)) == pumps;

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
            lock (into) into.Append(buffer, 0, read);
    }
}
