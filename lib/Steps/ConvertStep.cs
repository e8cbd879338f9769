using PopHealth.Ingest.Census;
using PopHealth.Synthesis;
using PopHealth.Ingest;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>
/// What 01-convert did: the conversions (one per source; several when the input lists several survey years), the
/// poverty thresholds written, and the generated sample if one was.
/// </summary>
public sealed record ConvertResult(IReadOnlyList<ConversionReport> Reports, PovertyThresholdTable Thresholds, string? GeneratedSample)
{
    /// <summary>The (latest) conversion: the only one for a single source.</summary>
    public ConversionReport Report => Reports.MaxBy(r => r.Profile.Year)!;

    /// <summary>
    /// Respondents per CDC missing code (and blanks) of the key variables over the whole interim table, every survey year
    /// in it: counted while converting, so nothing reads the table again.
    /// </summary>
    public IReadOnlyList<MissingCodeCount> MissingCodes => MissingCodeTally.Combine(Reports.Select(r => r.KeyMissing).ToArray());
}

/// <summary>
/// The convert step of the workbook: the source named by <c>POPHEALTH_INPUT</c>, or else the embedded synthetic
/// sample generated into <c>&lt;data&gt;/raw/</c>, converted to <c>interim/brfss.parquet</c>; the poverty thresholds for
/// the source's year written to <c>interim/poverty_thresholds.parquet</c>.
/// </summary>
public static class ConvertStep
{
    public const string SampleFileName = "LLCP2024-sample.XPT";

    public static async Task<ConvertResult> RunAsync(WorkbookParameters parameters, IProgress<string>? progress = null)
    {
        foreach (var missing in parameters.Inputs.Where(i => !File.Exists(i)))
            throw new WorkbookParameterException(WorkbookVariables.Input, missing,
                "an existing file (there is no such file); unset it to use the embedded sample");
        if (parameters.Inputs.Count > 1) return await ConvertYearsAsync(parameters, progress);
        string input;
        string? generated = null;
        if (parameters.Inputs.Count == 0)
        {
            input = generated = Path.Combine(parameters.RawDirectory, SampleFileName);
            progress?.Report($"generating the synthetic sample: {parameters.SampleRows:N0} rows, seed {parameters.Seed}");
            BrfssSample.WriteXpt(input, parameters.SampleRows, parameters.Seed,
                progress is null ? null : new Progress<int>(rows => progress.Report($"{rows:N0} synthetic rows drawn")));
        }
        else input = parameters.Inputs[0];
        // A refused conversion (no year, no rows, codes its profile does not allow) leaves every earlier output as it was.
        var report = await BrfssConverter.ConvertAsync(input, parameters.InterimBrfss,
            new ConversionOptions(Year: parameters.Years.Count > 0 ? parameters.Years[0] : null, Synthetic: generated is not null),
            RowProgress(progress));
        var thresholds = PovertyThresholdTable.ForSurveyYear(report.Profile.Year);
        await thresholds.WriteParquetAsync(parameters.InterimPovertyThresholds);
        return new ConvertResult([report], thresholds, generated);
    }

    private static Progress<long>? RowProgress(IProgress<string>? progress, string? what = null) =>
        progress is null ? null : new Progress<long>(rows => progress.Report($"{what}{rows:N0} rows converted"));

    /// <summary>
    /// Several sources, one survey year each: each converted with its own year's profile (its year from
    /// <c>POPHEALTH_YEAR</c>, else the one the file states), then merged into one interim table with a <c>survey_year</c> column.
    /// The thresholds written are the latest year's.
    /// </summary>
    private static async Task<ConvertResult> ConvertYearsAsync(WorkbookParameters parameters, IProgress<string>? progress)
    {
        var folder = Directory.CreateTempSubdirectory("pophealth-years-");
        try
        {
            var reports = new List<ConversionReport>();
            for (var i = 0; i < parameters.Inputs.Count; i++)
            {
                var year = parameters.Years.Count > 0 ? parameters.Years[i] : (int?)null;
                var part = Path.Combine(folder.FullName, $"part-{i}.parquet");
                reports.Add(await BrfssConverter.ConvertAsync(parameters.Inputs[i], part, new ConversionOptions(Year: year),
                    RowProgress(progress, $"{Path.GetFileName(parameters.Inputs[i])}: ")));
            }
            progress?.Report($"merging {reports.Count} survey years");
            // Errors name the user's sources (the report's), never the temporary parts.
            await SurveyYears.MergeAsync(reports.Select(r => new SurveyYearPart(r.Output, r.Profile.Year, r.Source)).ToArray(),
                parameters.InterimBrfss);
            var thresholds = PovertyThresholdTable.ForSurveyYear(reports.Max(r => r.Profile.Year));
            await thresholds.WriteParquetAsync(parameters.InterimPovertyThresholds);
            return new ConvertResult(reports, thresholds, null);
        }
        finally { folder.Delete(recursive: true); }
    }
}
