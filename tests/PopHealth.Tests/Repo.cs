using PopHealth.Workbook;

namespace PopHealth.Tests;

/// <summary>Paths in the repository for tests.</summary>
internal static class Repo
{
    public static string Root { get; } = WorkbookLocation.FindRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Tests must run inside the workbook repository.");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>A fresh temporary folder, removed when disposed.</summary>
    public static TempFolder Temp() => new();

    /// <summary>Copies every file under <paramref name="from"/> to the same place under <paramref name="to"/> (made as needed).</summary>
    public static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pophealth-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
