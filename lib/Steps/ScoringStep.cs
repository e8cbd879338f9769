using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Ingest.Codebook;
using PopHealth.Modeling;
using PopHealth.Scoring;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>Respondents per risk tier.</summary>
public sealed record TierCount(string Tier, string Range, long Respondents, double Share);

/// <summary>What 06-infer produced and what it shows.</summary>
public sealed class ScoringResult
{
    public required ScoringReport Report { get; init; }
    /// <summary>Loads the ML.NET model (for explanations) on first use only.</summary>
    public required Func<TrainedModel> LoadModel { get; init; }
    private TrainedModel? model;
    public TrainedModel Model => model ??= LoadModel();
    public required RegisteredVersion Version { get; init; }
    public required ModelSignature Signature { get; init; }
    /// <summary>Probability per input row (null where a reason was given), in input order.</summary>
    public required double?[] Probabilities { get; init; }
    public required string?[] Reasons { get; init; }
    /// <summary>Respondent ids as the output carries them (whole numbers or text), in text form; empty where the id was unusable.</summary>
    public required string[] Ids { get; init; }
    /// <summary>The input's columns that the summaries use (features, target, weight, state), as read.</summary>
    public required DataFrame Input { get; init; }

    public IReadOnlyList<TierCount> Tiers()
    {
        var scored = Probabilities.Where(p => p is not null).Select(p => p!.Value).ToArray();
        return RiskTiers.All.Select(t => new TierCount(t.Name, $"{t.Lower:P0}–{Math.Min(1, t.Upper):P0}",
            scored.LongCount(p => RiskTiers.Of(p) == t.Name),
            scored.Length == 0 ? 0 : scored.Count(p => RiskTiers.Of(p) == t.Name) / (double)scored.Length)).ToArray();
    }

    /// <summary>Drift of this input against the model's training data (see <see cref="DriftReport"/>).</summary>
    public DriftReport Drift() => DriftReport.Measure(Signature,
        Signature.Features.Where(f => Column(f) is not null).ToDictionary(f => f, f => Column(f)!), Probabilities, Column(FeatureSet.Target),
        Signature.Threshold);

    /// <summary>
    /// What a reader must know before any table: each feature the input lacks in far more rows than training did (those rows
    /// were given a reason, not a score; see <see cref="MissingShareLimit"/>). Empty when there is nothing to say.
    /// </summary>
    public IReadOnlyList<string> Warnings => Report.MissingBeyondTraining.Select(m => m.Describe()).ToArray();

    /// <summary>Reasons rows were not scored, with counts.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> UnscoredReasons() => Report.Unscored.OrderByDescending(kv => kv.Value).ToArray();

    private double?[]? Column(string name) => Input.Columns.IndexOf(name) >= 0 ? Input.Numbers(name) : null;

    /// <summary>Predicted against actual where the input carries the target: the test report of these rows (null without a target).</summary>
    public TestReport? PredictedVsActual()
    {
        if (Column(FeatureSet.Target) is not { } target) return null;
        var rows = Enumerable.Range(0, Probabilities.Length).Where(i => Probabilities[i] is not null && target[i] is 0 or 1).ToArray();
        if (rows.Length == 0 || rows.All(i => target[i] == 1) || rows.All(i => target[i] == 0)) return null;
        return Evaluation.Evaluate("scored rows with a known target", rows.Select(i => Probabilities[i]!.Value).ToArray(),
            rows.Select(i => target[i] == 1).ToArray(), Signature.Threshold);
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
            .ToDictionary(x => x,
                x => codebookVariable is null ? x.ToString(System.Globalization.CultureInfo.InvariantCulture) : codebook.Label(codebookVariable, x));
        var codeOf = labelOf.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.Min(kv => kv.Key));
        var labels = values.Select(v => v is { } x ? labelOf[x] : null).ToArray();
        return SurveyEstimates.Prevalence(Probabilities, weights, labels, Column(FeatureSet.Stratum)).OrderBy(e => codeOf[e.Group]).ToArray();
    }

    /// <summary>Predicted prevalence by each of <see cref="FeatureSet.PrevalenceGroups"/> the input has, once per group title.</summary>
    public IReadOnlyList<(string Title, IReadOnlyList<WeightedPrevalence> Groups)> PredictedPrevalenceByGroup() =>
        FeatureSet.PrevalenceGroups.Select(g => (g.Title, Groups: PredictedPrevalenceBy(g.Feature, g.CodebookVariable)))
            .Where(g => g.Groups is not null)
            .DistinctBy(g => g.Title).Select(g => (g.Title, g.Groups!)).ToArray();

    /// <summary>Predicted prevalence by state (names from the codebook), when the input has a state column.</summary>
    public IReadOnlyList<WeightedPrevalence>? PredictedPrevalenceByState() =>
        Column(FeatureSet.State) is null ? null : PredictedPrevalenceBy(FeatureSet.State, "_STATE");

    /// <summary>The compiled trees with cover, for exact explanations (null when the model was registered without them).</summary>
    public required TreeEnsemble? ExplainableTrees { get; init; }

    /// <summary>
    /// The <paramref name="topPerRow"/> main drivers (exact TreeSHAP) of the <paramref name="rows"/> highest-risk respondents;
    /// empty when the model has no explainable trees.
    /// </summary>
    public IReadOnlyList<Driver> TopRiskDrivers(int rows = 10, int topPerRow = 5)
    {
        if (ExplainableTrees is null) return [];
        var features = Signature.Features.Select(f => Column(f)!).ToArray();
        float[] Row(int i) => features.Select(c => c[i] is { } v ? (float)v : float.NaN).ToArray();
        var top = Enumerable.Range(0, Probabilities.Length).Where(i => Probabilities[i] is not null).OrderByDescending(i => Probabilities[i])
            .Take(rows).ToArray();
        if (top.Length == 0) return []; // no row was scored
        return new RowDrivers(ExplainableTrees, Signature, topPerRow).Drivers(top.Select(Row).ToArray(), top.Select(i => Ids[i]).ToArray(),
            top.Select(i => Probabilities[i]!.Value).ToArray());
    }
}

/// <summary>
/// The infer step, as four named stages the notebook shows one cell each: <see cref="Load"/> resolves
/// <c>models:/pophealth-rfhlth@prod</c> once (the alias cannot move in between), <see cref="CheckAsync"/> holds
/// <c>POPHEALTH_SCORE_INPUT</c> against its signature and the columns the summaries read, <see cref="ScoreAsync"/> writes
/// <c>&lt;data&gt;/predictions/predictions.parquet</c> (see <see cref="BatchScorer"/>), <see cref="SummariseAsync"/> reads back what
/// the notebook shows. Nothing is written unless every check passed.
/// </summary>
public static class ScoringStep
{
    /// <summary>Columns the summaries read when the input has them (they must be numeric).</summary>
    public static readonly IReadOnlyList<string> SummaryColumns = [FeatureSet.Target, FeatureSet.Weight, FeatureSet.State, FeatureSet.Stratum];

    public static async Task<ScoringResult> RunAsync(WorkbookParameters parameters, ScoringOptions? options = null,
        IProgress<string>? progress = null)
    {
        using var model = Load(parameters, options);
        var input = await CheckAsync(parameters, model, options);
        var report = await ScoreAsync(parameters, model, input, progress, options);
        return await SummariseAsync(parameters, model, report);
    }

    /// <summary>The registered model, resolved once.</summary>
    public static ScoringModel Load(WorkbookParameters parameters, ScoringOptions? options = null) =>
        ScoringModel.Load(new MlflowStore(parameters.MlRuns), (options ?? new ScoringOptions()).ModelUri);

    /// <summary>
    /// The input against the model's features and the summary columns; every problem listed at once. Features missing in far
    /// more rows than in training are found here (<see cref="CheckedInput.MissingBeyondTraining"/>): 06 says so first.
    /// </summary>
    public static async Task<CheckedInput> CheckAsync(WorkbookParameters parameters, ScoringModel model, ScoringOptions? options = null)
    {
        var path = parameters.ScoreInput;
        if (Directory.Exists(path))
            throw parameters.ScoreInputOverride is null
                ? new InvalidDataException($"{path} is a folder, not a file: 06 scores the Parquet file 05-synthesize writes there; " +
                    $"remove the folder and run 05-synthesize again.")
                : new WorkbookParameterException(WorkbookVariables.ScoreInput, path,
                    "a Parquet file (it names a folder, not a file); point it at a .parquet file");
        if (!File.Exists(path))
            throw parameters.ScoreInputOverride is null
                ? new FileNotFoundException($"No synthetic respondents at {path}: run 05-synthesize first, " +
                    $"or set {WorkbookVariables.ScoreInput} to a Parquet file to score.", path)
                : new WorkbookParameterException(WorkbookVariables.ScoreInput, path, "an existing Parquet file (there is no such file)");
        var input = await BatchScorer.CheckAsync(path, model.Signature, options?.MissingShare);
        var problems = input.Fields.Where(f => SummaryColumns.Contains(f.Name) && !BatchScorer.IsNumber(f)).Select(SummaryColumnProblem).ToArray();
        if (problems.Length > 0) throw new ScoringInputException(path, problems);
        return input;
    }

    private static string SummaryColumnProblem(Parquet.Schema.DataField field) => field.Name == FeatureSet.Target
        ? $"column '{field.Name}' is {BatchScorer.TypeName(field)}, expected numbers " +
          $"(the target: 1 = fair or poor health, 0 = good, empty = unknown): " +
          "06 reads it to compare predictions with outcomes; write it as numbers, or drop the column to score without that comparison"
        : $"column '{field.Name}' is {BatchScorer.TypeName(field)}, expected numbers (06 reads it for the summaries): " +
          $"write it as numbers, or drop the column";

    /// <summary>
    /// Scores the checked input into <c>&lt;data&gt;/predictions/predictions.parquet</c> and keeps the rows it wrote, for the
    /// summary. A predictions folder 06 cannot write is refused first, naming <c>POPHEALTH_DATA</c>.
    /// </summary>
    public static Task<ScoringReport> ScoreAsync(WorkbookParameters parameters, ScoringModel model, CheckedInput input,
        IProgress<string>? progress = null, ScoringOptions? options = null)
    {
        RequireWritable(parameters);
        return BatchScorer.ScoreAsync(input, parameters.Predictions, model, new Progress<long>(rows => progress?.Report($"{rows:N0} rows scored")),
            (options ?? new ScoringOptions()).Drivers, keepRows: true);
    }

    /// <summary>Refuses a predictions folder 06 cannot write (<see cref="WritableFolder"/>): one clear error before any work.</summary>
    private static void RequireWritable(WorkbookParameters parameters)
    {
        var folder = Path.GetDirectoryName(parameters.Predictions)!;
        if (WritableFolder.Problem(folder) is { } why)
            throw new WorkbookParameterException(WorkbookVariables.Data, parameters.DataRoot,
                $"a folder 06 can write its predictions in, but {folder} cannot be written ({why.TrimEnd('.')}); make it writable, " +
                $"or point {WorkbookVariables.Data} at a folder you can write");
    }

    /// <summary>
    /// The predictions and the input's summary columns, for the notebook's tables and charts: from the rows this run wrote
    /// (never a predictions file another run may have replaced), and the input's columns re-read from the file this run
    /// scored, held to its identity and row count (<see cref="InputIdentity"/>).
    /// </summary>
    public static async Task<ScoringResult> SummariseAsync(WorkbookParameters parameters, ScoringModel model, ScoringReport report)
    {
        var rows = report.Written ?? await ReadBackAsync(report);
        // The input's columns as the check found them: the model's features and the ones it ignored (no second look at the schema).
        var present = model.Signature.Features.Concat(report.IgnoredColumns).ToHashSet();
        var wanted = model.Signature.Features.Concat(SummaryColumns).Where(present.Contains).Distinct().ToArray();
        var input = await ReadInputAsync(report, wanted);
        var version = model.Version;
        return new ScoringResult
        {
            Report = report, LoadModel = () => ModelArtifacts.Load(version), Version = version, Signature = model.Signature,
            ExplainableTrees = model.ExplainableTrees, Input = ToDoubles(input),
            Probabilities = rows.Probabilities.ToArray(), Reasons = rows.Reasons.ToArray(), Ids = rows.Ids.ToArray(),
        };
    }

    /// <summary>
    /// The input's <paramref name="columns"/>, read from the file the run scored: the same identity before and after
    /// the read, and its row count.
    /// </summary>
    private static Task<DataFrame> ReadInputAsync(ScoringReport report, string[] columns)
    {
        async Task Check()
        {
            if (report.InputIdentity is { } identity)
                identity.Require(await InputIdentity.OfFileAsync(report.Input), report.Input, "re-read for the summary");
        }
        return ReadCheckedAsync(report.Input, columns, report.Rows, Check,
            read => $"{report.Input} holds {read:N0} rows, but {report.Rows:N0} were scored: " +
                $"another run replaced it in between; run 06 again.");
    }

    /// <summary>
    /// For a report that did not keep its rows: the predictions file read back, refused unless it is the one this run wrote
    /// (its <see cref="BatchScorer.RunKey"/> before and after the read, and its row count).
    /// </summary>
    private static async Task<ScoredRows> ReadBackAsync(ScoringReport report)
    {
        async Task Check()
        {
            var written = (await ParquetFrames.ReadMetadataAsync(report.Output)).GetValueOrDefault(BatchScorer.RunKey);
            if (written != report.RunId || report.RunId.Length == 0)
                throw new InvalidDataException($"{report.Output} is not the file this scoring wrote " +
                    $"(another 06 on the same POPHEALTH_DATA replaced it); run 06 again.");
        }
        var predictions = await ReadCheckedAsync(report.Output, [FeatureSet.RespondentId, "probability", "reason"], report.Rows, Check,
            read => $"{report.Output} holds {read:N0} rows, but this scoring wrote {report.Rows:N0}; " +
                $"run 06 again.");
        return ScoredRows.From(predictions);
    }

    /// <summary>
    /// The <paramref name="columns"/> of <paramref name="path"/>, read between two <paramref name="check"/>s that it is still
    /// the file this run scored or wrote, and holding <paramref name="rows"/> rows (else the error <paramref name="mismatch"/>
    /// words, given the rows read).
    /// </summary>
    private static async Task<DataFrame> ReadCheckedAsync(string path, IEnumerable<string> columns, long rows, Func<Task> check,
        Func<long, string> mismatch)
    {
        await check();
        var frame = await ParquetFrames.ReadAsync(path, columns);
        await check();
        if (frame.Rows.Count != rows) throw new InvalidDataException(mismatch(frame.Rows.Count));
        return frame;
    }

    /// <summary>Numeric columns of any width as nullable doubles (inputs need not be written by the workbook).</summary>
    private static DataFrame ToDoubles(DataFrame frame) => new(frame.Columns.Select(c => c switch
    {
        DoubleDataFrameColumn d => d,
        _ => (DataFrameColumn)new DoubleDataFrameColumn(c.Name,
            Enumerable.Range(0, (int)c.Length)
                .Select(i => c[i] is null ? (double?)null : Convert.ToDouble(c[i], System.Globalization.CultureInfo.InvariantCulture))),
    }));
}
