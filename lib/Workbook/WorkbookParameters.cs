using System.Collections;
using System.Globalization;

namespace PopHealth.Workbook;

/// <summary>One row of the parameter table every notebook shows first.</summary>
public sealed record ParameterSetting(string Variable, string Value, string Source, string Meaning);

/// <summary>
/// The workbook's parameters (DESIGN §7), read from <c>POPHEALTH_*</c> environment variables, each with
/// a default. Paths of every output derive from <see cref="DataRoot"/>.
/// </summary>
public sealed record WorkbookParameters
{
    public const int DefaultSeed = 20240601;
    public const int DefaultSampleRows = 100_000;
    public const int DefaultSynthRows = 10_000;

    /// <summary>BRFSS source file, or null for the embedded synthetic sample.</summary>
    public string? Input { get; init; }
    /// <summary>BRFSS year profile, or null to detect it from the variables present.</summary>
    public int? Year { get; init; }
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
    /// <summary>Where charts meant to be read outside the notebooks go: the repository's <c>plots/</c> for the default data root, else <c>&lt;data&gt;/plots</c>.</summary>
    public string PlotsDirectory
    {
        get
        {
            var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(DataRoot));
            return parent is not null && Path.GetFileName(Path.TrimEndingDirectorySeparator(DataRoot)) == "data" && File.Exists(Path.Combine(parent, "PopHealth.slnx"))
                ? Path.Combine(parent, "plots")
                : Path.Combine(DataRoot, "plots");
        }
    }
    public string ScoreInput => ScoreInputOverride ?? SyntheticRespondents;

    /// <summary>Reads the parameters from this process's environment.</summary>
    public static WorkbookParameters FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariables(), Directory.GetCurrentDirectory());

    /// <summary>Reads the parameters from <paramref name="environment"/>; relative paths resolve against <paramref name="workingDirectory"/>.</summary>
    public static WorkbookParameters FromEnvironment(IDictionary environment, string workingDirectory)
    {
        var sources = new Dictionary<string, string>();
        string? Get(string name)
        {
            var value = environment[name] as string;
            var set = !string.IsNullOrWhiteSpace(value);
            sources[name] = set ? "environment" : "default";
            return set ? value!.Trim() : null;
        }
        string Resolve(string path) => Path.GetFullPath(path, workingDirectory);

        var input = Get("POPHEALTH_INPUT");
        var year = Get("POPHEALTH_YEAR");
        var data = Get("POPHEALTH_DATA");
        var recipe = Get("POPHEALTH_RECIPE");
        var seed = Get("POPHEALTH_SEED");
        var sampleRows = Get("POPHEALTH_SAMPLE_ROWS");
        var synthRows = Get("POPHEALTH_SYNTH_ROWS");
        var scoreInput = Get("POPHEALTH_SCORE_INPUT");

        return new WorkbookParameters
        {
            Input = input is null ? null : Resolve(input),
            Year = year is null ? null : ParseInt("POPHEALTH_YEAR", year, 1984, 2100),
            DataRoot = data is null ? Path.Combine(WorkbookLocation.FindRoot(workingDirectory) ?? workingDirectory, "data") : Resolve(data),
            Recipe = recipe is null ? Recipe.Improved : Recipes.Parse(recipe) ?? throw new WorkbookParameterException("POPHEALTH_RECIPE", recipe, Recipes.Expected),
            Seed = seed is null ? DefaultSeed : ParseInt("POPHEALTH_SEED", seed, int.MinValue, int.MaxValue),
            SampleRows = sampleRows is null ? DefaultSampleRows : ParseInt("POPHEALTH_SAMPLE_ROWS", sampleRows, 1, 50_000_000),
            SynthRows = synthRows is null ? DefaultSynthRows : ParseInt("POPHEALTH_SYNTH_ROWS", synthRows, 1, 50_000_000),
            ScoreInputOverride = scoreInput is null ? null : Resolve(scoreInput),
            Sources = sources,
        };
    }

    /// <summary>The effective values, for the table each notebook prints first.</summary>
    public IReadOnlyList<ParameterSetting> Describe() =>
    [
        Row("POPHEALTH_INPUT", Input ?? "(embedded synthetic sample)", "BRFSS source file"),
        Row("POPHEALTH_YEAR", Year?.ToString(CultureInfo.InvariantCulture) ?? "(detected from the variables present)", "BRFSS year profile"),
        Row("POPHEALTH_DATA", DataRoot, "root folder of every output"),
        Row("POPHEALTH_RECIPE", Recipe.Name(), "feature recipe: seed (original, for parity) or improved"),
        Row("POPHEALTH_SEED", Seed.ToString(CultureInfo.InvariantCulture), "random seed for everything"),
        Row("POPHEALTH_SAMPLE_ROWS", SampleRows.ToString(CultureInfo.InvariantCulture), "rows of the embedded sample"),
        Row("POPHEALTH_SYNTH_ROWS", SynthRows.ToString(CultureInfo.InvariantCulture), "synthetic respondents drawn in 05"),
        Row("POPHEALTH_SCORE_INPUT", ScoreInput, "parquet scored by 06"),
    ];

    private ParameterSetting Row(string variable, string value, string meaning) =>
        new(variable, value, Sources.TryGetValue(variable, out var source) ? source : "default", meaning);

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
