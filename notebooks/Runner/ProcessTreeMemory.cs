using System.Globalization;

namespace PopHealth.Runner;

/// <summary>
/// The peak resident memory of the largest process under a root process (on Linux, from <c>/proc</c>): the notebook's
/// kernel, which <c>dotnet tool run</c> starts as a child. Each process's own high-water mark (<c>VmHWM</c>) is read
/// every <see cref="Interval"/> while it lives; the mark only grows, so a sample misses at most what the process added
/// in its last interval. GNU time's <c>%M</c> on the runner would report the same largest process, but also counts the
/// build that <c>dotnet run</c> does first.
/// </summary>
public sealed class ProcessTreeMemory : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly int root;
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private long peakBytes;

    private ProcessTreeMemory(int root)
    {
        this.root = root;
        sampling = Task.Run(SampleAsync);
    }

    /// <summary>Starts sampling the tree under <paramref name="rootProcessId"/>; null where <c>/proc</c> cannot tell (not Linux).</summary>
    public static ProcessTreeMemory? Start(int rootProcessId) => ProcFs.Available ? new ProcessTreeMemory(rootProcessId) : null;

    /// <summary>The largest high-water mark seen in one process of the tree, in bytes.</summary>
    public long PeakBytes => Interlocked.Read(ref peakBytes);

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do Sample();
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException) { }
    }

    private void Sample()
    {
        foreach (var pid in ProcFs.Descendants(root).Append(root))
            if (HighWaterMark(pid) is { } bytes && bytes > PeakBytes) Interlocked.Exchange(ref peakBytes, bytes);
    }

    /// <summary><c>VmHWM</c> from <c>/proc/PID/status</c> (kB), in bytes.</summary>
    private static long? HighWaterMark(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        Sample(); // a last look, while the processes may still be there
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }
}
