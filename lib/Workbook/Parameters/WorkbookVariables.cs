using System.Collections;

namespace PopHealth.Workbook;

/// <summary>One environment variable the workbook reads: the contract's parameters and the few tool settings.</summary>
/// <param name="Parameter">True for the contract's parameters (README, "Parameters"; printed by every notebook); false for tool settings.</param>
public sealed record WorkbookVariable(string Name, string Meaning, string Default, bool Parameter);

/// <summary>
/// Every <c>POPHEALTH_*</c> variable the workbook reads, listed once: <see cref="WorkbookParameters"/>, the charts, the
/// runner and the tests take their names from here, and a test checks that the README (parameters) or docs/testing.md
/// (tool settings) documents each and that no other <c>POPHEALTH_*</c> name appears in the code.
/// </summary>
public static class WorkbookVariables
{
    public const string Input = "POPHEALTH_INPUT";
    public const string Year = "POPHEALTH_YEAR";
    public const string Data = "POPHEALTH_DATA";
    public const string Recipe = "POPHEALTH_RECIPE";
    public const string Seed = "POPHEALTH_SEED";
    public const string SampleRows = "POPHEALTH_SAMPLE_ROWS";
    public const string SynthRows = "POPHEALTH_SYNTH_ROWS";
    public const string ScoreInput = "POPHEALTH_SCORE_INPUT";
    public const string StaticImages = "POPHEALTH_STATIC_IMAGES";
    public const string Chromium = "POPHEALTH_CHROMIUM";
    public const string PlotlyDirectory = "POPHEALTH_PLOTLY_DIR";
    public const string FuzzCases = "POPHEALTH_FUZZ_CASES";
    public const string FuzzSeed = "POPHEALTH_FUZZ_SEED";
    public const string FuzzReport = "POPHEALTH_FUZZ_REPORT";
    public const string WriteFixtures = "POPHEALTH_WRITE_FIXTURES";

    public static IReadOnlyList<WorkbookVariable> All { get; } =
    [
        new(Input, "BRFSS source: .xpt/.XPT, .zip (one XPT or CSV inside), .csv, .csv.gz; several separated by the platform's path separator " +
            "(one survey year each)", "the embedded synthetic sample, generated into <data>/raw/", true),
        new(Year, "survey year of the source (it picks the year profile and the poverty thresholds); with several sources, " +
            "their years in the same order", "the year the file states (IYEAR, or a non-empty YEAR); a file that states none needs it", true),
        new(Data, "root folder of every output", "data/ at the repository root", true),
        new(Recipe, "feature recipe: seed (the original's, for parity) or improved", "improved", true),
        new(Seed, "random seed for everything", WorkbookParameters.DefaultSeed.ToString(System.Globalization.CultureInfo.InvariantCulture), true),
        new(SampleRows, "rows of the embedded sample (at least 1,000)",
            WorkbookParameters.DefaultSampleRows.ToString(System.Globalization.CultureInfo.InvariantCulture), true),
        new(SynthRows, "synthetic respondents drawn in 05 (at least 1)",
            WorkbookParameters.DefaultSynthRows.ToString(System.Globalization.CultureInfo.InvariantCulture), true),
        new(ScoreInput, "Parquet file scored by 06", "<data>/synthetic/synthetic.parquet", true),
        new(StaticImages, "set by the runner: inline charts also carry a PNG, for viewers that strip scripts", "unset (charts interactive only)",
            false),
        new(Chromium,
            "headless Chromium used for static chart images (or a running one's DevTools address, http://127.0.0.1:port or ws://…: " +
            "the runner passes its browser to the kernels)", "chromium / chromium-browser / google-chrome on PATH", false),
        new(PlotlyDirectory, "folder of the Plotly adapter, for developers loading the library outside its package",
            "beside the library, or the package's plotly/", false),
        new(FuzzCases, "cases the ingest fuzz test runs (fuzz/fuzz-long.sh sets it for long runs)", "4000", false),
        new(FuzzSeed, "seed of the ingest fuzz test's mutations", "20240601", false),
        new(FuzzReport, "file the ingest fuzz test writes its outcome classes and peak allocation to", "unset (no report)", false),
        new(WriteFixtures, "set to regenerate the XPT hardening test fixtures in tests/fixtures/xpt (developers only)", "unset", false),
    ];

    /// <summary>The names of the contract's parameters, in the README's order.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = All.Where(v => v.Parameter).Select(v => v.Name).ToArray();

    /// <summary>A variable's value from <paramref name="environment"/> (this process's when null), trimmed; null when unset or blank.</summary>
    public static string? Read(string name, IDictionary? environment = null)
    {
        var value = environment is null ? Environment.GetEnvironmentVariable(name) : environment[name] as string;
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
