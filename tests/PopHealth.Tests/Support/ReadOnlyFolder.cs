using System.Diagnostics;
using PopHealth.Workbook;

namespace PopHealth.Tests;

/// <summary>
/// A folder this process cannot write: mode 0555 and, for root (whom modes do not stop), the immutable attribute where
/// the machine allows it. <see cref="IsReadOnly"/> says whether it worked; disposing makes it writable again.
/// </summary>
internal sealed class ReadOnlyFolder : IDisposable
{
    private readonly string path;
    private bool immutable;

    private const string Unwritable = "/sys/kernel";
    private bool linked;

    private ReadOnlyFolder(string path) => this.path = path;

    public bool IsReadOnly { get; private set; }

    public static ReadOnlyFolder Make(string path)
    {
        Directory.CreateDirectory(path);
        var folder = new ReadOnlyFolder(path);
        if (OperatingSystem.IsWindows()) return folder;
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (folder.Probe() && OperatingSystem.IsLinux()) folder.immutable = Run("chattr", "+i", path);
        if (folder.Probe() && OperatingSystem.IsLinux() && Directory.Exists(Unwritable))
        {
            // Root in a container may be refused chattr: the folder becomes a link to a sysfs folder, which nobody can add files to.
            Directory.Delete(path);
            Directory.CreateSymbolicLink(path, Unwritable);
            folder.linked = true;
        }
        folder.IsReadOnly = !folder.Probe();
        return folder;
    }

    /// <summary>Whether this process can still write a new file in the folder.</summary>
    private bool Probe() => WritableFolder.Problem(path) is null;

    private static bool Run(string tool, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such tool
        }
    }

    public void Dispose()
    {
        if (linked) { File.Delete(path); return; } // the link only, never what it points at
        if (immutable) Run("chattr", "-i", path);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
