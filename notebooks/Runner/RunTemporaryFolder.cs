namespace PopHealth.Runner;

/// <summary>
/// One temporary folder for everything a run puts in the system's temporary folder: the runner points its own
/// <c>TMPDIR</c> (<c>TMP</c> and <c>TEMP</c> on Windows) at it, so the headless browser's profile and page, the kernels'
/// scratch files and Chromium's own files land there, and inherit it. Removed when the run ends; when the runner is
/// killed outright its watchdog removes it (<see cref="RunnerGuard.RemoveAtEnd"/>), so a killed browser leaves no
/// profile behind either.
/// </summary>
public sealed class RunTemporaryFolder : IDisposable
{
    private static readonly string[] Variables = OperatingSystem.IsWindows() ? ["TMP", "TEMP"] : ["TMPDIR"];
    private readonly Dictionary<string, string?> previous;

    public string Path { get; }

    public RunTemporaryFolder()
    {
        Path = Directory.CreateTempSubdirectory("pophealth-run-").FullName;
        previous = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var variable in Variables) Environment.SetEnvironmentVariable(variable, Path);
    }

    public void Dispose()
    {
        foreach (var (variable, value) in previous) Environment.SetEnvironmentVariable(variable, value);
        Remove(Path);
    }

    /// <summary>Removes <paramref name="folder"/> and everything in it, as far as it can (best effort).</summary>
    public static void Remove(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
