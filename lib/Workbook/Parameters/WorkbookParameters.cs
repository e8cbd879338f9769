using System.Collections;
using System.Globalization;

namespace PopHealth.Workbook;

/// <summary>One row of the parameter table every notebook shows first.</summary>
public sealed record ParameterSetting(string Variable, string Value, string Source, string Meaning);

/// <summary>
/// The workbook's parameters (README, "Parameters"), read from <c>POPHEALTH_*</c> environment variables, each with
/// a default. Paths of every output derive from <see cref="DataRoot"/>.
/// </summary>
public sealed record WorkbookParameters
{
    public const int DefaultSeed = 20240601;
    public const int DefaultSampleRows = 100_000;
    public const int DefaultSynthRows = 10_000;
    /// <summary>
    /// The smallest embedded sample: every notebook runs on it, and 04's held-out fifth still holds about 200 respondents
    /// (some 35 in fair or poor health). Fewer would train and "validate" on a handful of rows.
    /// </summary>
    public const int MinSampleRows = 1_000;
    /// <summary>The fewest synthetic respondents 05 draws: one is enough to score in 06, and every notebook shows what it has.</summary>
    public const int MinSynthRows = 1;
    public const int MaxRows = 50_000_000;
    /// <summary>The survey years the workbook takes, from POPHEALTH_YEAR or a file's own year column: BRFSS began in 1984.</summary>
    public const int MinYear = 1984, MaxYear = 2100;

    /// <summary>
    /// BRFSS source files, one survey year each, in order (several separated by the platform's path separator); empty
    /// for the embedded synthetic sample.
    /// </summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];
    /// <summary>
    /// Survey years of <see cref="Inputs"/>, in the same order; empty to take the year each file states (its IYEAR, or
    /// a non-empty YEAR).
    /// </summary>
    public IReadOnlyList<int> Years { get; init; } = [];
    /// <summary>Root folder of every output.</summary>
    public required string DataRoot { get; init; }
    public Recipe Recipe { get; init; } = Recipe.Improved;
    public int Seed { get; init; } = DefaultSeed;
    public int SampleRows { get; init; } = DefaultSampleRows;
    public int SynthRows { get; init; } = DefaultSynthRows;
    /// <summary>Parquet file scored by 06-infer; null means the synthetic respondents of 05.</summary>
    public string? ScoreInputOverride { get; init; }

    /// <summary>Where each variable's value came from: environment or default.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();

    public string RawDirectory => Path.Combine(DataRoot, "raw");
    public string InterimBrfss => Path.Combine(DataRoot, "interim", "brfss.parquet");
    public string InterimPovertyThresholds => Path.Combine(DataRoot, "interim", "poverty_thresholds.parquet");
    public string ProcessedFeatures => Path.Combine(DataRoot, "processed", "features.parquet");
    public string MlRuns => Path.Combine(DataRoot, "mlruns");
    public string SyntheticRespondents => Path.Combine(DataRoot, "synthetic", "synthetic.parquet");
    public string Predictions => Path.Combine(DataRoot, "predictions", "predictions.parquet");
    public string RenderedNotebooks => Path.Combine(DataRoot, "rendered");
    /// <summary>07-report's folder: the population estimates extract and the offline dashboard.</summary>
    public string ReportDirectory => Path.Combine(DataRoot, "report");
    /// <summary>
    /// Where charts meant to be read outside the notebooks go: the repository's <c>plots/</c> for the default data
    /// root, else <c>&lt;data&gt;/plots</c>.
    /// </summary>
    public string PlotsDirectory
    {
        get
        {
            var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(DataRoot));
            return parent is not null && Path.GetFileName(Path.TrimEndingDirectorySeparator(DataRoot)) == "data"
                && File.Exists(Path.Combine(parent, "PopHealth.slnx"))
                ? Path.Combine(parent, "plots")
                : Path.Combine(DataRoot, "plots");
        }
    }
    public string ScoreInput => ScoreInputOverride ?? SyntheticRespondents;

    /// <summary>Reads the parameters from this process's environment.</summary>
    public static WorkbookParameters FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariables(), Directory.GetCurrentDirectory());

    /// <summary>
    /// Reads the parameters from <paramref name="environment"/>; relative paths resolve against
    /// <paramref name="workingDirectory"/>.
    /// </summary>
    public static WorkbookParameters FromEnvironment(IDictionary environment, string workingDirectory)
    {
        var sources = new Dictionary<string, string>();
        string? Get(string name)
        {
            var value = WorkbookVariables.Read(name, environment);
            sources[name] = value is null ? "default" : "environment";
            return value;
        }
        string Resolve(string path) => Path.GetFullPath(path, workingDirectory);

        var input = Get(WorkbookVariables.Input);
        var year = Get(WorkbookVariables.Year);
        var data = Get(WorkbookVariables.Data);
        var recipe = Get(WorkbookVariables.Recipe);
        var seed = Get(WorkbookVariables.Seed);
        var sampleRows = Get(WorkbookVariables.SampleRows);
        var synthRows = Get(WorkbookVariables.SynthRows);
        var scoreInput = Get(WorkbookVariables.ScoreInput);

        var inputs = input is null ? [] : Split(WorkbookVariables.Input, input, "file").Select(i => CheckInput(Resolve(i))).ToArray();
        var years = year is null ? []
            : Split(WorkbookVariables.Year, year, "year").Select(y => ParseInt(WorkbookVariables.Year, y, MinYear, MaxYear)).ToArray();
        if (years.Length > 0 && inputs.Length > 1 && years.Length != inputs.Length)
            throw new WorkbookParameterException(WorkbookVariables.Year, year!,
                $"one survey year per source of {WorkbookVariables.Input} ({inputs.Length}), in the same order, separated by '{Path.PathSeparator}'");
        if (years.Length > 1 && inputs.Length <= 1)
            throw new WorkbookParameterException(WorkbookVariables.Year, year!,
                $"one year (several only with as many sources in {WorkbookVariables.Input})");
        return new WorkbookParameters
        {
            Inputs = inputs,
            Years = years,
            DataRoot = data is null ? Path.Combine(WorkbookLocation.FindRoot(workingDirectory) ?? workingDirectory, "data")
                : CheckDataRoot(Resolve(data)),
            Recipe = recipe is null ? Recipe.Improved : Recipes.Parse(recipe)
                ?? throw new WorkbookParameterException(WorkbookVariables.Recipe, recipe, Recipes.Expected),
            Seed = seed is null ? DefaultSeed : ParseInt(WorkbookVariables.Seed, seed, int.MinValue, int.MaxValue),
            SampleRows = sampleRows is null ? DefaultSampleRows : ParseInt(WorkbookVariables.SampleRows, sampleRows, MinSampleRows, MaxRows),
            SynthRows = synthRows is null ? DefaultSynthRows : ParseInt(WorkbookVariables.SynthRows, synthRows, MinSynthRows, MaxRows),
            ScoreInputOverride = scoreInput is null ? null : Resolve(scoreInput),
            Sources = sources,
        };
    }

    /// <summary>The effective values, for the table each notebook prints first (meanings from <see cref="WorkbookVariables"/>).</summary>
    public IReadOnlyList<ParameterSetting> Describe() => WorkbookVariables.All.Where(v => v.Parameter).Select(v => Row(v, v.Name switch
    {
        WorkbookVariables.Input => Inputs.Count == 0 ? "(embedded synthetic sample)" : string.Join(Path.PathSeparator, Inputs),
        WorkbookVariables.Year => Years.Count == 0 ? "(the year the file states: IYEAR or YEAR)"
            : string.Join(Path.PathSeparator, Years.Select(y => y.ToString(CultureInfo.InvariantCulture))),
        WorkbookVariables.Data => DataRoot,
        WorkbookVariables.Recipe => Recipe.Name(),
        WorkbookVariables.Seed => Seed.ToString(CultureInfo.InvariantCulture),
        WorkbookVariables.SampleRows => SampleRows.ToString(CultureInfo.InvariantCulture),
        WorkbookVariables.SynthRows => SynthRows.ToString(CultureInfo.InvariantCulture),
        WorkbookVariables.ScoreInput => ScoreInput,
        _ => throw new InvalidOperationException($"{v.Name} has no value in {nameof(WorkbookParameters)}."),
    })).ToArray();

    private ParameterSetting Row(WorkbookVariable variable, string value) =>
        new(variable.Name, value, Sources.TryGetValue(variable.Name, out var source) ? source : "default", variable.Meaning);

    /// <summary>Source kinds <see cref="Inputs"/> may name (the converter reads each; anything else is refused here, naming the variable).</summary>
    public static readonly IReadOnlyList<string> InputExtensions = [".xpt", ".zip", ".csv", ".csv.gz"];

    /// <summary>
    /// A list separated by the platform's path separator, none of whose entries may be empty: <c>"$A:$B"</c> with a variable
    /// unset gives an empty entry (or only separators), and dropping it would silently run on fewer sources, or on the
    /// embedded sample when none is left.
    /// </summary>
    private static string[] Split(string variable, string list, string what)
    {
        var entries = list.Split(Path.PathSeparator, StringSplitOptions.TrimEntries);
        if (entries.All(e => e.Length == 0))
            throw new WorkbookParameterException(variable, list,
                $"at least one {what} (it is set but lists none, as \"$A{Path.PathSeparator}$B\" gives when both are unset); " +
                $"unset it for the default");
        if (entries.Any(e => e.Length == 0))
            throw new WorkbookParameterException(variable, list,
                $"{what}s separated by '{Path.PathSeparator}', none of them empty " +
                $"(an empty entry is what an unset variable gives in \"$A{Path.PathSeparator}$B\")");
        return entries;
    }

    private static string CheckInput(string path)
    {
        if (!InputExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new WorkbookParameterException(WorkbookVariables.Input, path, $"a BRFSS file ending in {string.Join(", ", InputExtensions)}");
        return path;
    }

    private static string CheckDataRoot(string path) => File.Exists(path)
        ? throw new WorkbookParameterException(WorkbookVariables.Data, path, "a folder (it names a file); point it at a folder for the outputs")
        : path;

    private static int ParseInt(string variable, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw new WorkbookParameterException(variable, text, "a whole number");
        if (value < min || value > max)
            throw new WorkbookParameterException(variable, text, $"a whole number from {min:N0} to {max:N0}");
        return value;
    }
}

/// <summary>A <c>POPHEALTH_*</c> variable holds a value the workbook cannot use.</summary>
public sealed class WorkbookParameterException(string variable, string value, string expected)
    : Exception($"{variable}='{value}' is not valid: expected {expected}.")
{
    public string Variable { get; } = variable;
}
