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
    /// <paramref name="path"/>, which is then renamed onto it; on any failure the temporary file is removed.
    /// </summary>
    public static async Task WriteFileAsync(string path, Func<string, Task> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
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
        Write(path, (Stream stream) => { using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true); writer.Write(text); });

    /// <summary>A hidden sibling of <paramref name="path"/>: same folder (so the rename is atomic), unique name.</summary>
    internal static string TemporaryPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
}
