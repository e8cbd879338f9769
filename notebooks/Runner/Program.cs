using PopHealth.Runner;
using PopHealth.Workbook;

// Usage: dotnet run --project notebooks/Runner [-- <notebook> ...] [--notebooks DIR] [--timeout MINUTES]
// With no names, runs all six notebooks in order. Parameters come from POPHEALTH_* (see README).
try
{
    var names = new List<string>();
    string? notebookDirectory = null;
    var timeout = TimeSpan.FromMinutes(30);
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--notebooks" when i + 1 < args.Length: notebookDirectory = Path.GetFullPath(args[++i]); break;
            case "--timeout" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var minutes) && minutes > 0:
                timeout = TimeSpan.FromMinutes(minutes); i++; break;
            case "-h" or "--help":
                Console.WriteLine("Runs the workbook's notebooks headless: all six in order, or the ones named (e.g. 01-convert 03-transform).");
                Console.WriteLine("Options: --notebooks DIR (folder of .dib files), --timeout MINUTES (per notebook, default 30).");
                return 0;
            case var option when option.StartsWith("--", StringComparison.Ordinal):
                throw new ArgumentException($"Unknown option '{option}' (see --help).");
            default: names.Add(args[i].EndsWith(".dib", StringComparison.OrdinalIgnoreCase) ? args[i][..^4] : args[i]); break;
        }
    }

    var root = WorkbookLocation.FindRoot(AppContext.BaseDirectory) ?? WorkbookLocation.FindRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException($"Cannot find the workbook root ({WorkbookLocation.SolutionFile}) above {AppContext.BaseDirectory}.");
    var parameters = WorkbookParameters.FromEnvironment(Environment.GetEnvironmentVariables(), Directory.GetCurrentDirectory());
    // Relative paths were resolved against the caller's folder; the kernels run in the notebooks' folder.
    var resolved = new Dictionary<string, string> { ["POPHEALTH_DATA"] = parameters.DataRoot };
    if (parameters.Input is not null) resolved["POPHEALTH_INPUT"] = parameters.Input;
    if (parameters.ScoreInputOverride is not null) resolved["POPHEALTH_SCORE_INPUT"] = parameters.ScoreInputOverride;
    var options = new RunnerOptions(
        RepositoryRoot: root,
        NotebookDirectory: notebookDirectory ?? Path.Combine(root, "notebooks"),
        RenderedDirectory: parameters.RenderedNotebooks,
        Environment: resolved,
        NotebookTimeout: timeout);

    Console.WriteLine($"PopHealth workbook runner: data in {parameters.DataRoot}");
    var results = await new NotebookRunner(options, Console.Out).RunAsync(names.Count > 0 ? names : RunnerOptions.Workbook);
    var failed = results.FirstOrDefault(r => !r.Succeeded);
    if (failed is not null)
    {
        Console.Error.WriteLine($"Notebook {failed.Describe()}");
        Console.Error.WriteLine($"Executed copy: {failed.RenderedPath ?? "(none written)"}");
        return 1;
    }
    Console.WriteLine($"All {results.Count} notebook(s) ran; executed copies in {options.RenderedDirectory}");
    return 0;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException or WorkbookParameterException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
