using System.Diagnostics;
using PopHealth.Charts;
using PopHealth.Features;
using PopHealth.Ingest.Codebook;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>
/// The train step, as named stages the notebook shows one cell each: <see cref="PlanAsync"/> (features, split),
/// <see cref="Sweep"/> (the original's grid and a budgeted search, cross-validated on AUC), <see cref="Choose"/> (best
/// setting, threshold, refit), <see cref="Evaluate"/> (held-out test sets), <see cref="ValidateAcrossYears"/> and
/// <see cref="Recalibrate"/> (several survey years only), <see cref="ModelCard"/> (importance, subgroups, audit) and
/// <see cref="Register"/> (every trial and the final model logged to MLflow's file store, the model — and its recalibrated
/// version — registered, the alias moved when the promotion gate allows). <see cref="RunAsync"/> runs them in order.
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
        progress?.Report($"registered {registration.Version.Name} version {registration.Production.Version}; " +
            $"alias {plan.Options.Alias}: {registration.Promotion?.Summary}");
        return new TrainingResult
        {
            Plan = plan, Sweeps = sweeps, Chosen = chosen, Evaluations = evaluations, NextYear = nextYear, Recalibration = recalibration, Card = card,
            Registration = registration, Elapsed = watch.Elapsed,
        };
    }

    /// <summary>Reads the features and splits them (<see cref="TrainingSplits.For"/>).</summary>
    public static async Task<TrainingPlan> PlanAsync(WorkbookParameters parameters, TrainOptions? options = null)
    {
        options ??= new TrainOptions();
        var set = await FeatureSet.ReadAsync(parameters.ProcessedFeatures);
        TrainGuards.RequireRecipe(parameters, set);
        var data = ModelMatrix.From(set);
        if (data.Labels.Count(l => l) < 10 || data.Labels.Count(l => !l) < 10)
            throw new InvalidDataException($"{parameters.ProcessedFeatures}: too few respondents in one class to train " +
                $"({data.Labels.Count(l => l)} fair/poor, {data.Labels.Count(l => !l)} good).");
        var planned = TrainingSplits.For(set, data, parameters.Seed);
        var sweepRows = options.SweepSizing.RowsFor(planned.Split.Train.Length);
        return new TrainingPlan
        {
            Parameters = parameters, Options = options, Features = set, Data = data, Split = planned.Split, TestSets = planned.Tests,
            Shift = planned.Shift, SweepRows = Splits.Subsample(planned.Split.Train, data.Labels, sweepRows, parameters.Seed), Years = planned.Years,
        };
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
    public static RecalibrationReport? Recalibrate(TrainingPlan plan, ChosenModel chosen, IReadOnlyList<TestEvaluation> evaluations,
        RecalibrationTarget? target = null)
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
        var after = Evaluation.Evaluate($"{headline.Report.TestSet}, recalibrated to {year}", recalibrated.Model.Probabilities(headline.Rows.Rows),
            headline.Rows.Labels, recalibrated.Model.Threshold);
        return new RecalibrationReport(recalibrated, headline.Report, after);
    }

    /// <summary>The original's grid and the budgeted search on the sweep rows, with live progress.</summary>
    public static TrainingSweeps Sweep(TrainingPlan plan, IProgress<string>? progress = null)
    {
        var sweepOptions = new SweepOptions(plan.Options.Folds);
        var halving = plan.Options.SweepSizing.HalvingFor(plan.SweepRows.Length);
        var grid = Sweeper.Halve(plan.Data, plan.SweepRows, Sweeper.OriginalGrid(), plan.Seed, sweepOptions, halving,
            new Progress<SweepProgress>(p => progress?.Report($"original grid, {p}")), "grid");
        var search = Sweeper.Halve(plan.Data, plan.SweepRows, Sweeper.Search(plan.Options.SearchTrials, plan.Seed), plan.Seed, sweepOptions, halving,
            new Progress<SweepProgress>(p => progress?.Report($"budgeted search, {p}")), "search");
        return new TrainingSweeps(grid, search);
    }
    /// <summary>
    /// The best cross-validated setting, its threshold (best out-of-fold F1, never the test set) and its refit on all
    /// training rows.
    /// </summary>
    public static ChosenModel Choose(TrainingPlan plan, TrainingSweeps sweeps, IProgress<string>? progress = null)
    {
        var (chosen, sweep) = sweeps.Grid.Best.MeanAuc >= sweeps.Search.Best.MeanAuc ? (sweeps.Grid.Best, sweeps.Grid)
            : (sweeps.Search.Best, sweeps.Search);
        // A setting read from a larger fit's first trees has no out-of-fold probabilities of its own: cross-validate it alone.
        var oof = sweep.OutOfFold(chosen)
            ?? Sweeper.Run(plan.Data, plan.SweepRows, [chosen.Spec], plan.Seed, new SweepOptions(plan.Options.Folds))
                .OutOfFold(chosen with { Trial = 0 })!;
        var threshold = BinaryMetrics.BestF1Threshold(oof.Select(p => (double)p).ToArray(),
            plan.SweepRows.Select(i => plan.Data.Labels[i]).ToArray());
        var trees = plan.Options.RefitTreesGrowth > 0 && plan.Split.Train.Length >= plan.Options.RefitTreesGrowth * plan.SweepRows.Length
            ? RefitTrees.Choose(plan.Data, plan.Split.Train, chosen.Spec, plan.Seed, plan.Options.RefitTreesMultiple, progress: progress)
            : null;
        var spec = trees is null ? chosen.Spec : chosen.Spec with { Trees = trees.Trees };
        progress?.Report($"chosen: {chosen.Name} {spec.Trainer} {spec.Settings} (CV AUC {chosen.MeanAuc:F4}); " +
            $"refitting on {plan.Split.Train.Length:N0} rows");
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
            ? PermutationImportance.Measure((buffer, n) => Array.ConvertAll(trees.Probabilities(buffer, n, test.FeatureNames.Count), p => (double)p),
                test, plan.Seed, plan.Options.ImportanceRepeats)
            : PermutationImportance.Measure(chosen.Model, test, plan.Seed, plan.Options.ImportanceRepeats);
        var groups = ModelSubgroups.Of(plan.Features, headline.Rows.Ids);
        var subgroups = ModelSubgroups.Measure(groups, headline.Probabilities, headline.Rows.Labels, headline.Report.AtChosen.Threshold);
        return new ModelCardReport(importance, subgroups, Audit(plan, headline, groups),
            Shap(plan, chosen, headline.Rows.Subset(rows.Take(plan.Options.ShapRows).ToArray())));
    }

    /// <summary>
    /// Exact TreeSHAP on headline test rows, from the trees exactly as they will be registered (the ONNX export, compiled,
    /// with cover counted on the training rows); null for a model whose export the compiler does not take.
    /// </summary>
    public static ShapSummary? Shap(TrainingPlan plan, ChosenModel chosen, ModelMatrix rows) =>
        chosen.Export.Trees is { } trees ? ShapSummary.Explain(trees, plan.Data.FeatureNames, rows.Rows) : null;

    /// <summary>
    /// The intersectional audit of the headline test set, survey-weighted where the features carry weights; its dimensions are
    /// the model card's <paramref name="groups"/> (<see cref="ModelSubgroups.Of"/> of the headline rows) and the state.
    /// </summary>
    public static FairnessAuditReport Audit(TrainingPlan plan, TestEvaluation headline, IReadOnlyDictionary<string, string?[]> groups)
    {
        var dimensions = new Dictionary<string, string?[]>(groups);
        if (plan.Features.ValuesFor(FeatureSet.State, headline.Rows.Ids) is { } state)
            dimensions["state"] = state.Select(v => v is { } code ? BrfssCodebook.Year2024.Label("_STATE", code) : null).ToArray();
        var weights = plan.Features.ValuesFor(FeatureSet.Weight, headline.Rows.Ids);
        // A row without a weight cannot be weighted; the audit is then unweighted, and says so.
        var usable = weights is not null && weights.All(w => w is > 0) ? weights.Select(w => w!.Value).ToArray() : null;
        return FairnessAudit.Run(FairnessAudit.StandardCrossings, dimensions, headline.Probabilities, headline.Rows.Labels,
            headline.Report.AtChosen.Threshold, usable, new AuditOptions(Seed: plan.Seed));
    }

    /// <summary>
    /// Logs every trial and the final model (metrics, tables, charts, the model files) to MLflow's file store and registers it
    /// (<see cref="ModelRegistration"/>); the alias moves only when the promotion gate allows (<see cref="PromotionGate"/>).
    /// </summary>
    /// <remarks>
    /// With a <paramref name="recalibration"/> (several survey years), the recalibrated model is logged in the same run (artifact
    /// <see cref="ModelRegistration.RecalibratedArtifactPath"/>) and registered as the next version, its tags saying what was done;
    /// the alias goes to it when its sample shows the model's level is off for that year (<see cref="TrainOptions.AliasRecalibrated"/>,
    /// <see cref="RecalibratedModel.Supported"/>): the same trees, with probabilities set for the latest year's population.
    /// </remarks>
    public static Registration Register(TrainingPlan plan, TrainingSweeps sweeps, ChosenModel chosen, IReadOnlyList<TestEvaluation> evaluations,
        ModelCardReport card, IReadOnlyList<NextYearResult>? nextYear = null, RecalibrationReport? recalibration = null)
    {
        var store = new MlflowStore(plan.Parameters.MlRuns);
        store.CheckVersions(plan.Options.ModelName); // a broken registry is reported before anything is logged or claimed
        var tests = evaluations.Select(e => e.Report).ToArray();
        var candidate = TrainGuards.Candidate(plan, tests[0]);
        var promotion = PromotionGate.Decide(store, plan.Options.ModelName, plan.Options.Alias, candidate, plan.Options.PromotionRules);
        var experiment = store.GetOrCreateExperiment(plan.Options.Experiment);
        TrainingRunLog.LogTrials(store, experiment, plan.Recipe.Name(), plan.Seed, plan.Options.Folds, sweeps);
        var final = store.StartRun(experiment, $"{plan.Recipe.Name()}-final-{chosen.Trial.Name}");
        IReadOnlyList<(string Name, string Folder)> charts;
        try
        {
            TrainingRunLog.LogFinal(final, FinalRun(plan, chosen, tests, candidate));
            TrainingRunLog.LogNextYear(final, nextYear ?? []);
            ModelArtifacts.LogModel(final, chosen.Export);
            if (recalibration is not null) TrainingRunLog.LogRecalibrated(final, recalibration, chosen.Export);
            TrainingRunLog.LogTables(final, sweeps, tests, card);
            charts = SaveCharts(final, TrainingCharts.ForFinalRun(tests, sweeps.Grid, card.Importance, card.Subgroups, card.Audit));
        }
        catch
        {
            final.End(succeeded: false); // a run that failed says so at once, not only at the store's next open
            throw;
        }
        final.End();
        var request = new RegistrationRequest(plan.Options.ModelName, plan.Options.Alias, plan.Options.AliasRecalibrated);
        var (main, recalibrated, proposed) = ModelRegistration.Register(store, request, final, recalibration, promotion);
        return new Registration(main, final.RunId, charts, recalibrated) { Promotion = promotion, Production = proposed };
    }

    private static FinalRunContents FinalRun(TrainingPlan plan, ChosenModel chosen, IReadOnlyList<TestReport> tests, PromotionCandidate candidate) =>
        new(plan.Recipe.Name(), plan.Seed, plan.Features.ProfileName, plan.Features.Synthetic, chosen.Model.Spec, plan.Split.Train.Length,
            plan.Split.Description, chosen.Threshold, plan.Data.FeatureNames, plan.Shift, chosen.Trial.MeanAuc, tests, candidate,
            plan.Features.Candidates, chosen.RefitTrees);

    /// <summary>
    /// The charts as plotly.js figures (any plotly.js page draws them), and as PNG/SVG where a browser is available;
    /// rendered once, here.
    /// </summary>
    private static List<(string Name, string Folder)> SaveCharts(MlflowRun run, IEnumerable<(string Name, Chart Chart)> charts)
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
}
