using PopHealth.Ingest.Census;
using PopHealth.Synthesis;
using PopHealth.Ingest;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>What 01-convert did: the conversion, the poverty thresholds written, and the generated sample if one was.</summary>
public sealed record ConvertResult(ConversionReport Report, PovertyThresholdTable Thresholds, string? GeneratedSample);

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
        string input;
        string? generated = null;
        if (parameters.Input is null)
        {
            input = generated = Path.Combine(parameters.RawDirectory, SampleFileName);
            progress?.Report($"generating the synthetic sample: {parameters.SampleRows:N0} rows, seed {parameters.Seed}");
            BrfssSample.WriteXpt(input, parameters.SampleRows, parameters.Seed,
                progress is null ? null : new Progress<int>(rows => progress.Report($"{rows:N0} synthetic rows drawn")));
        }
        else if (!File.Exists(parameters.Input))
            throw new WorkbookParameterException(WorkbookVariables.Input, parameters.Input, "an existing file (there is no such file); unset it to use the embedded sample");
        else input = parameters.Input;

        var report = await BrfssConverter.ConvertAsync(input, parameters.InterimBrfss,
            new ConversionOptions(Year: parameters.Year, Synthetic: generated is not null),
            progress is null ? null : new Progress<long>(rows => progress.Report($"{rows:N0} rows converted")));
        var thresholds = PovertyThresholdTable.ForSurveyYear(report.Profile.Year);
        await thresholds.WriteParquetAsync(parameters.InterimPovertyThresholds);
        return new ConvertResult(report, thresholds, generated);
    }
}
