using System.ComponentModel;
using System.Diagnostics;

namespace PopHealth.Workbook;

/// <summary>The processes of this machine as this process can see them: whether one with a given id exists, and when it started.</summary>
public static class LocalProcesses
{
    /// <summary>Two readings of a process's start time, or of a file's, can differ by clock rounding.</summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(2);

    /// <summary>
    /// False when no process has <paramref name="pid"/> (or it exited while being looked at); true otherwise, with its start
    /// time (UTC) in <paramref name="startedUtc"/>, or null when this process may not inspect it.
    /// </summary>
    public static bool TryGetStart(int pid, out DateTime? startedUtc)
    {
        startedUtc = null;
        try
        {
            using var process = Process.GetProcessById(pid);
            startedUtc = process.StartTime.ToUniversalTime();
            return true;
        }
        catch (ArgumentException)
        {
            return false; // no process with this id
        }
        catch (InvalidOperationException)
        {
            return false; // it exited while being looked at
        }
        catch (Win32Exception)
        {
            return true; // not ours to inspect: it exists
        }
    }
}
