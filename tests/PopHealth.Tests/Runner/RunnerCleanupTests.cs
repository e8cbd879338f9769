using PopHealth.Charts;
using PopHealth.Runner;

namespace PopHealth.Tests.Runner;

/// <summary>
/// However a run ends, nothing it started is left running: its kernel (with the kernel's own children), the shared
/// headless browser (with its helpers) and the runner's watchdog. Each test runs the <c>sleeper</c> fixture notebook
/// (it starts a child process, then sleeps ten minutes) through the runner command and follows every process of the run
/// through /proc (<see cref="RunnerProcess"/>). In the notebook collection: a kernel takes a core while it starts.
/// </summary>
[Collection("notebooks")]
[Trait("Category", "Notebook")]
public class RunnerCleanupTests
{
    private static readonly TimeSpan KernelStart = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Runs the sleeper with its data root in <paramref name="data"/> and the system's temporary folder (TMPDIR) at
    /// <c>data/tmp</c>, where <see cref="TemporaryLeftovers"/> looks for what the run left.
    /// </summary>
    private static async Task<RunnerProcess> StartSleeperAsync(TempFolder data, params string[] more)
    {
        Directory.CreateDirectory(data.File("tmp"));
        var runner = new RunnerProcess(["--notebooks", Repo.Path("tests", "notebooks"), "sleeper", .. more],
            new Dictionary<string, string> { ["POPHEALTH_DATA"] = data.Path, ["TMPDIR"] = data.File("tmp") });
        var deadline = DateTime.UtcNow + KernelStart;
        while (!File.Exists(data.File("sleeping")) && !runner.Process.HasExited && DateTime.UtcNow < deadline) await Task.Delay(200);
        await Task.Delay(300); // the file is written before the sampler's next look at the kernel's child
        return runner;
    }

    /// <summary>
    /// What the run left in its temporary folder, apart from the .NET runtime's own diagnostic pipes of a process killed
    /// outright (removed by the runtime at any other exit): the browser's profile, its page, the kernels' files would be here.
    /// </summary>
    private static string[] TemporaryLeftovers(TempFolder data) =>
        Directory.GetFileSystemEntries(data.File("tmp")).Select(Path.GetFileName)
            .Where(n => !n!.StartsWith("clr-debug-pipe-", StringComparison.Ordinal) && !n.StartsWith("dotnet-diagnostic-", StringComparison.Ordinal))
            .ToArray()!;

    /// <summary>The kernel's process id and its child's, as the sleeper notebook wrote them.</summary>
    private static int[] SleeperProcesses(TempFolder data) =>
        File.ReadAllText(data.File("sleeping")).Split(' ').Select(int.Parse).ToArray();

    [TheoryWhere(Need.Linux)]
    [InlineData(15, 143)] // SIGTERM: a service manager, `kill`, a CI job's timeout
    [InlineData(2, 130)]  // SIGINT: Ctrl+C
    [InlineData(9, 137)]  // SIGKILL: nothing in the runner runs; its watchdog stops what it left
    public async Task Stopping_the_runner_mid_run_leaves_no_process_of_its_own(int signal, int exitCode)
    {
        using var data = Repo.Temp();
        await using var runner = await StartSleeperAsync(data);
        Assert.True(File.Exists(data.File("sleeping")), $"the sleeper never ran: {runner.Output}{runner.Error}");
        var seen = runner.Seen();
        Assert.All(SleeperProcesses(data), pid => Assert.Contains(seen, s => s.EndsWith($"({pid})", StringComparison.Ordinal)));
        if (StaticImages.Browser is not null) Assert.Contains(seen, s => s.StartsWith("chromium", StringComparison.Ordinal));
        var runTemporary = Assert.Single(Directory.GetDirectories(data.File("tmp"), "pophealth-run-*"));
        if (StaticImages.Browser is not null) Assert.NotEmpty(Directory.GetFileSystemEntries(runTemporary)); // the browser's profile, at least

        runner.Signal(signal);
        Assert.Equal(exitCode, await runner.ExitCodeAsync(TimeSpan.FromMinutes(1)));
        var left = await runner.SurvivorsAfterAsync(TimeSpan.FromSeconds(30));
        Assert.True(left.Count == 0,
            $"left running after signal {signal}: {string.Join("; ", left)}\nseen: {string.Join(", ", runner.Seen())}\n{runner.Error}");
        Assert.Empty(Directory.GetFiles(data.File("rendered"), "*.raw.ipynb"));
        Assert.Empty(TemporaryLeftovers(data));
        if (signal != 9) Assert.Contains("stopped by SIG", runner.Error);
    }

    [FactWhere(Need.Linux)]
    public async Task A_notebook_past_its_timeout_is_stopped_with_every_process_it_started_and_no_partial_file()
    {
        using var data = Repo.Temp();
        await using var runner = await StartSleeperAsync(data, "--timeout", "0.5");
        Assert.Equal(RunnerCommand.NotebookFailed, await runner.ExitCodeAsync(TimeSpan.FromMinutes(3)));
        Assert.Contains("Notebook sleeper did not finish within 30 s (--timeout) and was stopped", runner.Error);
        Assert.DoesNotContain("   at ", runner.Error);
        var left = await runner.SurvivorsAfterAsync(TimeSpan.FromSeconds(30));
        Assert.True(left.Count == 0, $"left running after the timeout: {string.Join("; ", left)}");
        Assert.Empty(Directory.GetFiles(data.File("rendered"), "*.raw.ipynb"));
        Assert.False(File.Exists(data.File("rendered/sleeper.ipynb")));
        Assert.Empty(TemporaryLeftovers(data));
        Assert.True(File.Exists(data.File("sleeping")), "the kernel never reached the sleeping cell: the timeout stopped a kernel still starting");
        var seen = runner.Seen();
        Assert.All(SleeperProcesses(data), pid => Assert.Contains(seen, s => s.EndsWith($"({pid})", StringComparison.Ordinal)));
    }
}
