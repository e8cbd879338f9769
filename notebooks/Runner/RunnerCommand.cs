using PopHealth.Charts;
using PopHealth.Workbook;
using PopHealth.Steps;

namespace PopHealth.Runner;

/// <summary>
/// The runner's command: checks everything first (<see cref="RunnerArguments"/>, <see cref="RunPlan"/>), then starts
/// the watchdog, the shared headless browser and the kernels, and stops all of them on every way out.
/// Exit codes: 0 every notebook ran; 1 a notebook failed or ran past its timeout (named, with the failing cell's error);
/// 2 bad arguments, parameters or setup, found before anything started; 3 the runner itself failed (an I/O error, a bug);
/// 128 + N stopped by signal N (130 for Ctrl+C, 143 for SIGTERM).
/// </summary>
public static class RunnerCommand
{
    public const int Success = 0, NotebookFailed = 1, Usage = 2, RunnerFailed = 3;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        RunPlan plan;
        try
        {
            var arguments = RunnerArguments.Parse(args);
            if (arguments.Help)
            {
                output.WriteLine(RunnerArguments.Usage);
                return Success;
            }
            var root = WorkbookLocation.FindRoot(AppContext.BaseDirectory) ?? WorkbookLocation.FindRoot(Directory.GetCurrentDirectory())
                ?? throw new RunnerSetupException($"Cannot find the workbook root ({WorkbookLocation.SolutionFile}) " +
                    $"above {AppContext.BaseDirectory} or the current folder.");
            plan = RunPlan.Check(arguments, Environment.GetEnvironmentVariables(), Directory.GetCurrentDirectory(), root);
        }
        catch (Exception e) when (e is ArgumentException or WorkbookParameterException or RunnerSetupException)
        {
            error.WriteLine($"error: {e.Message}");
            return Usage;
        }
        return await StartAsync(plan, output, error);
    }

    /// <summary>Runs a checked plan; whatever happens, the kernels, the browser and the watchdog are stopped before it returns.</summary>
    private static async Task<int> StartAsync(RunPlan plan, TextWriter output, TextWriter error)
    {
        using var signals = new StopSignals();
        using var temporary = new RunTemporaryFolder(); // removed last, after the guard below has stopped every process
        await using var guard = RunnerGuard.Start(Environment.ProcessPath ?? "dotnet", ProgramArguments(), error);
        guard.RemoveAtEnd(temporary.Path);
        StaticImages.BrowserLaunched += guard.Watch;
        try
        {
            // One headless browser for the whole run, started here (while the kernels boot it loads plotly.js): each
            // kernel draws its charts' images in it instead of starting its own.
            plan = plan.WithBrowser(StaticImages.ShareBrowser());
            return await RunPlanAsync(plan, guard, output, error, signals.Token);
        }
        catch (OperationCanceledException) when (signals.Signal is { } signal)
        {
            error.WriteLine($"error: stopped by {StopSignals.Name(signal)}; the running notebook's kernel (with every process it started) " +
                $"and the browser were stopped.");
            return signals.ExitCode;
        }
        catch (Exception e) when (e is RunnerSetupException or WorkbookParameterException)
        {
            error.WriteLine($"error: {e.Message}");
            return Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine($"error: the runner stopped: {e.Message}");
            return RunnerFailed;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: the runner failed unexpectedly (a bug; please report it with what follows): {e}");
            return RunnerFailed;
        }
        finally
        {
            StaticImages.BrowserLaunched -= guard.Watch;
            guard.StopAll();
            StaticImages.CloseBrowser();
        }
    }

    /// <summary>How to start this program again (for the watchdog): the DLL after the dotnet host, nothing after an apphost.</summary>
    private static string[] ProgramArguments() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) is "dotnet" ? [typeof(RunnerCommand).Assembly.Location] : [];

    private static async Task<int> RunPlanAsync(RunPlan plan, RunnerGuard guard, TextWriter output, TextWriter error, CancellationToken cancel)
    {
        var options = plan.Options;
        output.WriteLine($"PopHealth workbook runner: data in {plan.Parameters.DataRoot}");
        var results = await new NotebookRunner(options, output, guard).RunAsync(plan.Notebooks, cancel);
        if (results.FirstOrDefault(r => !r.Succeeded) is { } failed)
        {
            error.WriteLine($"Notebook {failed.Describe()}");
            error.WriteLine($"Executed copy: {failed.RenderedPath ?? "(none written)"}");
            return NotebookFailed;
        }
        output.WriteLine($"All {results.Count} notebook(s) ran; executed copies in {options.RenderedDirectory}");
        if (!plan.RefreshRendered) return Success;

        var kept = Path.Combine(options.NotebookDirectory, RenderedNotebooks.Folder);
        foreach (var result in results)
            output.WriteLine(
                $"kept {RenderedNotebooks.Keep(result.RenderedPath!, Path.Combine(options.NotebookDirectory, result.Name + ".dib"), kept)}");
        return await RefreshRealImagesAsync(options, guard, output, error, cancel);
    }

    /// <summary>
    /// --refresh-rendered's second part: the seed recipe's charts on the shipped real 2016 extract (data/brfss-real), as
    /// images in plots/real-2016-seed/, and 07-report's maps and dashboard of it in plots/real-2016-report/ (aggregates only,
    /// no respondent rows).
    /// </summary>
    private static async Task<int> RefreshRealImagesAsync(RunnerOptions options, RunnerGuard guard, TextWriter output, TextWriter error,
        CancellationToken cancel)
    {
        var root = options.RepositoryRoot;
        var extract = Path.Combine(root, "data", "brfss-real", "brfss2016_llcp_statesubset_39vars.csv.gz");
        if (!File.Exists(extract))
        {
            output.WriteLine($"No real 2016 extract at {extract}: real-data chart images not refreshed.");
            return Success;
        }
        var realData = Directory.CreateTempSubdirectory("pophealth-real2016-").FullName;
        try
        {
            var realOptions = options with
            {
                RenderedDirectory = Path.Combine(realData, "rendered"),
                Environment = new Dictionary<string, string>(options.Environment) { [WorkbookVariables.Data] = realData,
                    [WorkbookVariables.Input] = extract, [WorkbookVariables.Recipe] = Recipe.Original.Name() },
            };
            output.WriteLine($"Real 2016 extract, seed recipe: data in {realData}");
            var realResults = await new NotebookRunner(realOptions, output, guard).RunAsync(["01-convert", "03-transform", "04-train", "07-report"],
                cancel);
            if (realResults.FirstOrDefault(r => !r.Succeeded) is { } realFailure)
            {
                error.WriteLine($"Notebook {realFailure.Describe()}");
                return NotebookFailed;
            }
            foreach (var image in Directory.GetFiles(Path.Combine(realData, "plots"))
                .Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".svg", StringComparison.Ordinal)))
            {
                var folder = Path.Combine(root, "plots",
                    ReportStep.ReaderImages.Contains(Path.GetFileName(image)) ? "real-2016-report" : "real-2016-seed");
                Directory.CreateDirectory(folder);
                File.Copy(image, Path.Combine(folder, Path.GetFileName(image)), overwrite: true);
            }
            output.WriteLine($"real-data chart images (aggregates only, no respondent rows) in {Path.Combine(root, "plots")}: real-2016-seed/, " +
                $"real-2016-report/");
            return Success;
        }
        finally
        {
            RunTemporaryFolder.Remove(realData);
        }
    }
}
