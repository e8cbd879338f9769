using System.Diagnostics;
using System.Globalization;
using System.Text;
using PopHealth.Charts;
using PopHealth.Features;
using PopHealth.Ingest.Codebook;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>Options for <see cref="TrainStep"/>.</summary>
/// <param name="SearchTrials">Settings the budgeted random search tries (the budget is a trial count, so the same seed gives the same leaderboard).</param>
/// <param name="SweepRows">Training rows the sweeps' last rung cross-validates on at most (a stratified subsample), unless
/// <paramref name="SweepShare"/> of the training rows is more (<see cref="SweepRowsFor"/>); the chosen setting is refit on all.</param>
/// <param name="HalvingRate">Successive halving (<see cref="HalvingOptions"/>): each rung keeps the best 1/rate of the grid's and of the search's settings and gives them rate times the rows.</param>
/// <param name="MinRungRows">The first rung's rows at least (every setting is cross-validated there); it holds 1/rate² of the sweep rows when that is more (<see cref="HalvingFor"/>).</param>
/// <param name="SweepShare">On large data, the share of the training rows the sweeps use when that is more than <paramref name="SweepRows"/>, up to <paramref name="MaxSweepRows"/>.</param>
/// <param name="MaxSweepRows">The most rows a share of large data gives the sweeps (their cost grows with the rows).</param>
/// <param name="RefitTreesGrowth">When the training rows are at least this many times the sweep rows, a boosted choice is refitted with
/// the tree count <see cref="RefitTrees"/> chooses on held-out training rows, up to <paramref name="RefitTreesMultiple"/> times its own (0: never).</param>
/// <param name="ImportanceRows">Test rows permutation importance uses at most.</param>
/// <param name="ShapRows">Test rows the global SHAP summary explains (a seeded sample of the importance rows).</param>
/// <param name="AliasRecalibrated">With several survey years: the alias goes to the version recalibrated for the latest year when its sample shows the model's
/// level is off for that year (<see cref="RecalibratedModel.Supported"/>), else stays on the model as trained (true); or always stays there (false).</param>
/// <param name="Promotion">What a new version must show before the alias moves to it (null: <see cref="PromotionRules"/>' defaults); see <see cref="PromotionGate"/>.</param>
public sealed record TrainOptions(int SearchTrials = 24, int SweepRows = 60_000, int Folds = 3, int ImportanceRows = 20_000,
    int ImportanceRepeats = 3, string Experiment = "pophealth", string ModelName = WorkbookModel.Name, string Alias = WorkbookModel.Alias, int ShapRows = 2000,
    bool AliasRecalibrated = true, int HalvingRate = 3, int MinRungRows = 5_000, double SweepShare = 0.3, int MaxSweepRows = 360_000,
    double RefitTreesGrowth = 3, int RefitTreesMultiple = 4, PromotionRules? Promotion = null)
{
    /// <summary>The promotion rules in force (<see cref="Promotion"/> or the defaults).</summary>
    public PromotionRules PromotionRules => Promotion ?? new PromotionRules();

    /// <summary>
    /// The rule for the rows the sweeps cross-validate on, given the training rows: <see cref="SweepRows"/> (60,000), or
    /// <see cref="SweepShare"/> of the training rows (30 %) when that is more, up to <see cref="MaxSweepRows"/> (360,000);
    /// never more than there are. Settings chosen on 60,000 rows are smaller than a million rows support, so large data
    /// sweeps on more; the embedded sample (79,778 training rows; any data up to 200,000) sweeps on 60,000, the three
    /// national years (1,218,265) on 360,000. Sweeping them on 540,000 (45 %) chose the same setting and cost 100 s more.
    /// </summary>
    public int SweepRowsFor(int trainingRows) =>
        Math.Min(trainingRows, Math.Max(SweepRows, Math.Min(MaxSweepRows, (int)(SweepShare * trainingRows))));

    /// <summary>
    /// The halving for <paramref name="sweepRows"/>: rate <see cref="HalvingRate"/>, the first rung a ninth (1/rate²) of the rows
    /// and at least <see cref="MinRungRows"/>, so that more sweep rows give every rung more rows (6,666 → 20,000 → 60,000;
    /// 40,000 → 120,000 → 360,000) rather than more rungs below the same top, whose last would hold a single setting.
    /// </summary>
    public HalvingOptions HalvingFor(int sweepRows) => new(HalvingRate, Math.Max(MinRungRows, sweepRows / (HalvingRate * HalvingRate)));
}

/// <summary>Stage 1, plan: the feature table, its recipe, the split, the test sets and the rows the sweeps use.</summary>
public sealed class TrainingPlan
{
    public required WorkbookParameters Parameters { get; init; }
    public required TrainOptions Options { get; init; }
    public required FeatureSet Features { get; init; }
    public required ModelMatrix Data { get; init; }
    public required DataSplit Split { get; init; }
    /// <summary>Named test sets; the first is the headline (the original's balanced one for <c>seed</c>, natural prevalence for <c>improved</c>).</summary>
    public required IReadOnlyList<(string Name, int[] Rows)> TestSets { get; init; }
    /// <summary>Balanced training's map back to the population's prevalence (the <c>seed</c> recipe), else null.</summary>
    public required PriorShift? Shift { get; init; }
    public required int[] SweepRows { get; init; }
    /// <summary>Each respondent's survey year when the features hold several years (else null): next-year validation runs then.</summary>
    public required int[]? Years { get; init; }

    /// <summary>The recipe, as the features file records it (not as the environment says).</summary>
    public Recipe Recipe => Features.Recipe;
    public int Seed => Parameters.Seed;

    /// <summary>What 03 decided about candidate features (e.g. the interview month), and why; or that there were none.</summary>
    public string CandidateSummary => Features.Candidates.Count == 0
        ? "No candidate features in these features (the source has no interview month): nothing was decided."
        : string.Join(" ", Features.Candidates.Select(c => c.Reason)) + " (decided in 03 on this split's training respondents only.)";

    public string Describe() =>
        $"{Recipe.Name()} recipe{TrainGuards.RecipeNote(Parameters, Features)}: {Data.Count:N0} respondents, {Data.FeatureNames.Count} features; train {Split.Train.Length:N0} " +
        $"(sweeps on {SweepRows.Length:N0}), test {Split.Test.Length:N0}; {Split.Description}";
}

/// <summary>The train/test split of a feature table, its named test sets, the prior shift of balanced training and the rows' survey years (null for one year).</summary>
public sealed record PlannedSplit(DataSplit Split, IReadOnlyList<(string Name, int[] Rows)> Tests, PriorShift? Shift, int[]? Years);

/// <summary>Stage 2, sweep: the original's grid and the budgeted search, each by successive halving on the same nested rows and folds.</summary>
public sealed record TrainingSweeps(SweepRun Grid, SweepRun Search)
{
    /// <summary>Grid and search trials together: those that reached the most rows first, then best cross-validated AUC.</summary>
    public IReadOnlyList<LeaderboardRow> Leaderboard => TrialResult.Ranked(Grid.Trials.Concat(Search.Trials)).Select((t, i) => t.Row(i + 1)).ToArray();

    public TimeSpan Elapsed => Grid.Elapsed + Search.Elapsed;
    public int Trials => Grid.Trials.Count + Search.Trials.Count;

    /// <summary>What was cross-validated on how many rows, and how long it took.</summary>
    public string Describe(int folds) =>
        $"{Trials} settings × {folds} folds by successive halving in {Elapsed.TotalSeconds:F0} s: original grid {Grid.RungSummary} ({Seconds(Grid)}); " +
        $"budgeted search {Search.RungSummary} ({Seconds(Search)})";

    private static string Seconds(SweepRun sweep) => string.Join(" + ", sweep.RungSeconds.Select(s => s.ToString("F0", CultureInfo.InvariantCulture))) + " s";
}

/// <summary>Stage 3, choose: the best setting, its operating threshold (best out-of-fold F1) and its refit on all training rows.</summary>
public sealed record ChosenModel(TrialResult Trial, double Threshold, TrainedModel Model)
{
    /// <summary>How the refit's tree count was chosen, when the training rows were many times the sweep's (null: the sweep's setting as it is).</summary>
    public RefitTreesChoice? RefitTrees { get; init; }

    /// <summary>One line: the setting, its cross-validated AUC, the threshold and, when chosen, the refit's trees.</summary>
    public string Summary =>
        $"chosen: {Trial.Name} ({Trial.Spec.Trainer}, {Trial.Spec.Settings}), CV AUC {Trial.MeanAuc:F4} ± {Trial.SdAuc:F4}; threshold {Threshold:F3}" +
        (RefitTrees is { } trees ? $"; {trees.Describe()}" : "");

    /// <summary>The model's export (ONNX graph, trees and their cover), made once at first use by SHAP or registration.</summary>
    public ModelExport Export => export is { } made && ReferenceEquals(made.Model, Model) ? made : export = ModelExport.Create(Model, TrainingRows);

    /// <summary>The rows the model was fitted on, for its trees' cover.</summary>
    public IReadOnlyList<float[]>? TrainingRows { get; init; }

    private ModelExport? export;
}

/// <summary>Stage 4, evaluate: one report per test set, with the probabilities and rows it was computed from.</summary>
public sealed record TestEvaluation(TestReport Report, double[] Probabilities, ModelMatrix Rows);

/// <summary>Stage 5, model card: permutation importance, subgroup metrics and the intersectional audit on the headline test set.</summary>
public sealed record ModelCardReport(IReadOnlyList<FeatureImportance> Importance, IReadOnlyList<SubgroupMetrics> Subgroups, FairnessAuditReport Audit,
    ShapSummary? Shap);

/// <summary>
/// Stage 4c, recalibrate: the chosen model recalibrated in the large for the latest survey year, and the headline test
/// (that year's holdout) before and after. The trees are the same, so AUC is too; calibration is what moves.
/// </summary>
public sealed record RecalibrationReport(RecalibratedModel Recalibrated, TestReport Before, TestReport After)
{
    /// <summary>The headline test before and after, metric by metric.</summary>
    public IReadOnlyList<RecalibrationLine> Comparison() =>
    [
        new("AUC", Before.Auc, After.Auc), new("Brier score", Before.Brier, After.Brier),
        new("calibration in the large (mean predicted − observed)", Before.CalibrationInTheLarge, After.CalibrationInTheLarge),
        new("mean predicted risk", Before.Prevalence + Before.CalibrationInTheLarge, After.Prevalence + After.CalibrationInTheLarge),
        new("observed prevalence", Before.Prevalence, After.Prevalence),
        new("recall @chosen threshold", Before.AtChosen.Recall, After.AtChosen.Recall), new("precision @chosen threshold", Before.AtChosen.Precision, After.AtChosen.Precision),
    ];

    /// <summary>What was done, in one sentence.</summary>
    public string Summary => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"Intercept moved by {Recalibrated.InterceptShift:+0.0000;-0.0000} log-odds (odds × {Recalibrated.OddsFactor:F4}) so that the mean predicted risk of " +
        $"{Recalibrated.ShiftRows:N0} respondents of {Recalibrated.Target.Year} is {Recalibrated.Target.Prevalence:P2} ({Recalibrated.Target.Source}: {Recalibrated.Target.Sample}); " +
        $"on {After.TestSet.Split(',')[0]} calibration in the large {Before.CalibrationInTheLarge:+0.0000;-0.0000} → {After.CalibrationInTheLarge:+0.0000;-0.0000}. " +
        $"The alias rule picks {(Recalibrated.Supported ? "the recalibrated version" : "the model as trained")}: {Recalibrated.Evidence}.");
}

/// <summary>One metric of the headline test, as trained and recalibrated.</summary>
public sealed record RecalibrationLine(string Metric, double AsTrained, double Recalibrated);

/// <summary>Stage 6, register: the final MLflow run, the registered version and the training charts saved in the run.</summary>
/// <param name="Recalibrated">With several survey years: the version recalibrated for the latest year, registered after <paramref name="Version"/>.</param>
public sealed record Registration(RegisteredVersion Version, string FinalRunId, IReadOnlyList<(string Name, string Folder)> ChartFiles, RegisteredVersion? Recalibrated = null)
{
    /// <summary>Whether the alias moved to this run's version, and why (<see cref="PromotionGate"/>); null for a registration made without the gate.</summary>
    public PromotionDecision? Promotion { get; init; }

    /// <summary>The version this run put forward for the alias; it holds the alias only when <see cref="Promotion"/> promoted it.</summary>
    public RegisteredVersion Production => Proposed ?? (Recalibrated is { } r && r.Aliases.Count > 0 ? r : Version);

    /// <summary>The version put forward for the alias (set by <see cref="TrainStep.Register"/>).</summary>
    public RegisteredVersion? Proposed { get; init; }

    /// <summary>The versions this run registered: URI, aliases, role (tag) and artifact folder within the run.</summary>
    public IReadOnlyList<VersionLine> Versions() => new[] { Version, Recalibrated }.OfType<RegisteredVersion>()
        .Select(v => new VersionLine($"models:/{v.Name}/{v.Version}", string.Join(", ", v.Aliases), v.Tags.GetValueOrDefault("pophealth.role", ""),
            Path.GetFileName(v.ArtifactDirectory))).ToArray();
}

/// <summary>A registered version, as 04 lists them.</summary>
public sealed record VersionLine(string Model, string Aliases, string Role, string Artifacts);

/// <summary>Everything 04-train produced.</summary>
public sealed class TrainingResult
{
    public required TrainingPlan Plan { get; init; }
    public required TrainingSweeps Sweeps { get; init; }
    public required ChosenModel Chosen { get; init; }
    public required IReadOnlyList<TestEvaluation> Evaluations { get; init; }
    public required IReadOnlyList<NextYearResult> NextYear { get; init; }
    /// <summary>The model recalibrated for the latest survey year (several years, <c>improved</c>), else null.</summary>
    public RecalibrationReport? Recalibration { get; init; }
    public required ModelCardReport Card { get; init; }
    public required Registration Registration { get; init; }
    public required TimeSpan Elapsed { get; init; }

    public IReadOnlyList<TestReport> Tests => Evaluations.Select(e => e.Report).ToArray();
    public TestReport Headline => Evaluations[0].Report;
    /// <summary>Every test set's metrics as one table.</summary>
    public IReadOnlyList<MetricLine> Metrics => Tests.SelectMany(t => t.Lines()).ToArray();
    public RegisteredVersion Registered => Registration.Version;
}

/// <summary>
/// The train step, as named stages the notebook shows one cell each: <see cref="PlanAsync"/> (features, split),
/// <see cref="Sweep"/> (the original's grid and a budgeted search, cross-validated on AUC), <see cref="Choose"/> (best
/// setting, threshold, refit), <see cref="Evaluate"/> (held-out test sets), <see cref="ValidateAcrossYears"/> and
/// <see cref="Recalibrate"/> (several survey years only), <see cref="ModelCard"/> (importance, subgroups, audit) and
/// <see cref="Register"/> (every trial and the final model logged to MLflow's file store, the model — and its recalibrated
/// version — registered with the alias moved). <see cref="RunAsync"/> runs them in order.
/// </summary>
public static class TrainStep
{
    public static async Task<TrainingResult> RunAsync(WorkbookParameters parameters, TrainOptions? options = null, IProgress<string>? progress = null)
    {
        var watch = Stopwatch.StartNew();
        var plan = await PlanAsync(parameters, options);
        progress?.Report(plan.Describe());
        var sweeps = Sweep(plan, progress);
        var chosen = Choose(plan, sweeps, progress);
        var evaluations = Evaluate(plan, chosen);
        var nextYear = ValidateAcrossYears(plan, chosen, progress);
        var recalibration = Recalibrate(plan, chosen, evaluations);
        progress?.Report("model card: permutation importance and subgroups");
        var card = ModelCard(plan, chosen, evaluations);
        progress?.Report("logging to MLflow");
        var registration = Register(plan, sweeps, chosen, evaluations, card, nextYear, recalibration);
        progress?.Report($"registered {registration.Version.Name} version {registration.Production.Version}; alias {plan.Options.Alias}: {registration.Promotion?.Summary}");
        return new TrainingResult
        {
            Plan = plan, Sweeps = sweeps, Chosen = chosen, Evaluations = evaluations, NextYear = nextYear, Recalibration = recalibration, Card = card,
            Registration = registration, Elapsed = watch.Elapsed,
        };
    }

    /// <summary>Reads the features and splits them: <c>seed</c> as the original (balanced), <c>improved</c> stratified at the natural prevalence.</summary>
    public static async Task<TrainingPlan> PlanAsync(WorkbookParameters parameters, TrainOptions? options = null)
    {
        options ??= new TrainOptions();
        var set = await FeatureSet.ReadAsync(parameters.ProcessedFeatures);
        TrainGuards.RequireRecipe(parameters, set);
        var data = ModelMatrix.From(set);
        if (data.Labels.Count(l => l) < 10 || data.Labels.Count(l => !l) < 10)
            throw new InvalidDataException($"{parameters.ProcessedFeatures}: too few respondents in one class to train ({data.Labels.Count(l => l)} fair/poor, {data.Labels.Count(l => !l)} good).");
        var planned = SplitFor(set, data, parameters.Seed);
        return new TrainingPlan
        {
            Parameters = parameters, Options = options, Features = set, Data = data, Split = planned.Split, TestSets = planned.Tests, Shift = planned.Shift,
            SweepRows = Splits.Subsample(planned.Split.Train, data.Labels, options.SweepRowsFor(planned.Split.Train.Length), parameters.Seed), Years = planned.Years,
        };
    }

    /// <summary>
    /// The split the train step uses for a feature table: <c>seed</c> as the original (balanced), <c>improved</c> stratified at the
    /// natural prevalence, or with several survey years a holdout of the latest year. A function of the labels, years, recipe
    /// and seed only, so 03's candidate decision sees exactly the training respondents 04 will (never a test respondent).
    /// </summary>
    public static PlannedSplit SplitFor(FeatureSet set, ModelMatrix data, int seed)
    {
        var years = SurveyYears(set, data);
        if (years is not null && set.Recipe == Recipe.Improved)
        {
            var split = Splits.LatestYearHoldout(data.Labels, years, seed);
            return new PlannedSplit(split, [($"within-year holdout of {years.Max()}", split.Test), ("balanced test (25 % of negatives, as the original)", Splits.Balance(split.Test, data.Labels, seed))], null, years);
        }
        if (set.Recipe == Recipe.Seed)
        {
            var split = Splits.OriginalBalanced(data.Labels, seed);
            // Balanced training overstates risk; scorers map probabilities back to the population's prevalence.
            var shift = new PriorShift(split.Train.Average(i => data.Labels[i] ? 1.0 : 0.0), data.Prevalence);
            return new PlannedSplit(split, [("balanced test (the original's)", split.Test)], shift, years);
        }
        var natural = Splits.Stratified(data.Labels, seed);
        return new PlannedSplit(natural, [("natural-prevalence test", natural.Test), ("balanced test (25 % of negatives, as the original)", Splits.Balance(natural.Test, data.Labels, seed))], null, years);
    }

    /// <summary>Each row's survey year when the features carry at least two (null otherwise).</summary>
    private static int[]? SurveyYears(FeatureSet set, ModelMatrix data)
    {
        if (Modeling.ModelCard.ValuesFor(set, FeatureSet.SurveyYear, data.Ids) is not { } values) return null;
        if (values.Any(v => v is null)) throw new InvalidDataException($"Some rows of the features have no {FeatureSet.SurveyYear}; re-run 01-convert and 03-transform.");
        var years = values.Select(v => (int)v!.Value).ToArray();
        return years.Distinct().Count() >= 2 ? years : null;
    }

    /// <summary>
    /// Next-year validation (several survey years only): the chosen setting fitted on the years before each later year and
    /// tested on it, as trained and after recalibrating its intercept on a 5 % labelled sample (measured on the other 95 %).
    /// </summary>
    public static IReadOnlyList<NextYearResult> ValidateAcrossYears(TrainingPlan plan, ChosenModel chosen, IProgress<string>? progress = null) =>
        plan.Years is null ? [] : YearValidation.Run(plan.Data, plan.Years, chosen.Model.Spec, plan.Seed, chosen.Model.Threshold, progress: progress);

    /// <summary>
    /// Stage 4c, recalibrate (several survey years, <c>improved</c> recipe): the chosen model's intercept moved to the latest year's
    /// prevalence — by default that of the labelled sample of the latest year the split held out of training
    /// (<see cref="DataSplit.Recalibration"/>), or a <paramref name="target"/> given (e.g. a known prevalence) — set on that sample's
    /// respondents, whom the model has not seen; and the headline test (the latest year's holdout) before and after. Null with one
    /// survey year, and for <c>seed</c> (trained balanced, nothing is held out to recalibrate on).
    /// </summary>
    public static RecalibrationReport? Recalibrate(TrainingPlan plan, ChosenModel chosen, IReadOnlyList<TestEvaluation> evaluations, RecalibrationTarget? target = null)
    {
        var rows = plan.Split.Recalibration;
        if (plan.Years is not { } years || plan.Recipe != Recipe.Improved || rows.Length == 0) return null;
        var year = years[rows[0]];
        if (target is not null && target.Year != year)
            throw new ArgumentException($"The held-out respondents are of {year}; a target for {target.Year} cannot be set on them.", nameof(target));
        target ??= RecalibrationTarget.FromLabelledSample(year, rows.Select(i => plan.Data.Labels[i]).ToArray(), plan.Seed,
            $"a seeded stratified sample of {year} held out of training ({plan.Split.Description}); the {year} holdout is not used");
        var recalibrated = Recalibration.Recalibrate(chosen.Model, plan.Data.Subset(rows).Rows, target);
        var headline = evaluations[0];
        var after = Evaluation.Evaluate($"{headline.Report.TestSet}, recalibrated to {year}", recalibrated.Model.Probabilities(headline.Rows.Rows), headline.Rows.Labels,
            recalibrated.Model.Threshold);
        return new RecalibrationReport(recalibrated, headline.Report, after);
    }

    /// <summary>The original's grid and the budgeted search on the sweep rows, with live progress.</summary>
    public static TrainingSweeps Sweep(TrainingPlan plan, IProgress<string>? progress = null)
    {
        var sweepOptions = new SweepOptions(plan.Options.Folds);
        var halving = plan.Options.HalvingFor(plan.SweepRows.Length);
        var grid = Sweeper.Halve(plan.Data, plan.SweepRows, Sweeper.OriginalGrid(), plan.Seed, sweepOptions, halving,
            new Progress<SweepProgress>(p => progress?.Report($"original grid, {p}")), "grid");
        var search = Sweeper.Halve(plan.Data, plan.SweepRows, Sweeper.Search(plan.Options.SearchTrials, plan.Seed), plan.Seed, sweepOptions, halving,
            new Progress<SweepProgress>(p => progress?.Report($"budgeted search, {p}")), "search");
        return new TrainingSweeps(grid, search);
    }

    /// <summary>The best cross-validated setting, its threshold (best out-of-fold F1, never the test set) and its refit on all training rows.</summary>
    public static ChosenModel Choose(TrainingPlan plan, TrainingSweeps sweeps, IProgress<string>? progress = null)
    {
        var (chosen, sweep) = sweeps.Grid.Best.MeanAuc >= sweeps.Search.Best.MeanAuc ? (sweeps.Grid.Best, sweeps.Grid) : (sweeps.Search.Best, sweeps.Search);
        // A setting read from a larger fit's first trees has no out-of-fold probabilities of its own: cross-validate it alone.
        var oof = sweep.OutOfFold(chosen)
            ?? Sweeper.Run(plan.Data, plan.SweepRows, [chosen.Spec], plan.Seed, new SweepOptions(plan.Options.Folds)).OutOfFold(chosen with { Trial = 0 })!;
        var threshold = BinaryMetrics.BestF1Threshold(oof.Select(p => (double)p).ToArray(), plan.SweepRows.Select(i => plan.Data.Labels[i]).ToArray());
        var trees = plan.Options.RefitTreesGrowth > 0 && plan.Split.Train.Length >= plan.Options.RefitTreesGrowth * plan.SweepRows.Length
            ? RefitTrees.Choose(plan.Data, plan.Split.Train, chosen.Spec, plan.Seed, plan.Options.RefitTreesMultiple, progress: progress)
            : null;
        var spec = trees is null ? chosen.Spec : chosen.Spec with { Trees = trees.Trees };
        progress?.Report($"chosen: {chosen.Name} {spec.Trainer} {spec.Settings} (CV AUC {chosen.MeanAuc:F4}); refitting on {plan.Split.Train.Length:N0} rows");
        var train = plan.Data.Subset(plan.Split.Train);
        var model = TrainedModel.Fit(train, spec, plan.Seed, priorShift: plan.Shift)
            .WithScoringInfo(plan.Shift is null ? threshold : plan.Shift.Apply(threshold), train);
        return new ChosenModel(chosen, threshold, model) { TrainingRows = train.Rows, RefitTrees = trees };
    }

    /// <summary>Each test set scored as trained (the seed recipe's balanced probabilities, as the original reported them).</summary>
    public static IReadOnlyList<TestEvaluation> Evaluate(TrainingPlan plan, ChosenModel chosen) => plan.TestSets.Select(t =>
    {
        var test = plan.Data.Subset(t.Rows);
        var p = chosen.Model.RawProbabilities(test.Rows).Select(v => (double)v).ToArray();
        return new TestEvaluation(Evaluation.Evaluate(t.Name, p, test.Labels, chosen.Threshold), p, test);
    }).ToArray();

    /// <summary>Permutation importance (on at most <see cref="TrainOptions.ImportanceRows"/> headline test rows) and subgroup metrics.</summary>
    public static ModelCardReport ModelCard(TrainingPlan plan, ChosenModel chosen, IReadOnlyList<TestEvaluation> evaluations)
    {
        var headline = evaluations[0];
        var rows = Splits.Subsample(Enumerable.Range(0, headline.Rows.Count).ToArray(), headline.Rows.Labels, plan.Options.ImportanceRows, plan.Seed);
        var test = headline.Rows.Subset(rows);
        var importance = chosen.Export.Trees is { } trees
            ? Modeling.ModelCard.PermutationImportance((buffer, n) => Array.ConvertAll(trees.Probabilities(buffer, n, test.FeatureNames.Count), p => (double)p), test, plan.Seed,
                plan.Options.ImportanceRepeats)
            : Modeling.ModelCard.PermutationImportance(chosen.Model, test, plan.Seed, plan.Options.ImportanceRepeats);
        var groups = Modeling.ModelCard.Subgroups(plan.Features, headline.Rows.Ids);
        var subgroups = Modeling.ModelCard.BySubgroup(groups, headline.Probabilities, headline.Rows.Labels, headline.Report.AtChosen.Threshold);
        return new ModelCardReport(importance, subgroups, Audit(plan, headline), Shap(plan, chosen, headline.Rows.Subset(rows.Take(plan.Options.ShapRows).ToArray())));
    }

    /// <summary>
    /// Exact TreeSHAP on headline test rows, from the trees exactly as they will be registered (the ONNX export, compiled,
    /// with cover counted on the training rows); null for a model whose export the compiler does not take.
    /// </summary>
    public static ShapSummary? Shap(TrainingPlan plan, ChosenModel chosen, ModelMatrix rows) =>
        chosen.Export.Trees is { } trees ? ShapSummary.Explain(trees, plan.Data.FeatureNames, rows.Rows) : null;

    /// <summary>The intersectional audit of the headline test set, survey-weighted where the features carry weights.</summary>
    public static FairnessAuditReport Audit(TrainingPlan plan, TestEvaluation headline)
    {
        var dimensions = new Dictionary<string, string?[]>(Modeling.ModelCard.Subgroups(plan.Features, headline.Rows.Ids));
        if (Modeling.ModelCard.ValuesFor(plan.Features, FeatureSet.State, headline.Rows.Ids) is { } state)
            dimensions["state"] = state.Select(v => v is { } code ? BrfssCodebook.Year2024.Label("_STATE", code) : null).ToArray();
        var weights = Modeling.ModelCard.ValuesFor(plan.Features, FeatureSet.Weight, headline.Rows.Ids);
        // A row without a weight cannot be weighted; the audit is then unweighted, and says so.
        var usable = weights is not null && weights.All(w => w is > 0) ? weights.Select(w => w!.Value).ToArray() : null;
        return FairnessAudit.Run(FairnessAudit.StandardCrossings, dimensions, headline.Probabilities, headline.Rows.Labels,
            headline.Report.AtChosen.Threshold, usable, new AuditOptions(Seed: plan.Seed));
    }

    /// <summary>Logs every trial and the final model (metrics, artifacts, charts) to MLflow's file store and registers it under the alias.</summary>
    /// <remarks>
    /// With a <paramref name="recalibration"/> (several survey years), the recalibrated model is logged in the same run (artifact
    /// <see cref="RecalibratedArtifactPath"/>) and registered as the next version, its tags saying what was done; the alias goes
    /// to it when its sample shows the model's level is off for that year (<see cref="TrainOptions.AliasRecalibrated"/>,
    /// <see cref="RecalibratedModel.Supported"/>): the same trees, with probabilities set for the latest year's population.
    /// </remarks>
    public static Registration Register(TrainingPlan plan, TrainingSweeps sweeps, ChosenModel chosen, IReadOnlyList<TestEvaluation> evaluations, ModelCardReport card,
        IReadOnlyList<NextYearResult>? nextYear = null, RecalibrationReport? recalibration = null)
    {
        var store = new MlflowStore(plan.Parameters.MlRuns);
        store.CheckVersions(plan.Options.ModelName); // a broken registry is reported before anything is logged or claimed
        var promotion = PromotionGate.Decide(store, plan.Options.ModelName, plan.Options.Alias, TrainGuards.Candidate(plan, evaluations[0].Report), plan.Options.PromotionRules);
        var experiment = store.GetOrCreateExperiment(plan.Options.Experiment);
        LogTrials(store, experiment, plan, sweeps);
        var final = store.StartRun(experiment, $"{plan.Recipe.Name()}-final-{chosen.Trial.Name}");
        IReadOnlyList<(string Name, string Folder)> charts;
        try
        {
            LogFinal(final, plan, chosen, evaluations);
            LogNextYear(final, nextYear ?? []);
            ModelArtifacts.LogModel(final, chosen.Export);
            if (recalibration is not null) LogRecalibrated(final, recalibration, chosen.Export);
            var reports = evaluations.Select(e => e.Report).ToArray();
            final.LogText("leaderboard.csv", Csv(sweeps.Leaderboard));
            final.LogText("metrics.csv", Csv(reports.SelectMany(t => t.Lines())));
            final.LogText("importance.csv", Csv(card.Importance));
            final.LogText("subgroups.csv", Csv(card.Subgroups));
            final.LogText("fairness_audit.csv", Csv(card.Audit.Groups.Select(AuditRow.From)));
            final.LogText("fairness_gaps.csv", Csv(card.Audit.Gaps));
            if (card.Shap is { } shap) final.LogText("shap_importance.csv", Csv(shap.Ranking));
            charts = LogCharts(final, WorkbookCharts.TrainingCharts(reports, sweeps.Grid, card.Importance, card.Subgroups, card.Audit));
        }
        catch
        {
            final.End(succeeded: false); // a run that failed says so at once, not only at the store's next open
            throw;
        }
        final.End();
        var (main, recalibrated, proposed) = RegisterVersions(store, plan, final, recalibration, promotion);
        return new Registration(main, final.RunId, charts, recalibrated) { Promotion = promotion, Proposed = proposed };
    }

    /// <summary>The artifact path of the recalibrated model inside the final run (the model as trained is at <c>model</c>).</summary>
    public const string RecalibratedArtifactPath = "model-recalibrated";

    private static void LogRecalibrated(MlflowRun final, RecalibrationReport recalibration, ModelExport parent)
    {
        ModelArtifacts.LogModel(final, parent.ForSameTrees(recalibration.Recalibrated.Model), RecalibratedArtifactPath);
        final.LogMetric("recalibrated_test_calibration_in_the_large", recalibration.After.CalibrationInTheLarge)
            .LogMetric("recalibrated_test_brier", recalibration.After.Brier).LogMetric("recalibration_intercept_shift", recalibration.Recalibrated.InterceptShift);
    }

    /// <summary>
    /// Registers the model as trained and, with a recalibration, the recalibrated model as the next version (tags say what was done and
    /// name the parent); tags each with the <paramref name="promotion"/> decision and, when it promotes, moves the alias (to the
    /// recalibrated version unless <see cref="TrainOptions.AliasRecalibrated"/> is false). A failure part-way removes the versions
    /// this call registered, so none is left without its tags.
    /// </summary>
    private static (RegisteredVersion Main, RegisteredVersion? Recalibrated, RegisteredVersion Proposed) RegisterVersions(MlflowStore store, TrainingPlan plan,
        MlflowRun final, RecalibrationReport? recalibration, PromotionDecision promotion)
    {
        var name = plan.Options.ModelName;
        var registered = new List<int>();
        try
        {
            var main = store.RegisterModel(name, final);
            registered.Add(main.Version);
            RegisteredVersion Resolve(int version) => store.Resolve($"models:/{name}/{version}");
            if (recalibration is null)
            {
                store.SetVersionTag(name, main.Version, "pophealth.role", "as trained");
                Promote(store, plan, promotion, main.Version, main.Version);
                return (Resolve(main.Version), null, Resolve(main.Version));
            }
            var r = recalibration.Recalibrated;
            var description = string.Create(CultureInfo.InvariantCulture,
                $"Version {main.Version} recalibrated in the large to {r.Target.Year}'s prevalence {r.Target.Prevalence:0.0000} ({r.Target.Source}); same trees, intercept {r.InterceptShift:+0.0000;-0.0000} log-odds.");
            var version = store.RegisterModel(name, final, RecalibratedArtifactPath, description);
            registered.Add(version.Version);
            store.SetVersionTag(name, main.Version, "pophealth.role", $"as trained (pooled years); recalibrated for {r.Target.Year} as version {version.Version}");
            foreach (var (key, value) in RecalibrationTags(recalibration, main.Version, final.RunId)) store.SetVersionTag(name, version.Version, key, value);
            var proposed = plan.Options.AliasRecalibrated && r.Supported ? version.Version : main.Version;
            Promote(store, plan, promotion, proposed, main.Version, version.Version);
            return (Resolve(main.Version), Resolve(version.Version), Resolve(proposed));
        }
        catch
        {
            foreach (var version in registered) store.DeleteVersion(name, version);
            // An alias this call had moved went with its version: it points again where it pointed before.
            if (promotion.CurrentVersion is { } before && store.Versions(name).Any(v => v.Version == before) && !store.Versions(name).Any(v => v.Aliases.Contains(plan.Options.Alias)))
                store.SetAlias(name, plan.Options.Alias, before);
            throw;
        }
    }

    /// <summary>Tags this run's versions with the promotion decision and, when it promotes, points the alias at <paramref name="proposed"/>.</summary>
    private static void Promote(MlflowStore store, TrainingPlan plan, PromotionDecision promotion, int proposed, params int[] versions)
    {
        foreach (var version in versions) store.SetVersionTag(plan.Options.ModelName, version, PromotionGate.Tag, promotion.Summary);
        if (promotion.Promote) store.SetAlias(plan.Options.ModelName, plan.Options.Alias, proposed);
    }

    /// <summary>The recalibrated version's tags: method, target year and prevalence, where the prevalence came from, the parent.</summary>
    public static IReadOnlyList<(string Key, string Value)> RecalibrationTags(RecalibrationReport recalibration, int parentVersion, string parentRunId)
    {
        var r = recalibration.Recalibrated;
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        return
        [
            ("pophealth.role", $"recalibrated for {r.Target.Year}"),
            ("pophealth.recalibration.method", "intercept update (recalibration in the large): the log-odds move by a constant, a prior shift of the odds carried inside model.onnx"),
            ("pophealth.recalibration.intercept_shift", F(r.InterceptShift)),
            ("pophealth.recalibration.odds_factor", F(r.OddsFactor)),
            ("pophealth.recalibration.target_year", Invariant(r.Target.Year)),
            ("pophealth.recalibration.target_prevalence", F(r.Target.Prevalence)),
            ("pophealth.recalibration.source", r.Target.Source),
            ("pophealth.recalibration.sample", r.Target.Sample),
            ("pophealth.recalibration.sample_rows", Invariant(r.Target.SampleRows)),
            ("pophealth.recalibration.sample_seed", r.Target.Seed is { } seed ? Invariant(seed) : "none"),
            ("pophealth.recalibration.shift_rows", Invariant(r.ShiftRows)),
            ("pophealth.recalibration.threshold", F(r.Model.Threshold) + " (unchanged, on population-level probabilities)"),
            ("pophealth.recalibration.mean_predicted_before", F(r.MeanPredictedBefore)),
            ("pophealth.recalibration.supported", (r.Supported ? "true: " : "false: ") + r.Evidence),
            ("pophealth.recalibration.test_calibration_before", F(recalibration.Before.CalibrationInTheLarge)),
            ("pophealth.recalibration.test_calibration_after", F(recalibration.After.CalibrationInTheLarge)),
            ("pophealth.parent_version", Invariant(parentVersion)),
            ("pophealth.parent_run_id", parentRunId),
            ("pophealth.parent_artifact_path", ModelArtifacts.ArtifactPath),
        ];
    }

    private static void LogTrials(MlflowStore store, string experiment, TrainingPlan plan, TrainingSweeps sweeps)
    {
        var recipe = plan.Recipe.Name();
        foreach (var (sweepName, sweep) in new[] { ("original-grid", sweeps.Grid), ("budgeted-search", sweeps.Search) })
            foreach (var trial in sweep.Trials.OrderBy(t => t.Trial))
            {
                var run = store.StartRun(experiment, $"{recipe}-{trial.Name}");
                run.LogParams(trial.Spec.Parameters()).LogParam("recipe", recipe).LogParam("seed", Invariant(plan.Seed))
                    .LogParam("folds", Invariant(plan.Options.Folds)).LogParam("cv_rows", Invariant(trial.CvRows));
                run.LogMetric("cv_auc", trial.MeanAuc).LogMetric("cv_auc_sd", trial.SdAuc).LogMetric("fit_seconds", trial.Seconds);
                for (var f = 0; f < trial.FoldAuc.Count; f++) run.LogMetric("fold_auc", trial.FoldAuc[f], f);
                run.SetTag("pophealth.sweep", sweepName).SetTag("pophealth.recipe", recipe);
                run.End();
            }
    }

    private static void LogFinal(MlflowRun final, TrainingPlan plan, ChosenModel chosen, IReadOnlyList<TestEvaluation> evaluations)
    {
        var recipe = plan.Recipe.Name();
        final.LogParams(chosen.Model.Spec.Parameters()).LogParam("recipe", recipe).LogParam("seed", Invariant(plan.Seed))
            .LogParam("train_rows", Invariant(plan.Split.Train.Length)).LogParam("split", plan.Split.Description)
            .LogParam("chosen_threshold", chosen.Threshold.ToString("R", CultureInfo.InvariantCulture)).LogParam("features", string.Join(",", plan.Data.FeatureNames))
            .LogParam("prior_shift", plan.Shift is null ? "none" : $"{plan.Shift.TrainingPrevalence:F4}->{plan.Shift.PopulationPrevalence:F4}");
        var h = evaluations[0].Report;
        var candidate = TrainGuards.Candidate(plan, h); // what a later 04's promotion gate compares with
        final.LogParam(PromotionGate.TestSetParam, candidate.TestSet).LogMetric(PromotionGate.RowsMetric, candidate.TestRows).LogMetric(PromotionGate.PositivesMetric, candidate.TestPositives);
        final.LogMetric("cv_auc", chosen.Trial.MeanAuc).LogMetric("test_auc", h.Auc).LogMetric("test_accuracy", h.AtHalf.Accuracy)
            .LogMetric("test_precision", h.AtHalf.Precision).LogMetric("test_recall", h.AtHalf.Recall).LogMetric("test_f1", h.AtHalf.F1)
            .LogMetric("test_brier", h.Brier).LogMetric("test_calibration_in_the_large", h.CalibrationInTheLarge)
            .LogMetric("test_f1_at_chosen", h.AtChosen.F1);
        foreach (var r in evaluations.Skip(1).Select(e => e.Report))
            final.LogMetric("balanced_test_auc", r.Auc).LogMetric("balanced_test_accuracy", r.AtHalf.Accuracy).LogMetric("balanced_test_f1", r.AtHalf.F1);
        final.SetTag("pophealth.recipe", recipe).SetTag("pophealth.profile", plan.Features.ProfileName).SetTag("pophealth.synthetic", plan.Features.Synthetic ? "true" : "false");
        foreach (var decision in plan.Features.Candidates) final.SetTag($"pophealth.candidate.{decision.Feature}", decision.Reason);
        if (chosen.RefitTrees is { } trees) final.SetTag("pophealth.refit_trees", trees.Describe());
    }

    /// <summary>
    /// Next-year metrics: the latest year's as <c>next_year_auc</c>, <c>next_year_calibration</c> and
    /// <c>recalibrated_next_year_calibration</c>; every year's with the test year as the step.
    /// </summary>
    private static void LogNextYear(MlflowRun final, IReadOnlyList<NextYearResult> results)
    {
        foreach (var r in results)
            final.LogMetric("next_year_auc", r.Report.Auc, r.TestYear).LogMetric("next_year_calibration", r.Report.CalibrationInTheLarge, r.TestYear)
                .LogMetric("next_year_brier", r.Report.Brier, r.TestYear).LogMetric("recalibrated_next_year_calibration", r.Recalibrated, r.TestYear);
        if (results.Count > 0) final.LogText("next_year.csv", Csv(results.Select(r => new
        {
            r.TestYear, r.TrainedOn, r.TrainRows, TestRows = r.Report.Rows, Auc = r.Report.Auc, Brier = r.Report.Brier,
            Calibration = r.Report.CalibrationInTheLarge, r.InterceptShift, r.CalibrationSampleRows, RecalibratedCalibration = r.Recalibrated,
        })));
    }

    /// <summary>The charts as plotly.js figures (any plotly.js page draws them), and as PNG/SVG where a browser is available; rendered once, here.</summary>
    private static IReadOnlyList<(string Name, string Folder)> LogCharts(MlflowRun run, IEnumerable<(string Name, Chart Chart)> charts)
    {
        var folder = Path.Combine(run.ArtifactDirectory, "charts");
        var written = new List<(string, string)>();
        foreach (var (name, chart) in charts)
        {
            run.LogText($"charts/{name}.json", chart.FigureJson);
            chart.SaveHtml(Path.Combine(folder, name + ".html"));
            chart.SavePng(Path.Combine(folder, name + ".png"));
            chart.SaveSvg(Path.Combine(folder, name + ".svg"));
            written.Add((name, folder));
        }
        return written;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Records as CSV (header from the property names; invariant culture).</summary>
    public static string Csv<T>(IEnumerable<T> rows)
    {
        var properties = typeof(T).GetProperties().Where(p => p.PropertyType.IsPrimitive || p.PropertyType == typeof(string) || p.PropertyType == typeof(double) || Nullable.GetUnderlyingType(p.PropertyType) is not null).ToArray();
        var text = new StringBuilder(string.Join(",", properties.Select(p => p.Name))).Append('\n');
        foreach (var row in rows)
            text.Append(string.Join(",", properties.Select(p => p.GetValue(row) switch
            {
                null => "",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => "\"" + v.ToString()!.Replace("\"", "\"\"") + "\"",
            }))).Append('\n');
        return text.ToString();
    }
}
