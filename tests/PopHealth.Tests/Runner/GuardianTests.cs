using System.Diagnostics;
using System.IO.Pipes;
using PopHealth.Runner;

namespace PopHealth.Tests.Runner;

/// <summary>The runner's watchdog (<see cref="Guardian"/>), run in process against stand-in processes.</summary>
[Trait("Category", "Unit")]
public class GuardianTests
{
    private static Process Sleep() => Process.Start(new ProcessStartInfo("sleep", "120") { RedirectStandardOutput = true })!;

    private static bool Running(Process process)
    {
        process.Refresh();
        return !process.HasExited;
    }

    [FactWhere(Need.PosixShell)]
    public async Task At_the_end_of_its_input_it_stops_the_watched_processes_not_the_forgotten_ones_and_removes_the_folders()
    {
        using var runner = Sleep();
        using var kernel = Sleep();
        using var ended = Sleep();
        using var temp = Repo.Temp();
        var folder = temp.File("run-temporary");
        Directory.CreateDirectory(Path.Combine(folder, "profile"));
        var log = new StringWriter();
        try
        {
            var commands = new StringReader($"watch {kernel.Id}\nwatch {ended.Id}\nforget {ended.Id}\nremove {folder}\nnonsense\nwatch x\n");
            Assert.Equal(0, await Guardian.RunAsync(runner.Id, commands, log));
            Assert.True(kernel.WaitForExit(TimeSpan.FromSeconds(10)), "the watched process still runs");
            Assert.True(Running(ended), "a forgotten process was stopped");
            Assert.False(Directory.Exists(folder));
            Assert.Contains($"the runner (pid {runner.Id}) ended and left 1 process(es) running; stopped sleep ({kernel.Id})", log.ToString());
        }
        finally
        {
            foreach (var process in new[] { runner, kernel, ended }) if (Running(process)) process.Kill();
        }
    }

    [FactWhere(Need.PosixShell)]
    public async Task When_the_runner_ends_but_its_pipe_stays_open_the_watchdog_notices_by_its_process_id()
    {
        using var runner = Sleep();
        using var kernel = Sleep();
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out); // held open: no end of input comes
        using var input = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        await using var writer = new StreamWriter(pipe) { AutoFlush = true };
        try
        {
            var watchdog = Guardian.RunAsync(runner.Id, new StreamReader(input), TextWriter.Null);
            await writer.WriteLineAsync($"watch {kernel.Id}");
            await Task.Delay(Guardian.SnapshotInterval * 2);
            Assert.False(watchdog.IsCompleted, "the watchdog ended while the runner runs");
            Assert.True(Running(kernel));
            runner.Kill();
            await watchdog.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(kernel.WaitForExit(TimeSpan.FromSeconds(10)), "the watched process still runs");
        }
        finally
        {
            foreach (var process in new[] { runner, kernel }) if (Running(process)) process.Kill();
        }
    }
}
