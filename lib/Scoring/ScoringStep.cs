using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Ingest.Codebook;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Scoring;

/// <summary>Respondents per risk tier.</summary>
public sealed record TierCount(string Tier, string Range, long Respondents, double Share);

/// <summary>What 06-infer produced and what it shows.</summary>
public sealed class ScoringResult
{
    public required ScoringReport Report { get; init; }
    public required TrainedModel Model { get; init; }
    public required RegisteredVersion Version { get; init; }
    /// <summary>Probability per input row (null where a reason was given), in input order.</summary>
    public required double?[] Probabilities { get; init; }
    public required string?[] Reasons { get; init; }
    public required long[] Ids { get; init; }
    /// <summary>The input's columns that the summaries use (features, target, weight, state), as read.</summary>
    public required DataFrame Input { get; init; }

    public IReadOnlyList<TierCount> Tiers()
    {
        var scored = Probabilities.Where(p => p is not null).Select(p => p!.Value).ToArray();
        return RiskTiers.All.Select(t => new TierCount(t.Name, $"{t.Lower:P0}–{Math.Min(1, t.Upper):P0}",
            scored.LongCount(p => RiskTiers.Of(p) == t.Name), scored.Length == 0 ? 0 : scored.Count(p => RiskTiers.Of(p) == t.Name) / (double)scored.Length)).ToArray();
    }

    /// <summary>Reasons rows were not scored, with counts.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> UnscoredReasons() => Report.Unscored.OrderByDescending(kv => kv.Value).ToArray();

    private double?[]? Column(string name) => Input.Columns.IndexOf(name) >= 0 ? Input.Numbers(name) : null;

    /// <summary>Predicted against actual where the input carries the target: the test report of these rows (null without a target).</summary>
    public TestReport? PredictedVsActual()
    {
        if (Column(FeatureSet.Target) is not { } target) return null;
        var rows = Enumerable.Range(0, Probabilities.Length).Where(i => Probabilities[i] is not null && target[i] is 0 or 1).ToArray();
        if (rows.Length == 0 || rows.All(i => target[i] == 1) || rows.All(i => target[i] == 0)) return null;
        return Evaluation.Evaluate("scored rows with a known target", rows.Select(i => Probabilities[i]!.Value).ToArray(), rows.Select(i => target[i] == 1).ToArray(), Model.Threshold);
    }

    /// <summary>
    /// Mean predicted risk by the levels of <paramref name="feature"/> (labelled from CDC's codebook when
    /// <paramref name="codebookVariable"/> is given), survey-weighted when the input has weights; null when the input lacks the column.
    /// </summary>
    public IReadOnlyList<WeightedPrevalence>? PredictedPrevalenceBy(string feature, string? codebookVariable = null)
    {
        if (Column(feature) is not { } values) return null;
        var codebook = BrfssCodebook.Year2024;
        var weights = Column(FeatureSet.Weight) ?? Enumerable.Repeat<double?>(1, Probabilities.Length).ToArray();
        var labelOf = values.Where(v => v is not null).Select(v => v!.Value).Distinct()
            .ToDictionary(x => x, x => codebookVariable is null ? x.ToString(System.Globalization.CultureInfo.InvariantCulture) : codebook.Label(codebookVariable, x));
        var codeOf = labelOf.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Min(kv => kv.Key));
        var labels = values.Select(v => v is { } x ? labelOf[x] : null).ToArray();
        return SurveyEstimates.Prevalence(Probabilities, weights, labels, Column(FeatureSet.Stratum)).OrderBy(e => codeOf[e.Group]).ToArray();
    }

    /// <summary>Predicted prevalence by state (names from the codebook), when the input has a state column.</summary>
    public IReadOnlyList<WeightedPrevalence>? PredictedPrevalenceByState() => Column(FeatureSet.State) is null ? null : PredictedPrevalenceBy(FeatureSet.State, "_STATE");

    /// <summary>The main drivers of the <paramref name="rows"/> highest-risk respondents (see <see cref="Explanations"/>).</summary>
    public IReadOnlyList<Driver> TopRiskDrivers(int rows = 10, int backgroundRows = 50, int seed = 1)
    {
        var features = Model.FeatureNames.Select(f => Column(f)!).ToArray();
        float[] Row(int i) => features.Select(c => c[i] is { } v ? (float)v : float.NaN).ToArray();
        var scored = Enumerable.Range(0, Probabilities.Length).Where(i => Probabilities[i] is not null).ToArray();
        var top = scored.OrderByDescending(i => Probabilities[i]).Take(rows).ToArray();
        var background = Splits.Shuffle(scored, new Random(seed)).Take(backgroundRows).Select(Row).ToArray();
        return Explanations.Drivers(Model, top.Select(Row).ToArray(), top.Select(i => Ids[i]).ToArray(), background);
    }
}

/// <summary>
/// The infer step: scores <c>POPHEALTH_SCORE_INPUT</c> with <c>models:/pophealth-rfhlth@prod</c> into
/// <c>&lt;data&gt;/predictions/predictions.parquet</c> (see <see cref="BatchScorer"/>) and reads back what the notebook shows.
/// </summary>
public static class ScoringStep
{
    public static async Task<ScoringResult> RunAsync(WorkbookParameters parameters, ScoringOptions? options = null, IProgress<string>? progress = null)
    {
        options ??= new ScoringOptions();
        var store = new MlflowStore(parameters.MlRuns);
        var version = store.Resolve(options.ModelUri);
        var report = await BatchScorer.ScoreAsync(parameters.ScoreInput, parameters.Predictions, store, options,
            new Progress<long>(rows => progress?.Report($"{rows:N0} rows scored")));
        var model = ModelArtifacts.Load(version);
        var predictions = await ParquetFrames.ReadAsync(parameters.Predictions, [FeatureSet.RespondentId, "probability", "reason"]);
        var present = await Columns(parameters.ScoreInput);
        var wanted = model.FeatureNames.Concat([FeatureSet.Target, FeatureSet.Weight, FeatureSet.State, FeatureSet.Stratum]).Where(present.Contains).Distinct().ToArray();
        var input = await ParquetFrames.ReadAsync(parameters.ScoreInput, wanted);
        var probability = (DoubleDataFrameColumn)predictions.Columns["probability"];
        var reason = (StringDataFrameColumn)predictions.Columns["reason"];
        var ids = (Int64DataFrameColumn)predictions.Columns[FeatureSet.RespondentId];
        return new ScoringResult
        {
            Report = report, Model = model, Version = version, Input = ToDoubles(input),
            Probabilities = Enumerable.Range(0, (int)probability.Length).Select(i => probability[i]).ToArray(),
            Reasons = Enumerable.Range(0, (int)reason.Length).Select(i => reason[i]).ToArray(),
            Ids = Enumerable.Range(0, (int)ids.Length).Select(i => ids[i] ?? i + 1L).ToArray(),
        };
    }

    private static async Task<HashSet<string>> Columns(string path)
    {
        await using var reader = await ParquetFrames.OpenAsync(path);
        return reader.Schema.GetDataFields().Select(f => f.Name).ToHashSet();
    }

    /// <summary>Numeric columns of any width as nullable doubles (inputs need not be written by the workbook).</summary>
    private static DataFrame ToDoubles(DataFrame frame) => new(frame.Columns.Select(c => c switch
    {
        DoubleDataFrameColumn d => d,
        _ => (DataFrameColumn)new DoubleDataFrameColumn(c.Name, Enumerable.Range(0, (int)c.Length).Select(i => c[i] is null ? (double?)null : Convert.ToDouble(c[i], System.Globalization.CultureInfo.InvariantCulture))),
    }));
}
