using System.Diagnostics;

namespace PopHealth.Tests;

/// <summary>What a test needs from the machine beyond the .NET SDK.</summary>
public enum Need
{
    /// <summary>Linux's <c>/proc</c> (process trees and their memory).</summary>
    Linux,
    /// <summary>A POSIX shell (<c>/bin/sh</c>) for stand-in processes.</summary>
    PosixShell,
    /// <summary>A headless Chromium (Debian's <c>chromium</c>, or <c>POPHEALTH_CHROMIUM</c>).</summary>
    Chromium,
    /// <summary>Python 3 with Jupyter's nbclient (Debian's <c>python3-nbclient</c>).</summary>
    Jupyter,
    /// <summary>A folder can be made unwritable for this user (mode 0555; for root, who ignores modes, the immutable attribute).</summary>
    ReadOnlyFolders,
}

/// <summary>
/// Why a need is not met here, or null when it is. A test that cannot run on a machine is reported as skipped with this
/// reason, never passed (<see cref="FactWhereAttribute"/>); <c>.ci/run</c> installs what CI needs, so CI skips nothing.
/// </summary>
public static class Needs
{
    private static readonly Lazy<string?> Python = new(FindJupyterPython);
    private static readonly Lazy<bool> ReadOnly = new(() =>
    {
        using var probe = Repo.Temp();
        using var folder = ReadOnlyFolder.Make(probe.File("f"));
        return folder.IsReadOnly;
    });

    public static string? Missing(Need need) => need switch
    {
        Need.Linux => OperatingSystem.IsLinux() ? null : "needs Linux's /proc",
        Need.PosixShell => File.Exists("/bin/sh") ? null : "needs a POSIX shell (/bin/sh)",
        Need.Chromium => PopHealth.Charts.StaticImages.Browser is null
            ? "needs a headless Chromium (apt-get install chromium, or set POPHEALTH_CHROMIUM)" : null,
        Need.Jupyter => Python.Value is null ? "needs Python 3 with nbclient (apt-get install python3-nbclient)" : null,
        Need.ReadOnlyFolders => ReadOnly.Value ? null : "this user can write to any folder (root where chattr +i is refused, or Windows)",
        _ => throw new ArgumentOutOfRangeException(nameof(need)),
    };

    /// <summary>The Python that has nbclient (Debian's first, as the packages install there), or null.</summary>
    public static string JupyterPython => Python.Value ?? throw new InvalidOperationException(Missing(Need.Jupyter));

    private static string? FindJupyterPython()
    {
        foreach (var python in new[] { "/usr/bin/python3", "python3", "python" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(python, ["-c", "import nbclient, nbformat"])
                    { RedirectStandardError = true, RedirectStandardOutput = true });
                if (process is null) continue;
                process.WaitForExit(30_000);
                if (process.HasExited && process.ExitCode == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception) { } // not installed under that name
        }
        return null;
    }
}

/// <summary>A fact that runs where its <see cref="Need"/>s are met and is reported skipped, with the reason, elsewhere.</summary>
public sealed class FactWhereAttribute : FactAttribute
{
    public FactWhereAttribute(params Need[] needs) =>
        Skip = needs.Select(Needs.Missing).FirstOrDefault(reason => reason is not null);
}

/// <summary>A theory that runs where its <see cref="Need"/>s are met and is reported skipped, with the reason, elsewhere.</summary>
public sealed class TheoryWhereAttribute : TheoryAttribute
{
    public TheoryWhereAttribute(params Need[] needs) =>
        Skip = needs.Select(Needs.Missing).FirstOrDefault(reason => reason is not null);
}
