namespace PopHealth.Workbook;

/// <summary>Finds the workbook's repository root (the folder holding <c>PopHealth.slnx</c>).</summary>
public static class WorkbookLocation
{
    public const string SolutionFile = "PopHealth.slnx";

    /// <summary>The nearest folder at or above <paramref name="start"/> holding the solution file, or null.</summary>
    public static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                return dir.FullName;
        return null;
    }
}
