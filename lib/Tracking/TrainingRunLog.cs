using System.Globalization;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Tracking;

/// <summary>What 04's final MLflow run records about the chosen model and its tests (its params, metrics and tags).</summary>
/// <param name="Recipe">The features' recipe name (<c>seed</c>, <c>improved</c>).</param>
/// <param name="Profile">The source's year profile.</param>
/// <param name="Split">The split's description.</param>
/// <param name="Tests">The test sets' reports; the first is the headline.</param>
/// <param name="Candidate">The headline test as the promotion gate compares it (and as later gates read it back).</param>
public sealed record FinalRunContents(string Recipe, int Seed, string Profile, bool Synthetic, ModelSpec Spec, int TrainRows, string Split,
    double Threshold, IReadOnlyList<string> Features, PriorShift? Shift, double CvAuc, IReadOnlyList<TestReport> Tests, PromotionCandidate Candidate,
    IReadOnlyList<CandidateDecision> Candidates, RefitTreesChoice? RefitTrees);

/// <summary>
/// 04's runs in MLflow's file store: one run per trial of the sweeps, and the final run's params, metrics, tags and tables (the
/// model files are <see cref="ModelArtifacts"/>'s). The names are MLflow's conventions (<c>cv_auc</c>, <c>test_auc</c> …), read by
/// MLflow's UI and by later promotion gates.
/// </summary>
public static class TrainingRunLog
{
    /// <summary>
    /// The params and metrics a final run logs that later promotion gates (<see cref="PromotionGate"/>) and 07's report read back:
    /// recipe, features, test set, test AUC, rows, positives.
    /// </summary>
    public const string RecipeParam = "recipe", FeaturesParam = "features", TestSetParam = "test_set",
        AucMetric = "test_auc", RowsMetric = "test_rows", PositivesMetric = "test_positives";

    /// <summary>One finished run per trial of the original grid and of the budgeted search.</summary>
    public static void LogTrials(MlflowStore store, string experiment, string recipe, int seed, int folds, TrainingSweeps sweeps)
    {
        foreach (var (sweepName, sweep) in new[] { ("original-grid", sweeps.Grid), ("budgeted-search", sweeps.Search) })
            foreach (var trial in sweep.Trials.OrderBy(t => t.Trial))
            {
                var run = store.StartRun(experiment, $"{recipe}-{trial.Name}");
                run.LogParams(trial.Spec.Parameters()).LogParam(RecipeParam, recipe).LogParam("seed", Invariant(seed))
                    .LogParam("folds", Invariant(folds)).LogParam("cv_rows", Invariant(trial.CvRows));
                run.LogMetric("cv_auc", trial.MeanAuc).LogMetric("cv_auc_sd", trial.SdAuc).LogMetric("fit_seconds", trial.Seconds);
                for (var f = 0; f < trial.FoldAuc.Count; f++) run.LogMetric("fold_auc", trial.FoldAuc[f], f);
                run.SetTag("pophealth.sweep", sweepName).SetTag("pophealth.recipe", recipe);
                run.End();
            }
    }

    /// <summary>The final run's params, headline and balanced-test metrics, and tags.</summary>
    public static void LogFinal(MlflowRun final, FinalRunContents c)
    {
        final.LogParams(c.Spec.Parameters()).LogParam(RecipeParam, c.Recipe).LogParam("seed", Invariant(c.Seed))
            .LogParam("train_rows", Invariant(c.TrainRows)).LogParam("split", c.Split)
            .LogParam("chosen_threshold", c.Threshold.ToString("R", CultureInfo.InvariantCulture))
            .LogParam(FeaturesParam, string.Join(",", c.Features))
            .LogParam("prior_shift", c.Shift is null ? "none" : $"{c.Shift.TrainingPrevalence:F4}->{c.Shift.PopulationPrevalence:F4}");
        final.LogParam(TestSetParam, c.Candidate.TestSet).LogMetric(RowsMetric, c.Candidate.TestRows)
            .LogMetric(PositivesMetric, c.Candidate.TestPositives);
        var h = c.Tests[0];
        final.LogMetric("cv_auc", c.CvAuc).LogMetric(AucMetric, h.Auc).LogMetric("test_accuracy", h.AtHalf.Accuracy)
            .LogMetric("test_precision", h.AtHalf.Precision).LogMetric("test_recall", h.AtHalf.Recall).LogMetric("test_f1", h.AtHalf.F1)
            .LogMetric("test_brier", h.Brier).LogMetric("test_calibration_in_the_large", h.CalibrationInTheLarge)
            .LogMetric("test_f1_at_chosen", h.AtChosen.F1);
        foreach (var r in c.Tests.Skip(1))
            final.LogMetric("balanced_test_auc", r.Auc).LogMetric("balanced_test_accuracy", r.AtHalf.Accuracy)
                .LogMetric("balanced_test_f1", r.AtHalf.F1);
        final.SetTag("pophealth.recipe", c.Recipe).SetTag("pophealth.profile", c.Profile)
            .SetTag("pophealth.synthetic", c.Synthetic ? "true" : "false");
        foreach (var decision in c.Candidates) final.SetTag($"pophealth.candidate.{decision.Feature}", decision.Reason);
        if (c.RefitTrees is { } trees) final.SetTag("pophealth.refit_trees", trees.Describe());
    }

    /// <summary>
    /// The final run's tables as CSV artifacts: leaderboard, metrics, importance, subgroups, the audit and its gaps,
    /// SHAP importance.
    /// </summary>
    public static void LogTables(MlflowRun final, TrainingSweeps sweeps, IReadOnlyList<TestReport> tests, ModelCardReport card)
    {
        final.LogText("leaderboard.csv", CsvText.Records(sweeps.Leaderboard));
        final.LogText("metrics.csv", CsvText.Records(tests.SelectMany(t => t.Lines())));
        final.LogText("importance.csv", CsvText.Records(card.Importance));
        final.LogText("subgroups.csv", CsvText.Records(card.Subgroups));
        final.LogText("fairness_audit.csv", CsvText.Records(card.Audit.Groups.Select(AuditRow.From)));
        final.LogText("fairness_gaps.csv", CsvText.Records(card.Audit.Gaps));
        if (card.Shap is { } shap) final.LogText("shap_importance.csv", CsvText.Records(shap.Ranking));
    }

    /// <summary>
    /// Next-year metrics: the latest year's as <c>next_year_auc</c>, <c>next_year_calibration</c> and
    /// <c>recalibrated_next_year_calibration</c>; every year's with the test year as the step.
    /// </summary>
    public static void LogNextYear(MlflowRun final, IReadOnlyList<NextYearResult> results)
    {
        foreach (var r in results)
            final.LogMetric("next_year_auc", r.Report.Auc, r.TestYear).LogMetric("next_year_calibration", r.Report.CalibrationInTheLarge, r.TestYear)
                .LogMetric("next_year_brier", r.Report.Brier, r.TestYear).LogMetric("recalibrated_next_year_calibration", r.Recalibrated, r.TestYear);
        if (results.Count > 0) final.LogText("next_year.csv", CsvText.Records(results.Select(r => new
        {
            r.TestYear, r.TrainedOn, r.TrainRows, TestRows = r.Report.Rows, Auc = r.Report.Auc, Brier = r.Report.Brier,
            Calibration = r.Report.CalibrationInTheLarge, r.InterceptShift, r.CalibrationSampleRows, RecalibratedCalibration = r.Recalibrated,
        })));
    }

    /// <summary>The recalibrated model beside the model as trained in the same run, with its test metrics.</summary>
    public static void LogRecalibrated(MlflowRun final, RecalibrationReport recalibration, ModelExport parent)
    {
        ModelArtifacts.LogModel(final, parent.ForSameTrees(recalibration.Recalibrated.Model), ModelRegistration.RecalibratedArtifactPath);
        final.LogMetric("recalibrated_test_calibration_in_the_large", recalibration.After.CalibrationInTheLarge)
            .LogMetric("recalibrated_test_brier", recalibration.After.Brier)
            .LogMetric("recalibration_intercept_shift", recalibration.Recalibrated.InterceptShift);
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
