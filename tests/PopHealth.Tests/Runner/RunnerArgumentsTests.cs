using System.Collections;
using PopHealth.Runner;
using PopHealth.Workbook;

namespace PopHealth.Tests.Runner;

/// <summary>
/// The runner's command line (<see cref="RunnerArguments"/>) and its checks against the file system
/// (<see cref="RunPlan"/>), in process: no kernel, no browser.
/// </summary>
[Trait("Category", "Unit")]
public class RunnerArgumentsTests
{
    [Fact]
    public void Names_options_and_their_inline_form_make_a_plan()
    {
        var parsed = RunnerArguments.Parse(["01-convert", "--timeout", "2.5", "03-transform.dib", "--notebooks=nb"]);
        Assert.Equal(["01-convert", "03-transform"], parsed.Notebooks);
        Assert.Equal(TimeSpan.FromSeconds(150), parsed.Timeout);
        Assert.Equal("nb", parsed.NotebookDirectory);
        Assert.False(parsed.RefreshRendered);

        var defaults = RunnerArguments.Parse([]);
        Assert.Empty(defaults.Notebooks);
        Assert.Equal(TimeSpan.FromMinutes(30), defaults.Timeout);
        Assert.Null(defaults.NotebookDirectory);
        Assert.True(RunnerArguments.Parse(["--timeout", "Infinity", "--help"]).Help); // help wins over anything
    }

    [Theory]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("NaN")]
    [InlineData("1e309")] // parses as infinity
    [InlineData("100000")] // was accepted, then the timer threw after the kernel had started (issue 24, item 8)
    [InlineData("1440.5")]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("1,5")]
    [InlineData("ten")]
    public void A_timeout_that_is_not_finite_positive_and_at_most_a_day_is_refused_naming_it(string value)
    {
        foreach (var args in new[] { new[] { "--timeout", value }, [$"--timeout={value}"] })
        {
            var error = Assert.Throws<RunnerUsageException>(() => RunnerArguments.Parse(args));
            Assert.Equal("--timeout", error.Argument);
            Assert.Contains($"--timeout '{value}' is not valid", error.Message);
            Assert.Contains("at most 1440", error.Message);
        }
    }

    [Theory]
    [InlineData(new[] { "--timeout" }, "--timeout", "--timeout needs a value")]
    [InlineData(new[] { "--notebooks", "--timeout", "5" }, "--notebooks", "--notebooks needs a value")]
    [InlineData(new[] { "--timout", "5" }, "--timout", "Unknown option '--timout'")]
    [InlineData(new[] { "-t" }, "-t", "Unknown option '-t'")]
    [InlineData(new[] { "--timeout", "5", "--timeout", "6" }, "--timeout", "--timeout is given twice ('5' and '6')")]
    [InlineData(new[] { "--refresh-rendered", "--refresh-rendered" }, "--refresh-rendered", "--refresh-rendered is given twice")]
    [InlineData(new[] { "--refresh-rendered=yes" }, "--refresh-rendered=yes", "takes no value")]
    [InlineData(new[] { "--refresh-rendered", "01-convert" }, "--refresh-rendered", "do not name notebooks ('01-convert')")]
    [InlineData(new[] { "--notebooks", " " }, "--notebooks", "--notebooks ' ' is empty")]
    [InlineData(new[] { "../01-convert" }, "../01-convert", "'../01-convert' is not a notebook name: a name, not a path")]
    [InlineData(new[] { "" }, "", "'' is not a notebook name: it is empty")]
    [InlineData(new[] { "_setup" }, "_setup", "parts the notebooks import")]
    public void A_bad_command_line_is_refused_naming_the_argument_at_fault(string[] args, string argument, string message)
    {
        var error = Assert.Throws<RunnerUsageException>(() => RunnerArguments.Parse(args));
        Assert.Equal(argument, error.Argument);
        Assert.Contains(message, error.Message);
    }

    /// <summary>A stand-in repository: a solution file, a library package in the feed, the seven notebooks, and a data root.</summary>
    internal sealed class FakeRepository : IDisposable
    {
        private readonly TempFolder temp = Repo.Temp();

        public FakeRepository()
        {
            System.IO.File.WriteAllText(temp.File(WorkbookLocation.SolutionFile), "");
            Directory.CreateDirectory(temp.File("artifacts/feed"));
            System.IO.File.WriteAllText(temp.File("artifacts/feed/PopHealth.Workbook.0.1.1.nupkg"), "");
            Directory.CreateDirectory(temp.File("notebooks"));
            foreach (var name in RunnerOptions.Workbook.Append("_setup").Append("extra"))
                System.IO.File.WriteAllText(temp.File($"notebooks/{name}.dib"), "");
            System.IO.File.WriteAllText(temp.File("a-file.txt"), "");
        }

        public string Root => temp.Path;

        public string File(string name) => temp.File(name);

        /// <summary>A clean environment: only POPHEALTH_DATA, at <paramref name="data"/> (default: a folder in the repository).</summary>
        public IDictionary Environment(string? data = null) => new Hashtable { [WorkbookVariables.Data] = data ?? temp.File("data") };

        public RunPlan Check(string[] args, IDictionary? environment = null) =>
            RunPlan.Check(RunnerArguments.Parse(args), environment ?? Environment(), Root, Root);

        public void Dispose() => temp.Dispose();
    }

    [Fact]
    public void A_checked_plan_names_the_folders_and_notebooks_and_creates_the_output_folders()
    {
        using var repository = new FakeRepository();
        var plan = repository.Check(["--notebooks", "notebooks", "extra", "01-convert", "--timeout", "1"]);
        Assert.Equal(["extra", "01-convert"], plan.Notebooks);
        Assert.Equal(repository.File("notebooks"), plan.Options.NotebookDirectory);
        Assert.Equal(TimeSpan.FromMinutes(1), plan.Options.NotebookTimeout);
        Assert.Equal(repository.File("data/rendered"), plan.Options.RenderedDirectory);
        Assert.True(Directory.Exists(repository.File("data/rendered")));
        Assert.Empty(Directory.GetFiles(repository.File("data"), "*", SearchOption.AllDirectories)); // the write probe is gone
        Assert.Equal(RunnerOptions.Workbook, repository.Check([]).Notebooks);
    }

    [Theory]
    [InlineData("missing-folder", "--notebooks 'missing-folder': no such folder")]
    [InlineData("a-file.txt", "--notebooks 'a-file.txt' names a file")]
    public void A_notebooks_folder_that_does_not_exist_is_refused_naming_it(string folder, string message)
    {
        using var repository = new FakeRepository();
        var error = Assert.Throws<RunnerUsageException>(() => repository.Check(["--notebooks", folder, "extra"]));
        Assert.Equal("--notebooks", error.Argument);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Unknown_notebook_names_are_refused_naming_each_and_the_available_ones()
    {
        using var repository = new FakeRepository();
        var error = Assert.Throws<RunnerUsageException>(() => repository.Check(["01-convert", "07-nothing", "08-neither"]));
        Assert.Equal("07-nothing", error.Argument);
        Assert.Contains("No notebook named '07-nothing', '08-neither'", error.Message);
        Assert.Contains("Available: 01-convert, 02-explore", error.Message);
        Assert.DoesNotContain("_setup", error.Message);

        Directory.CreateDirectory(repository.File("other"));
        File.WriteAllText(repository.File("other/only.dib"), "");
        var defaults = Assert.Throws<RunnerUsageException>(() => repository.Check(["--notebooks", "other"]));
        Assert.Equal("--notebooks", defaults.Argument);
        Assert.Contains("name the notebooks to run there (only)", defaults.Message);
    }

    [Fact]
    public void A_data_root_that_cannot_be_written_or_created_is_refused_naming_pophealth_data()
    {
        using var repository = new FakeRepository();
        using var temp = Repo.Temp();
        using var readOnly = ReadOnlyFolder.Make(temp.File("read-only"));
        var roots = new List<string> { repository.File("a-file.txt/data"), repository.File("a-file.txt") };
        if (readOnly.IsReadOnly) roots.Add(temp.File("read-only")); // where no folder can be made read-only, the other two
        foreach (var root in roots)
        {
            var error = Assert.Throws<WorkbookParameterException>(() => repository.Check(["extra"], repository.Environment(root)));
            Assert.Equal(WorkbookVariables.Data, error.Variable);
            Assert.Contains($"POPHEALTH_DATA='{root}'", error.Message);
        }
    }

    [Fact]
    public void Refreshing_the_rendered_copies_needs_a_default_run()
    {
        using var repository = new FakeRepository();
        var environment = repository.Environment();
        environment[WorkbookVariables.SampleRows] = "500";
        var error = Assert.Throws<RunnerUsageException>(() => repository.Check(["--refresh-rendered"], environment));
        Assert.Equal("--refresh-rendered", error.Argument);
        Assert.Contains("unset POPHEALTH_DATA, POPHEALTH_SAMPLE_ROWS", error.Message);
    }

    [Fact]
    public void Without_the_library_package_the_runner_says_how_to_build_it()
    {
        using var repository = new FakeRepository();
        File.Delete(repository.File("artifacts/feed/PopHealth.Workbook.0.1.1.nupkg"));
        var error = Assert.Throws<RunnerSetupException>(() => repository.Check(["extra"]));
        Assert.Contains("dotnet build", error.Message);
    }
}
