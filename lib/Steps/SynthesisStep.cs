using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Synthesis;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>Options for <see cref="SynthesisStep"/>.</summary>
/// <param name="FitShare">Share of the processed respondents the synthesizer is fitted on (the original used 5 %).</param>
/// <param name="MinFitRows">At least this many rows are fitted on (when there are that many).</param>
public sealed record SynthesisOptions(double FitShare = 0.05, int MinFitRows = 2000, int PrivacyRows = 2000);

/// <summary>What 05-synthesize produced.</summary>
public sealed record SynthesisResult(FeatureSet Synthetic, GaussianCopula Synthesizer, int FitRows, QualityReport Quality, PrivacyReport Privacy,
    DataFrame Real, string SynthesizerPath, IReadOnlyList<string> Columns, int RedrawnCopies);

/// <summary>
/// The synthesize step: a Gaussian copula fitted on a random share of the processed respondents (features and
/// target), <c>POPHEALTH_SYNTH_ROWS</c> synthetic respondents drawn from it, quality and privacy measured against
/// the real rows, and the synthetic table and the synthesizer written.
/// </summary>
public static class SynthesisStep
{
    public const string SynthesizerFile = "synthesizer.json";

    public static async Task<SynthesisResult> RunAsync(WorkbookParameters parameters, SynthesisOptions? options = null,
        IProgress<string>? progress = null)
    {
        options ??= new SynthesisOptions();
        var set = await FeatureSet.ReadAsync(parameters.ProcessedFeatures);
        var columns = set.FeatureNames.Append(FeatureSet.Target).ToArray();
        var n = (int)set.Rows;
        var random = new Random(parameters.Seed);
        var order = Statistics.Shuffle(Enumerable.Range(0, n), random);
        var fitCount = Math.Min(n / 2, Math.Max(options.MinFitRows, (int)Math.Round(n * options.FitShare)));
        if (fitCount < 50) throw new InvalidDataException($"{parameters.ProcessedFeatures}: {n} respondents are too few to fit a synthesizer.");
        var fitRows = order.Take(fitCount).Order().ToArray();
        var holdoutRows = order.Skip(fitCount).Take(fitCount).Order().ToArray();
        var valueCache = columns.ToDictionary(c => c, set.Values);
        DataFrame Take(int[] rows) => new(columns.Select(c => (DataFrameColumn)new DoubleDataFrameColumn(c, rows.Select(i => valueCache[c][i]))));
        var real = Take(fitRows);
        var holdout = Take(holdoutRows);

        progress?.Report($"fitting the Gaussian copula on {fitCount:N0} of {n:N0} respondents ({columns.Length} columns)");
        var copula = GaussianCopula.Fit(real);
        var synthesizerPath = Path.Combine(Path.GetDirectoryName(parameters.SyntheticRespondents)!, SynthesizerFile);
        copula.Save(synthesizerPath);
        progress?.Report($"drawing {parameters.SynthRows:N0} synthetic respondents");
        var drawn = copula.Sample(parameters.SynthRows, parameters.Seed,
            new Progress<int>(r => progress?.Report($"{r:N0} of {parameters.SynthRows:N0} synthetic respondents drawn")));
        var redrawn = RedrawCopies(drawn, real, copula, columns, parameters.Seed);

        var table = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, Enumerable.Range(1, parameters.SynthRows).Select(i => (long)i)));
        foreach (var c in columns) table.Columns.Add(drawn.Columns[c]);
        var synthetic = new FeatureSet(set.Recipe, set.ProfileName, table, set.Features,
            [new RowAccount("synthetic rows drawn", parameters.SynthRows,
                $"Gaussian copula fitted on {fitCount:N0} real respondents ({options.FitShare:P0}, at least {options.MinFitRows:N0})"),
             new RowAccount("rows redrawn", redrawn, "drawn identical to a real row the synthesizer was fitted on, so drawn again")],
            synthetic: true);
        await synthetic.WriteAsync(parameters.SyntheticRespondents);

        progress?.Report("measuring quality and privacy");
        var quality = SynthesisReports.Quality(real, drawn, columns);
        var privacy = SynthesisReports.Privacy(real, holdout, drawn, columns, parameters.Seed, options.PrivacyRows);
        progress?.Report($"wrote {parameters.SyntheticRespondents}");
        return new SynthesisResult(synthetic, copula, fitCount, quality, privacy, real, synthesizerPath, columns, redrawn);
    }

    /// <summary>
    /// Replaces synthetic rows identical to a fitted-on real row (possible by chance when most columns are codes) with
    /// fresh draws, until none is left or ten rounds have passed. Returns how many rows were replaced.
    /// </summary>
    public static int RedrawCopies(DataFrame synthetic, DataFrame real, GaussianCopula copula, IReadOnlyList<string> columns, int seed)
    {
        static string Key(DataFrame frame, IReadOnlyList<string> columns, long row) =>
            string.Join("|",
                columns.Select(c => ((DoubleDataFrameColumn)frame.Columns[c])[row]?.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
                    ?? "-"));
        var realKeys = Enumerable.Range(0, (int)real.Rows.Count).Select(i => Key(real, columns, i)).ToHashSet();
        var replaced = 0;
        for (var round = 1; round <= 10; round++)
        {
            var copies = Enumerable.Range(0, (int)synthetic.Rows.Count).Where(i => realKeys.Contains(Key(synthetic, columns, i))).ToArray();
            if (copies.Length == 0) break;
            var fresh = copula.Sample(copies.Length, unchecked(seed + round * 7919));
            foreach (var c in columns)
            {
                var target = (DoubleDataFrameColumn)synthetic.Columns[c];
                var source = (DoubleDataFrameColumn)fresh.Columns[c];
                for (var k = 0; k < copies.Length; k++) target[copies[k]] = source[k];
            }
            replaced += copies.Length;
        }
        return replaced;
    }
}
