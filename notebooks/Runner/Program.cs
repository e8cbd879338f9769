using PopHealth.Runner;
using PopHealth.Workbook;

// Usage: dotnet run --project notebooks/Runner [-- <notebook> ...] [--notebooks DIR] [--timeout MINUTES] [--refresh-rendered]
// With no names, runs all six notebooks in order. Parameters come from POPHEALTH_* (see README).
// --refresh-rendered: a default run of all six, kept in notebooks/rendered/, and the seed recipe's charts on the
// shipped real 2016 extract (data/brfss-real) as images in plots/real-2016-seed/.
try
{
    var names = new List<string>();
    string? notebookDirectory = null;
    var timeout = TimeSpan.FromMinutes(30);
    var refresh = false;
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--notebooks" when i + 1 < args.Length: notebookDirectory = Path.GetFullPath(args[++i]); break;
            case "--timeout" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var minutes) && minutes > 0:
                timeout = TimeSpan.FromMinutes(minutes); i++; break;
            case "--refresh-rendered": refresh = true; break;
            case "-h" or "--help":
                Console.WriteLine("Runs the workbook's notebooks headless: all six in order, or the ones named (e.g. 01-convert 03-transform).");
                Console.WriteLine("Options: --notebooks DIR (folder of .dib files), --timeout MINUTES (per notebook, default 30),");
                Console.WriteLine("         --refresh-rendered (default run kept in notebooks/rendered/, real-2016 chart images in plots/).");
                return 0;
            case var option when option.StartsWith("--", StringComparison.Ordinal):
                throw new ArgumentException($"Unknown option '{option}' (see --help).");
            default: names.Add(args[i].EndsWith(".dib", StringComparison.OrdinalIgnoreCase) ? args[i][..^4] : args[i]); break;
        }
    }

    var root = WorkbookLocation.FindRoot(AppContext.BaseDirectory) ?? WorkbookLocation.FindRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException($"Cannot find the workbook root ({WorkbookLocation.SolutionFile}) above {AppContext.BaseDirectory}.");
    if (refresh)
    {
        var set = WorkbookVariables.ParameterNames.Where(v => WorkbookVariables.Read(v) is not null).ToArray();
        if (set.Length > 0) throw new ArgumentException($"--refresh-rendered keeps a default run: unset {string.Join(", ", set)}.");
        if (names.Count > 0) throw new ArgumentException("--refresh-rendered runs all six notebooks; give no names.");
    }
    var parameters = WorkbookParameters.FromEnvironment(Environment.GetEnvironmentVariables(), Directory.GetCurrentDirectory());
    // Relative paths were resolved against the caller's folder; the kernels run in the notebooks' folder.
    // The runner asks for static chart images: executed copies then show charts where scripts are stripped.
    var resolved = new Dictionary<string, string> { [WorkbookVariables.Data] = parameters.DataRoot, [WorkbookVariables.StaticImages] = "1" };
    // One headless browser for the whole run, started here (while the kernels boot it loads plotly.js): each kernel
    // draws its charts' images in it instead of starting its own.
    if (PopHealth.Charts.StaticImages.ShareBrowser() is { } browser) resolved[WorkbookVariables.Chromium] = browser;
    if (parameters.Inputs.Count > 0) resolved[WorkbookVariables.Input] = string.Join(Path.PathSeparator, parameters.Inputs);
    if (parameters.ScoreInputOverride is not null) resolved[WorkbookVariables.ScoreInput] = parameters.ScoreInputOverride;
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
    if (!refresh) return 0;

    var kept = Path.Combine(options.NotebookDirectory, RenderedNotebooks.Folder);
    foreach (var result in results)
        Console.WriteLine($"kept {RenderedNotebooks.Keep(result.RenderedPath!, Path.Combine(options.NotebookDirectory, result.Name + ".dib"), kept)}");
    var extract = Path.Combine(root, "data", "brfss-real", "brfss2016_llcp_statesubset_39vars.csv.gz");
    if (!File.Exists(extract))
    {
        Console.WriteLine($"No real 2016 extract at {extract}: real-data chart images not refreshed.");
        return 0;
    }
    var realData = Directory.CreateTempSubdirectory("pophealth-real2016-").FullName;
    var realOptions = options with
    {
        RenderedDirectory = Path.Combine(realData, "rendered"),
        Environment = new Dictionary<string, string>(resolved) { [WorkbookVariables.Data] = realData, [WorkbookVariables.Input] = extract, [WorkbookVariables.Recipe] = Recipe.Original.Name() },
    };
    Console.WriteLine($"Real 2016 extract, seed recipe: data in {realData}");
    var realResults = await new NotebookRunner(realOptions, Console.Out).RunAsync(["01-convert", "03-transform", "04-train"]);
    if (realResults.FirstOrDefault(r => !r.Succeeded) is { } realFailure)
    {
        Console.Error.WriteLine($"Notebook {realFailure.Describe()}");
        return 1;
    }
    var images = Path.Combine(root, "plots", "real-2016-seed");
    Directory.CreateDirectory(images);
    foreach (var image in Directory.GetFiles(Path.Combine(realData, "plots")).Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".svg", StringComparison.Ordinal)))
        File.Copy(image, Path.Combine(images, Path.GetFileName(image)), overwrite: true);
    Console.WriteLine($"real-data chart images (aggregates only, no respondent rows) in {images}");
    Directory.Delete(realData, recursive: true);
    return 0;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException or WorkbookParameterException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
