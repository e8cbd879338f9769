using PopHealth.Runner;

namespace PopHealth.Tests.Runner;

/// <summary>
/// The runner command refuses bad arguments and unusable data roots with exit 2 and a message naming them, before it
/// starts the headless browser or any kernel (issue 24, item 8: each of these exited 134 with a stack trace, or 2 with
/// the kernel still running, and left Chromium behind).
/// </summary>
[Trait("Category", "Unit")]
public class RunnerCommandTests
{
    public static TheoryData<string> Refusals => new(["read-only data root", "data root under a regular file", "missing --notebooks folder",
        "--timeout Infinity", "--timeout 100000"]);

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_run_exits_2_naming_the_problem_and_starts_nothing(string refusal)
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("a-file"), "");
        var data = temp.File("data");
        var args = new List<string> { "--notebooks", Repo.Path("tests", "notebooks"), "sleeper" };
        using var readOnly = refusal == "read-only data root" ? ReadOnlyFolder.Make(temp.File("read-only")) : null;
        string expected;
        switch (refusal)
        {
            case "read-only data root":
                data = readOnly!.IsReadOnly ? temp.File("read-only") : temp.File("a-file/data"); // no read-only folder here: the next case again
                expected = $"POPHEALTH_DATA='{data}' is not valid";
                break;
            case "data root under a regular file":
                data = temp.File("a-file/data");
                expected = $"POPHEALTH_DATA='{data}' is not valid";
                break;
            case "missing --notebooks folder":
                args[1] = temp.File("missing");
                expected = $"--notebooks '{args[1]}': no such folder";
                break;
            default:
                args.AddRange(refusal.Split(' '));
                expected = $"--timeout '{refusal.Split(' ')[1]}' is not valid";
                break;
        }
        await using var runner = new RunnerProcess(args, new Dictionary<string, string> { ["POPHEALTH_DATA"] = data });
        Assert.Equal(RunnerCommand.Usage, await runner.ExitCodeAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains(expected, runner.Error);
        Assert.DoesNotContain("   at ", runner.Error + runner.Output);
        Assert.DoesNotContain("Unhandled", runner.Error);
        Assert.DoesNotContain("[1/1]", runner.Output); // no notebook was started
        Assert.Empty(await runner.SurvivorsAfterAsync(TimeSpan.FromSeconds(15)));
        if (Directory.Exists(Path.Combine(data, "rendered"))) Assert.Empty(Directory.GetFiles(Path.Combine(data, "rendered"), "*.raw.ipynb"));
    }

    [Fact]
    public async Task Help_lists_the_options_and_exit_codes()
    {
        await using var runner = new RunnerProcess(["--help"], new Dictionary<string, string>());
        Assert.Equal(0, await runner.ExitCodeAsync(TimeSpan.FromMinutes(1)));
        foreach (var text in new[] { "--notebooks DIR", "--timeout MINUTES", "--refresh-rendered", "Exit codes: 0" })
            Assert.Contains(text, runner.Output);
    }
}
