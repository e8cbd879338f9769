using System.Text.RegularExpressions;

namespace PopHealth.Workbook;

/// <summary>
/// Every output of the workbook is written through here: to a temporary file beside the target,
/// then renamed over it, so a failed or interrupted run never leaves a file that looks complete.
/// </summary>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> against a temporary path, then moves it onto <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write) =>
        WriteFileAsync(path, temporary => { write(temporary); return Task.CompletedTask; }).GetAwaiter().GetResult();

    /// <summary>Writes through a stream opened on a temporary file, then renames it onto <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write) => Write(path, (string temporary) =>
    {
        using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>Writes through a stream opened on a temporary file (asynchronously), then renames it onto <paramref name="path"/>.</summary>
    public static Task WriteAsync(string path, Func<Stream, Task> write) => WriteFileAsync(path, async temporary =>
    {
        await using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await write(stream);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>
    /// The one place outputs are committed: <paramref name="write"/> fills a temporary path beside
    /// <paramref name="path"/>, which is then renamed onto it; on any failure the temporary file is removed. What a killed
    /// earlier write of the same file left beside it goes first (<see cref="SweepLeftovers"/>).
    /// </summary>
    public static async Task WriteFileAsync(string path, Func<string, Task> write)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        SweepLeftovers(folder, Path.GetFileName(full));
        var temporary = TemporaryPathFor(full);
        try
        {
            await write(temporary);
            if (!File.Exists(temporary))
                throw new InvalidOperationException($"Writing '{full}' produced no file.");
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes text (UTF-8, no byte-order mark) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, (Stream stream) =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>A hidden sibling of <paramref name="path"/>: same folder (so the rename is atomic), unique name naming the writing process.</summary>
    internal static string TemporaryPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>The name of a temporary file <see cref="TemporaryPathFor"/> gives: <c>.&lt;target&gt;.&lt;pid&gt;.&lt;32 hex&gt;.tmp</c>.</summary>
    public static readonly Regex TemporaryName = new(@"^\.(?<target>.+)\.(?<pid>\d+)\.[0-9a-f]{32}\.tmp$", RegexOptions.Compiled);

    /// <summary>
    /// Removes the temporary files that writers killed mid-write (kill -9, a power cut) left in <paramref name="folder"/>
    /// (only those of <paramref name="target"/> when given): a file is removed only when the process named in it is gone from
    /// this machine, that is no process has its id, or the one that has it started after the file was last written (the id
    /// was reused). A live writer's temporary file, this process's own and any other file are left alone. Returns the
    /// files removed. A folder shared by several machines may hold a live writer of another machine whose id is free
    /// here: sweep such folders only from the machine that writes them.
    /// </summary>
    public static IReadOnlyList<string> SweepLeftovers(string folder, string? target = null)
    {
        if (!Directory.Exists(folder)) return [];
        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp"))
        {
            var match = TemporaryName.Match(Path.GetFileName(file));
            if (!match.Success || (target is not null && match.Groups["target"].Value != target)) continue;
            if (!int.TryParse(match.Groups["pid"].Value, System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var pid))
                continue;
            if (!WriterIsGone(pid, File.GetLastWriteTimeUtc(file))) continue;
            try
            {
                File.Delete(file);
                removed.Add(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Removed by another sweeper a moment ago, or not ours to remove: the next open tries again.
            }
        }
        return removed;
    }

    private static bool WriterIsGone(int pid, DateTime lastWrittenUtc)
    {
        if (pid == Environment.ProcessId) return false; // this process's own write, perhaps under way on another thread
        if (!LocalProcesses.TryGetStart(pid, out var started)) return true;
        return started is { } start && start > lastWrittenUtc + LocalProcesses.ClockTolerance;
    }
}
