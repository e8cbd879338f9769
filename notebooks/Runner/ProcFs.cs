using System.Globalization;

namespace PopHealth.Runner;

/// <summary>What Linux's <c>/proc</c> tells about processes: each one's parent, hence the processes under a root.</summary>
public static class ProcFs
{
    /// <summary>Whether <c>/proc</c> can be read (Linux); elsewhere the callers fall back or report nothing.</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux() && Directory.Exists("/proc/self");

    /// <summary>Every visible process's parent (a process ending between the listing and the reading is left out).</summary>
    public static Dictionary<int, int> Parents()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ParentOf(pid) is { } parent)
                parents[pid] = parent;
        return parents;
    }

    /// <summary>The processes under <paramref name="root"/> (children, their children, ...), not the root itself.</summary>
    public static IReadOnlyList<int> Descendants(int root, IReadOnlyDictionary<int, int>? parents = null)
    {
        parents ??= Parents();
        return parents.Keys.Where(pid => pid != root && Descends(pid, root, parents)).ToArray();
    }

    private static bool Descends(int pid, int root, IReadOnlyDictionary<int, int> parents)
    {
        for (var depth = 0; depth < 64; depth++)
        {
            if (pid == root) return true;
            if (!parents.TryGetValue(pid, out pid)) return false;
        }
        return false;
    }

    /// <summary>The parent process id from <c>/proc/PID/stat</c>, or null when the process is gone.</summary>
    public static int? ParentOf(int pid) =>
        Stat(pid) is { } fields && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;

    /// <summary>
    /// When the process started (clock ticks after boot, <c>/proc/PID/stat</c> field 22): with its id, it names one
    /// process, never a later one reusing the id.
    /// </summary>
    public static long? StartTicks(int pid) =>
        Stat(pid) is { Length: > 19 } fields && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks
            : null;

    /// <summary>
    /// Whether the process has ended: gone, or a zombie (dead, its exit status not yet collected by its parent, which for
    /// an orphan is init; it holds no memory and cannot be killed, since it is no longer running).
    /// </summary>
    public static bool HasEnded(int pid) => Stat(pid) is not { } fields || fields[0] is "Z" or "X";

    /// <summary>The fields of <c>/proc/PID/stat</c> after the parenthesised name (which may hold spaces): state, parent, ...</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 2 ? fields : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null; // the process ended between listing and reading
        }
    }
}
