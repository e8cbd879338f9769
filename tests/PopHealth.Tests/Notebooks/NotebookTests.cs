using System.Diagnostics;
using System.Text.RegularExpressions;
using PopHealth.Runner;

namespace PopHealth.Tests.Notebooks;

/// <summary>Runs notebooks headless through the runner; any cell error fails the test.</summary>
[Collection("notebooks")]
[Trait("Category", "Notebook")]
public class NotebookTests(NotebookSession session)
{
    public static TheoryData<string> WorkbookNotebooks => new(RunnerOptions.Workbook);

    [Theory]
    [MemberData(nameof(WorkbookNotebooks))]
    public async Task Workbook_notebook_runs_without_a_cell_error(string name)
    {
        var result = await session.RunWorkbookAsync(name);
        Assert.True(result.Succeeded, result.Describe());
        Assert.True(File.Exists(result.RenderedPath));
        Assert.Equal(Path.Combine(session.DataRoot, "rendered", name + ".ipynb"), result.RenderedPath);

        // The first thing the notebook shows is its effective parameters, the data root shown as <data> (no machine path).
        var outputs = NotebookSession.OutputsByCell(result.RenderedPath!).Where(o => o.Length > 0).ToList();
        Assert.Contains("POPHEALTH_DATA", outputs[0]);
        Assert.Contains("<td>&lt;data&gt;</td>", Regex.Unescape(outputs[0])); // the output as JSON text: \u0026lt; … unescaped
        Assert.DoesNotContain(session.DataRoot, outputs[0]);
        if (name == "01-convert")
        {
            Assert.True(File.Exists(Path.Combine(session.DataRoot, "interim", "brfss.parquet")));
            Assert.True(File.Exists(Path.Combine(session.DataRoot, "interim", "poverty_thresholds.parquet")));
            Assert.True(File.Exists(Path.Combine(session.DataRoot, "raw", "LLCP2024-sample.XPT")));
            Assert.Contains(outputs, o => o.Contains("SYNTHETIC DATA"));
            Assert.Contains(outputs, o => o.Contains("LLCP2024") && o.Contains("5,000"));
        }
        if (name == "03-transform") Assert.True(File.Exists(Path.Combine(session.DataRoot, "processed", "features.parquet")));
        if (name == "04-train")
        {
            var prod = new PopHealth.Tracking.MlflowStore(Path.Combine(session.DataRoot, "mlruns")).Resolve("models:/pophealth-rfhlth@prod");
            Assert.True(File.Exists(Path.Combine(prod.ArtifactDirectory, "model.onnx")));
            Assert.True(File.Exists(Path.Combine(session.DataRoot, "plots", "roc-improved.html")));
            Assert.True(File.Exists(Path.Combine(session.DataRoot, "plots", "subgroups-improved.html")));
            Assert.Contains(outputs, o => o.Contains("chosen:") && o.Contains("CV AUC"));
        }
        if (name == "05-synthesize")
        {
            Assert.True(File.Exists(Path.Combine(session.DataRoot, "synthetic", "synthetic.parquet")));
            Assert.True(File.Exists(Path.Combine(session.DataRoot, "synthetic", "synthesizer.json")));
        }
        if (name == "06-infer")
        {
            var predictions = await PopHealth.Workbook.ParquetFrames.ReadAsync(Path.Combine(session.DataRoot, "predictions", "predictions.parquet"));
            Assert.Equal(500, predictions.Rows.Count); // POPHEALTH_SYNTH_ROWS: one prediction per input row
        }
        if (name == "07-report")
        {
            var report = Path.Combine(session.DataRoot, "report");
            var extract = await PopHealth.Population.PopulationExtract.ReadAsync(Path.Combine(report,
                PopHealth.Population.PopulationExtract.ParquetFileName));
            Assert.Contains(extract,
                e => e.Method == PopHealth.Population.PopulationEstimate.Model && e.GeoLevel == PopHealth.Population.PopulationEstimate.StateLevel);
            Assert.Equal(extract.Count,
                PopHealth.Population.PopulationExtract.ReadCsv(Path.Combine(report, PopHealth.Population.PopulationExtract.CsvFileName)).Count);
            var dashboard = File.ReadAllText(Path.Combine(report, "dashboard.html"));
            Assert.Contains("Synthetic data.", dashboard); // the default run's respondents are the embedded sample, and the page says so
            Assert.Contains("id=\"scoring\"", dashboard); // 06 ran before it in this session: its risk tiers are on the page
            Assert.Contains(outputs, o => o.Contains("Small-area estimates for 2024"));
        }
        // Restore chatter is stripped from the executed copy.
        Assert.DoesNotContain(outputs, o => o.Contains("Installing Packages"));
    }

    [Fact]
    public async Task Native_trainers_and_charts_work_inside_the_kernel()
    {
        var result = Assert.Single(await session.Runner(Repo.Path("tests", "notebooks")).RunAsync(["kernel-check"]));
        Assert.True(result.Succeeded, result.Describe());
        var text = string.Join("\n", NotebookSession.OutputsByCell(result.RenderedPath!));
        foreach (var trainer in new[] { "lightgbm", "fasttree" })
        {
            var auc = double.Parse(Regex.Match(text, trainer + @"-auc=([0-9.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(auc, 0.9, 1.0);
        }
        Assert.Contains("Plotly chart will be drawn", text);
        Assert.Contains("kernel-check-chart", text);
        Assert.Matches(@"package-version=0\.1\.\d+", text);
    }

    [Fact]
    public async Task A_rebuilt_library_is_the_one_the_next_notebook_run_loads()
    {
        var stamp = Guid.NewGuid().ToString("N");
        var build = Process.Start(new ProcessStartInfo("dotnet", ["build", Repo.Path("lib", "PopHealth.Workbook.csproj"),
            "-c", "NotebookCheck", $"-p:WorkbookBuildStamp={stamp}", "-nologo", "-v", "q"])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var buildOutput = await build.StandardOutput.ReadToEndAsync() + await build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync();
        Assert.True(build.ExitCode == 0, buildOutput);
        var newest = Directory.GetFiles(Repo.Path("artifacts", "feed"), "PopHealth.Workbook.*.nupkg")
            .Select(f => Path.GetFileNameWithoutExtension(f)["PopHealth.Workbook.".Length..])
            .MaxBy(v => Version.Parse(v))!;

        var result = Assert.Single(await session.Runner(Repo.Path("tests", "notebooks")).RunAsync(["kernel-check"]));
        Assert.True(result.Succeeded, result.Describe());
        var text = string.Join("\n", NotebookSession.OutputsByCell(result.RenderedPath!));
        Assert.Contains($"build-stamp={stamp}", text);
        Assert.Contains($"package-version={newest}", text);
    }

    [Fact]
    public async Task A_failing_cell_stops_the_runner_and_names_the_notebook_and_the_error()
    {
        var results = await session.Runner(Repo.Path("tests", "notebooks")).RunAsync(["broken", "kernel-check"]);
        var result = Assert.Single(results); // stopped at the first failing notebook
        Assert.False(result.Succeeded);
        Assert.Equal(3, result.Failure!.CellNumber);
        Assert.StartsWith("broken failed at cell 3 (`throw new InvalidOperationException", result.Describe());
        Assert.Contains("deliberately broken cell", result.Describe());
        Assert.True(File.Exists(result.RenderedPath), "the executed copy is kept for inspection");
    }

    [Fact]
    public async Task The_runner_command_exits_non_zero_and_names_the_failing_notebook()
    {
        var runner = Path.Combine(AppContext.BaseDirectory, "PopHealth.Runner.dll");
        var start = new ProcessStartInfo("dotnet", [runner, "--notebooks", Repo.Path("tests", "notebooks"), "broken"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in session.Environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Notebook broken failed at cell 3", stderr);
        Assert.Contains("deliberately broken cell", stderr);
        Assert.Contains("[1/1] broken", stdout);
    }

    [Fact]
    public async Task A_source_that_is_not_brfss_stops_01_with_our_message_once_and_no_stack_trace()
    {
        // Finding 6: the refusal's stack trace was printed twice in the notebook (message and traceback) and the runner
        // printed the whole error twice (log and summary); the cells after it added NullReferenceExceptions.
        using var temp = Repo.Temp();
        var input = temp.File("other.xpt");
        File.Copy(Repo.Path("tests", "fixtures", "xpt", "haven_v5.xpt"), input);
        var runner = Path.Combine(AppContext.BaseDirectory, "PopHealth.Runner.dll");
        var start = new ProcessStartInfo("dotnet", [runner, "01-convert"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in session.Environment) start.Environment[key] = value;
        start.Environment["POPHEALTH_INPUT"] = input;
        start.Environment["POPHEALTH_DATA"] = temp.File("data");
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        const string message = "other.xpt: cannot tell the BRFSS year";
        Assert.Single(Regex.Matches(output, Regex.Escape(message)));
        Assert.Contains("Set POPHEALTH_INPUT to a BRFSS file", output);
        Assert.DoesNotContain("   at ", output);

        var cells = NotebookSession.OutputsByCell(temp.File("data/rendered/01-convert.ipynb"));
        var all = string.Join("\n", cells);
        Assert.Single(Regex.Matches(all, Regex.Escape(message)));
        Assert.DoesNotContain("   at ", all);
        Assert.DoesNotContain("StackTrace", all);
        var failed = cells.ToList().FindIndex(c => c.Contains(message)) + 1;
        Assert.Contains("\"ename\":\"InvalidDataException\"", cells[failed - 1]);
        Assert.All(cells.Skip(failed).Where(c => c.Contains("\"error\"")), c => Assert.Contains($"not meaningful: cell {failed} failed first", c));
    }

    [Fact]
    public async Task The_runner_resolves_relative_input_paths_against_the_callers_folder()
    {
        var runner = Path.Combine(AppContext.BaseDirectory, "PopHealth.Runner.dll");
        var start = new ProcessStartInfo("dotnet", [runner, "01-convert"])
        { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(session.Input)! };
        foreach (var (key, value) in session.Environment) start.Environment[key] = value;
        start.Environment["POPHEALTH_INPUT"] = Path.GetFileName(session.Input);
        start.Environment["POPHEALTH_YEAR"] = "2024"; // the session's made-up file states no year
        start.Environment["POPHEALTH_DATA"] = "relative-data";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(session.Input)!, "relative-data", "interim", "brfss.parquet")), output);
    }

    [Fact]
    public async Task Tables_shorter_than_a_preview_show_what_they_have()
    {
        // Issue 24, item 7: 01 (first 8 rows), 03 and 05 (first 5) crashed on shorter tables (DataFrame.Head), after their
        // output was written: a 4-row source through 01, 02 and 03; two synthetic respondents through 05 and 06, on the
        // session's features and model.
        await session.RunWorkbookAsync("04-train");
        using var temp = Repo.Temp();
        var source = Ingest.SurveyYearTests.Slice2016(temp, "four.csv", 4); // the header and four respondents (IYEAR 2016)
        var small = new Dictionary<string, string>(session.Environment) { ["POPHEALTH_DATA"] = temp.File("four"), ["POPHEALTH_INPUT"] = source };
        var converted = await session.Runner(Repo.Path("notebooks"), environment: small, dataRoot: temp.File("four"))
            .RunAsync(["01-convert", "02-explore", "03-transform"]);
        Assert.All(converted, r => Assert.True(r.Succeeded, r.Describe()));
        Assert.Equal(3, converted.Count);

        var two = temp.File("two");
        foreach (var folder in new[] { "processed", "mlruns" })
            Repo.CopyFolder(Path.Combine(session.DataRoot, folder), Path.Combine(two, folder));
        var twoRows = new Dictionary<string, string>(session.Environment) { ["POPHEALTH_DATA"] = two, ["POPHEALTH_SYNTH_ROWS"] = "2" };
        var drawn = await session.Runner(Repo.Path("notebooks"), environment: twoRows, dataRoot: two).RunAsync(["05-synthesize", "06-infer"]);
        Assert.All(drawn, r => Assert.True(r.Succeeded, r.Describe()));
        Assert.Equal(2, drawn.Count);
        Assert.Equal(2, (await PopHealth.Workbook.ParquetFrames.ReadAsync(Path.Combine(two, "predictions", "predictions.parquet"))).Rows.Count);
    }

    [Fact]
    public async Task Unknown_notebook_names_are_refused_with_the_available_ones()
    {
        var error = await Assert.ThrowsAsync<RunnerUsageException>(() => session.Runner(Repo.Path("notebooks")).RunAsync(["07-nothing"]));
        Assert.Equal("07-nothing", error.Argument);
        Assert.Contains("07-nothing", error.Message);
        Assert.Contains("01-convert", error.Message);
    }
}
