using System.Diagnostics;
using System.Globalization;
using System.Text;
using PopHealth.Features;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>Options for <see cref="TrainStep"/>.</summary>
/// <param name="SearchTrials">Settings the budgeted random search tries (the budget is a trial count, so the same seed gives the same leaderboard).</param>
/// <param name="MaxSweepRows">Training rows the sweeps cross-validate on at most (a stratified subsample); the chosen setting is refit on all.</param>
/// <param name="ImportanceRows">Test rows permutation importance uses at most.</param>
public sealed record TrainOptions(int SearchTrials = 24, int MaxSweepRows = 60_000, int Folds = 3, int ImportanceRows = 20_000,
    int ImportanceRepeats = 3, string Experiment = "pophealth", string ModelName = TrainStep.ModelName, string Alias = "prod");

/// <summary>Everything 04-train produced.</summary>
public sealed class TrainingResult
{
    public required Recipe Recipe { get; init; }
    public required string SplitDescription { get; init; }
    public required int TrainRows { get; init; }
    public required int SweepRows { get; init; }
    public required SweepRun Grid { get; init; }
    public required SweepRun Search { get; init; }
    public required TrialResult Chosen { get; init; }
    public required double ChosenThreshold { get; init; }
    public required TrainedModel Model { get; init; }
    /// <summary>The test sets: the first is the headline (the original's balanced one for <c>seed</c>, natural prevalence for <c>improved</c>).</summary>
    public required IReadOnlyList<TestReport> Tests { get; init; }
    public required IReadOnlyList<FeatureImportance> Importance { get; init; }
    public required IReadOnlyList<SubgroupMetrics> Subgroups { get; init; }
    public required RegisteredVersion Registered { get; init; }
    public required string FinalRunId { get; init; }
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Grid and search trials together, best cross-validated AUC first.</summary>
    public IReadOnlyList<LeaderboardRow> Leaderboard => CombinedLeaderboard(Grid, Search);

    public static IReadOnlyList<LeaderboardRow> CombinedLeaderboard(SweepRun grid, SweepRun search) =>
        grid.Trials.Concat(search.Trials).OrderByDescending(t => t.MeanAuc).ThenBy(t => t.Name, StringComparer.Ordinal).Select((t, i) => t.Row(i + 1)).ToArray();

    /// <summary>Every test set's metrics as one table.</summary>
    public IReadOnlyList<MetricLine> Metrics => Tests.SelectMany(t => t.Lines()).ToArray();

    public TestReport Headline => Tests[0];
}

/// <summary>
/// The train step: the original's grid and a budgeted search, cross-validated on AUC; the best setting refit and
/// evaluated on held-out data; a model card; every trial and the final model logged to MLflow's file store;
/// the final model registered as <see cref="ModelName"/> with the alias <c>prod</c> moved to it.
/// </summary>
public static class TrainStep
{
    public const string ModelName = "pophealth-rfhlth";

    public static async Task<TrainingResult> RunAsync(WorkbookParameters parameters, TrainOptions? options = null, IProgress<string>? progress = null)
    {
        options ??= new TrainOptions();
        var watch = Stopwatch.StartNew();
        var set = await FeatureSet.ReadAsync(parameters.ProcessedFeatures);
        var data = ModelMatrix.From(set);
        if (data.Labels.Count(l => l) < 10 || data.Labels.Count(l => !l) < 10)
            throw new InvalidDataException($"{parameters.ProcessedFeatures}: too few respondents in one class to train ({data.Labels.Count(l => l)} fair/poor, {data.Labels.Count(l => !l)} good).");
        var seed = parameters.Seed;

        DataSplit split;
        var tests = new List<(string Name, int[] Rows)>();
        PriorShift? shift = null;
        if (set.Recipe == Recipe.Seed)
        {
            split = Splits.OriginalBalanced(data.Labels, seed);
            tests.Add(("balanced test (the original's)", split.Test));
            // Balanced training overstates risk; scorers map probabilities back to the population's prevalence.
            shift = new PriorShift(split.Train.Average(i => data.Labels[i] ? 1.0 : 0.0), data.Prevalence);
        }
        else
        {
            split = Splits.Stratified(data.Labels, seed);
            tests.Add(("natural-prevalence test", split.Test));
            tests.Add(("balanced test (25 % of negatives, as the original)", Splits.Balance(split.Test, data.Labels, seed)));
        }
        var sweepRows = Splits.Subsample(split.Train, data.Labels, options.MaxSweepRows, seed);
        progress?.Report($"{FeatureSet.RecipeName(set.Recipe)} recipe: {data.Count:N0} respondents, {data.FeatureNames.Count} features; train {split.Train.Length:N0} (sweeps on {sweepRows.Length:N0}), test {split.Test.Length:N0}");

        var sweepOptions = new SweepOptions(options.Folds);
        var grid = Sweeper.Run(data, sweepRows, Sweeper.OriginalGrid(), seed, sweepOptions,
            new Progress<SweepProgress>(p => progress?.Report($"original grid: {p}")), "grid");
        var search = Sweeper.Run(data, sweepRows, Sweeper.Search(options.SearchTrials, seed), seed, sweepOptions,
            new Progress<SweepProgress>(p => progress?.Report($"budgeted search: {p}")), "search");
        var (chosen, chosenSweep) = grid.Best.MeanAuc >= search.Best.MeanAuc ? (grid.Best, grid) : (search.Best, search);
        // A setting read from a larger fit's first trees has no out-of-fold probabilities of its own: cross-validate it alone.
        var oof = chosenSweep.OutOfFold(chosen)
            ?? Sweeper.Run(data, sweepRows, [chosen.Spec], seed, sweepOptions).OutOfFold(chosen with { Trial = 0 })!;
        // The operating point: best F1 on the chosen setting's out-of-fold predictions (never on the test set).
        var threshold = BinaryMetrics.BestF1Threshold(oof.Select(p => (double)p).ToArray(), sweepRows.Select(i => data.Labels[i]).ToArray());
        progress?.Report($"chosen: {chosen.Name} {chosen.Spec.Trainer} {chosen.Spec.Settings} (CV AUC {chosen.MeanAuc:F4}); refitting on {split.Train.Length:N0} rows");

        var trainData = data.Subset(split.Train);
        var model = TrainedModel.Fit(trainData, chosen.Spec, seed, priorShift: shift).WithScoringInfo(shift is null ? threshold : shift.Apply(threshold), trainData);
        var reports = tests.Select(t =>
        {
            var test = data.Subset(t.Rows);
            // Test sets are scored as trained (the seed recipe's balanced probabilities, as the original reported them);
            // the prior shift is for population-level use of the seed model.
            var p = model.RawProbabilities(test.Rows).Select(v => (double)v).ToArray();
            return (Report: Evaluation.Evaluate(t.Name, p, test.Labels, threshold), Probabilities: p, Test: test);
        }).ToArray();

        progress?.Report("model card: permutation importance and subgroups");
        var headline = reports[0];
        var importanceRows = Splits.Subsample(Enumerable.Range(0, headline.Test.Count).ToArray(), headline.Test.Labels, options.ImportanceRows, seed);
        var importance = ModelCard.PermutationImportance(model, headline.Test.Subset(importanceRows), seed, options.ImportanceRepeats);
        var groups = ModelCard.Subgroups(set, headline.Test.Ids);
        var subgroups = ModelCard.BySubgroup(groups, headline.Probabilities, headline.Test.Labels, headline.Report.AtChosen.Threshold);

        progress?.Report("logging to MLflow");
        var store = new MlflowStore(parameters.MlRuns);
        var experiment = store.GetOrCreateExperiment(options.Experiment);
        var recipeName = FeatureSet.RecipeName(set.Recipe);
        foreach (var (sweepName, sweep) in new[] { ("original-grid", grid), ("budgeted-search", search) })
            foreach (var trial in sweep.Trials.OrderBy(t => t.Trial))
            {
                var run = store.StartRun(experiment, $"{recipeName}-{trial.Name}");
                run.LogParams(trial.Spec.Parameters()).LogParam("recipe", recipeName).LogParam("seed", seed.ToString(CultureInfo.InvariantCulture))
                    .LogParam("folds", options.Folds.ToString(CultureInfo.InvariantCulture)).LogParam("cv_rows", sweepRows.Length.ToString(CultureInfo.InvariantCulture));
                run.LogMetric("cv_auc", trial.MeanAuc).LogMetric("cv_auc_sd", trial.SdAuc).LogMetric("fit_seconds", trial.Seconds);
                for (var f = 0; f < trial.FoldAuc.Count; f++) run.LogMetric("fold_auc", trial.FoldAuc[f], f);
                run.SetTag("pophealth.sweep", sweepName).SetTag("pophealth.recipe", recipeName);
                run.End();
            }

        var final = store.StartRun(experiment, $"{recipeName}-final-{chosen.Name}");
        final.LogParams(chosen.Spec.Parameters()).LogParam("recipe", recipeName).LogParam("seed", seed.ToString(CultureInfo.InvariantCulture))
            .LogParam("train_rows", split.Train.Length.ToString(CultureInfo.InvariantCulture)).LogParam("split", split.Description)
            .LogParam("chosen_threshold", threshold.ToString("R", CultureInfo.InvariantCulture)).LogParam("features", string.Join(",", data.FeatureNames))
            .LogParam("prior_shift", shift is null ? "none" : $"{shift.TrainingPrevalence:F4}->{shift.PopulationPrevalence:F4}");
        var h = headline.Report;
        final.LogMetric("cv_auc", chosen.MeanAuc).LogMetric("test_auc", h.Auc).LogMetric("test_accuracy", h.AtHalf.Accuracy)
            .LogMetric("test_precision", h.AtHalf.Precision).LogMetric("test_recall", h.AtHalf.Recall).LogMetric("test_f1", h.AtHalf.F1)
            .LogMetric("test_brier", h.Brier).LogMetric("test_calibration_in_the_large", h.CalibrationInTheLarge)
            .LogMetric("test_f1_at_chosen", h.AtChosen.F1);
        foreach (var r in reports.Skip(1))
            final.LogMetric("balanced_test_auc", r.Report.Auc).LogMetric("balanced_test_accuracy", r.Report.AtHalf.Accuracy).LogMetric("balanced_test_f1", r.Report.AtHalf.F1);
        final.SetTag("pophealth.recipe", recipeName).SetTag("pophealth.profile", set.ProfileName).SetTag("pophealth.synthetic", set.Synthetic ? "true" : "false");
        ModelArtifacts.LogModel(final, model);
        var testReports = reports.Select(r => r.Report).ToArray();
        final.LogText("leaderboard.csv", Csv(TrainingResult.CombinedLeaderboard(grid, search)));
        final.LogText("metrics.csv", Csv(testReports.SelectMany(t => t.Lines())));
        final.LogText("importance.csv", Csv(importance));
        final.LogText("subgroups.csv", Csv(subgroups));
        // The charts as plotly.js figures (any plotly.js page draws them), and as PNG/SVG where Chromium is installed.
        foreach (var (name, chart) in Charts.WorkbookCharts.TrainingCharts(testReports, grid, importance, subgroups))
        {
            final.LogText($"charts/{name}.json", chart.FigureJson);
            chart.SavePng(Path.Combine(final.ArtifactDirectory, "charts", name + ".png"));
            chart.SaveSvg(Path.Combine(final.ArtifactDirectory, "charts", name + ".svg"));
        }
        final.End();

        var registered = store.RegisterModel(options.ModelName, final);
        store.SetAlias(options.ModelName, options.Alias, registered.Version);
        progress?.Report($"registered {options.ModelName} version {registered.Version}, alias {options.Alias}");
        return new TrainingResult
        {
            Recipe = set.Recipe, SplitDescription = split.Description, TrainRows = split.Train.Length, SweepRows = sweepRows.Length,
            Grid = grid, Search = search, Chosen = chosen, ChosenThreshold = threshold, Model = model, Tests = testReports,
            Importance = importance, Subgroups = subgroups, Registered = store.Resolve($"models:/{options.ModelName}/{registered.Version}"),
            FinalRunId = final.RunId, Elapsed = watch.Elapsed,
        };
    }

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
