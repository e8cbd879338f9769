using System.Diagnostics;
using PopHealth.Runner;

namespace PopHealth.Tests.Runner;

[Trait("Category", "Unit")]
public class ProcessOutputTests
{
    private static Process Shell(string script)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return Process.Start(start)!;
    }

    [FactWhere(Need.PosixShell)]
    public async Task Output_of_a_process_is_gathered_to_its_end()
    {
        using var process = Shell("echo out; echo err >&2");
        var output = new ProcessOutput(process);
        await process.WaitForExitAsync();
        Assert.True(await output.CompleteAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("out\nerr\n", output.Text);
    }

    [FactWhere(Need.PosixShell)]
    public async Task A_grandchild_holding_the_pipes_open_does_not_make_the_reader_wait_for_it()
    {
        // The background subshell inherits stdout and stderr and outlives its parent by a minute, as a browser a kernel
        // started can outlive the kernel.
        using var process = Shell("(sleep 60) & echo before-exit");
        var output = new ProcessOutput(process);
        await process.WaitForExitAsync();
        var watch = Stopwatch.StartNew();
        Assert.False(await output.CompleteAsync(TimeSpan.FromSeconds(2)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"waited {watch.Elapsed}");
        Assert.Equal("before-exit\n", output.Text);
    }
}
