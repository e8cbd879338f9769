using System.Diagnostics;
using PopHealth.Runner;

namespace PopHealth.Tests.Runner;

[Trait("Category", "Unit")]
public class ProcessTreeMemoryTests
{
    [FactWhere(Need.Linux)] // /proc only; elsewhere the runner reports no figure
    public async Task The_peak_is_the_largest_process_under_the_root_a_grandchild_included()
    {
        // A shell (the root) starts Python (its child), which holds 200 MiB for a second: as dotnet tool run starts the kernel.
        var start = new ProcessStartInfo("/bin/sh", ["-c", "/usr/bin/python3 -c 'import time; x = bytearray(200 << 20); time.sleep(1.5)'; true"]);
        using var process = Process.Start(start)!;
        long peak;
        await using (var memory = ProcessTreeMemory.Start(process.Id))
        {
            await process.WaitForExitAsync();
            peak = memory!.PeakBytes;
        }
        Assert.Equal(0, process.ExitCode);
        Assert.InRange(peak, 200L << 20, 400L << 20);
    }
}
