namespace PopHealth.Workbook;

/// <summary>
/// Checks before a run that an output folder can be created and written, by creating it and then a file in it (removed
/// at once): a read-only folder, one under a regular file, or a full disk is refused up front, naming the variable that
/// chose it, instead of failing half way through a run.
/// </summary>
public static class WritableFolder
{
    /// <summary>
    /// Null when <paramref name="folder"/> exists (or was created) and takes a new file; otherwise why not, in words that name
    /// the folder, never the hidden probe file.
    /// </summary>
    public static string? Problem(string folder)
    {
        var probe = Path.Combine(folder, $".pophealth-write-check.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            stream.WriteByte(0);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return e is UnauthorizedAccessException ? "permission denied" : e.Message.Replace(probe, folder, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Throws a <see cref="WorkbookParameterException"/> naming <paramref name="variable"/> unless
    /// <paramref name="folder"/> can be written.
    /// </summary>
    public static void Check(string folder, string variable)
    {
        if (Problem(folder) is { } problem)
            throw new WorkbookParameterException(variable, folder,
                $"a folder this user can create and write in ({problem.TrimEnd('.')}); point {variable} at a writable folder");
    }
}
