using PopHealth.Charts;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>
/// 04-train's charts: the sweeps, ROC and reliability (06 reuses reliability), importance, subgroups, the
/// intersectional audit, next-year validation, SHAP; and the set saved with the final run and copied for readers.
/// </summary>
public static class TrainingCharts
{
    /// <summary>
    /// The original's sweep comparison: CV AUC against trees / iterations, one line per model and depth, from the first
    /// rung (every setting on the same rows).
    /// </summary>
    public static Chart SweepComparison(SweepRun grid) =>
        Plots.Lines($"Original grid: cross-validated AUC by number of trees ({grid.Rungs[0].Rows.Length:N0} rows)",
            grid.Rungs[0].Trials.GroupBy(t => (t.Spec.Trainer, t.Spec.Depth)).OrderBy(g => g.Key.Trainer).ThenBy(g => g.Key.Depth)
                .Select(g => new LineSeries($"{(g.Key.Trainer == TrainerKind.FastForest ? "random forest" : "gradient-boosted")} depth {g.Key.Depth}",
                    g.OrderBy(t => t.Spec.Trees).Select(t => (double)t.Spec.Trees).ToArray(),
                    g.OrderBy(t => t.Spec.Trees).Select(t => t.MeanAuc).ToArray())),
            new ChartLayout(XTitle: "trees (forest) / iterations (boosting)", YTitle: "mean CV AUC (3 folds)"));

    /// <summary>The best trials of a leaderboard with ± 1 sd of their fold AUCs.</summary>
    public static Chart Leaderboard(IReadOnlyList<LeaderboardRow> rows, int top = 15)
    {
        var best = rows.Take(top).Reverse().ToArray();
        return Plots.Bars($"Leaderboard: the best {best.Length} settings (CV AUC ± 1 sd)",
            [new BarSeries("CV AUC", best.Select(r => $"{r.Name} {r.Trainer}").ToArray(), best.Select(r => r.CvAuc).ToArray(),
                best.Select(r => r.CvAuc - r.CvAucSd).ToArray(), best.Select(r => r.CvAuc + r.CvAucSd).ToArray())],
            new ChartLayout(XTitle: "mean CV AUC", XMin: Math.Max(0.5, best.Min(r => r.CvAuc) - 0.02),
                XMax: Math.Min(1, best.Max(r => r.CvAuc) + 0.01), Height: Math.Max(360, 26 * best.Length + 120)), horizontal: true);
    }

    /// <summary>ROC curves of the test sets, each in its own colour and dash, with the chance diagonal; the legend below the plot.</summary>
    public static Chart Roc(IReadOnlyList<TestReport> tests) =>
        Plots.Lines("ROC curve on held-out respondents",
            tests.Select((t, i) => new LineSeries($"{t.TestSet} (AUC {t.Auc:F3})", t.Roc.Select(p => p.X).ToArray(), t.Roc.Select(p => p.Y).ToArray(),
                LineStyle.Series(i)))
                .Append(new LineSeries("chance", [0, 1], [0, 1], LineStyle.Reference)),
            CurveLayout("false-positive rate", "true-positive rate", tests.Count + 1), markers: false);

    /// <summary>
    /// Reliability curves: mean predicted probability against the observed rate per bin (own colour, dash and marker
    /// each), with the diagonal.
    /// </summary>
    public static Chart Reliability(IReadOnlyList<TestReport> tests) =>
        Plots.Lines("Reliability: are predicted probabilities right on average?",
            tests.Select((t, i) => new LineSeries($"{t.TestSet} (Brier {t.Brier:F3})", t.Reliability.Select(b => b.MeanPredicted).ToArray(),
                    t.Reliability.Select(b => b.ObservedRate).ToArray(), LineStyle.Series(i, markers: true)))
                .Append(new LineSeries("perfectly calibrated", [0, 1], [0, 1], LineStyle.Reference)),
            CurveLayout("mean predicted probability", "observed share in fair/poor health", tests.Count + 1), markers: false);

    /// <summary>A square unit plot for curves against a diagonal, the legend in rows below it (room for one row per two series).</summary>
    private static ChartLayout CurveLayout(string xTitle, string yTitle, int series) =>
        new(XTitle: xTitle, YTitle: yTitle, XMin: 0, XMax: 1, YMin: 0, YMax: 1, Width: 620, Height: 600 + 22 * ((series + 1) / 2), LegendBelow: true);

    /// <summary>Permutation importance: AUC lost when each feature is shuffled (± 1 sd over repeats).</summary>
    public static Chart Importance(IReadOnlyList<FeatureImportance> importance)
    {
        var rows = importance.Reverse().ToArray();
        return Plots.Bars("Permutation importance (test AUC lost when the feature is shuffled)",
            [new BarSeries("AUC drop", rows.Select(r => r.Feature).ToArray(), rows.Select(r => r.AucDrop).ToArray(),
                rows.Select(r => r.AucDrop - r.AucDropSd).ToArray(), rows.Select(r => r.AucDrop + r.AucDropSd).ToArray())],
            new ChartLayout(XTitle: "AUC drop", Height: Math.Max(360, 24 * rows.Length + 120)), horizontal: true);
    }

    /// <summary>AUC, true- and false-positive rate by subgroup (at the chosen threshold).</summary>
    public static Chart Subgroups(IReadOnlyList<SubgroupMetrics> groups)
    {
        var labels = groups.Select(g => $"{g.Dimension}: {g.Group}").ToArray();
        return Plots.Bars("Performance by subgroup (at the chosen threshold)",
            [new BarSeries("AUC", labels, groups.Select(g => g.Auc).ToArray()),
                new BarSeries("true-positive rate", labels, groups.Select(g => g.TruePositiveRate).ToArray()),
             new BarSeries("false-positive rate", labels, groups.Select(g => g.FalsePositiveRate).ToArray())],
            new ChartLayout(YTitle: "rate", YMin: 0, YMax: 1, Width: 900, Height: 480));
    }

    /// <summary>
    /// The intersectional audit: each reported group's AUC with its 95 % interval, worst first (at the top), two series so
    /// that groups whose interval lies wholly below the overall AUC stand out; the overall AUC is in the title.
    /// </summary>
    public static Chart Audit(FairnessAuditReport audit, int worst = 25)
    {
        var groups = audit.Groups.Where(g => double.IsFinite(g.Auc.Value)).OrderBy(g => g.Auc.Value).Take(worst).ToArray();
        string Label(AuditGroup g) => $"{g.Group} (n={g.Respondents:N0})";
        BarSeries Series(string name, Func<AuditGroup, bool> keep)
        {
            var chosen = groups.Where(keep).ToArray();
            return new BarSeries(name, chosen.Select(Label).ToArray(), chosen.Select(g => g.Auc.Value).ToArray(),
                chosen.Select(g => g.Auc.Lower).ToArray(), chosen.Select(g => g.Auc.Upper).ToArray());
        }
        var overall = audit.Overall.Auc.Value;
        // The worst group at the top; groups whose whole interval lies below the overall AUC in the second (red) colour.
        return Plots.Bars($"AUC by group, worst {groups.Length} of {audit.Groups.Count} " +
            $"(overall {overall:F3}; {audit.SuppressedGroups} groups under {audit.Options.MinimumGroupSize} suppressed)",
            [Series("not distinguishable from overall", g => g.Auc.Upper >= overall),
                Series("below overall (interval excludes it)", g => g.Auc.Upper < overall)],
            new ChartLayout(XTitle: $"AUC with 95 % bootstrap interval{(audit.Weighted ? " (survey-weighted)" : "")}",
                XMin: Math.Max(0.5, groups.Select(g => g.Auc.Lower).DefaultIfEmpty(0.5).Min() - 0.02), XMax: 1, Width: 900,
                Height: Math.Max(360, 24 * groups.Length + 160)), horizontal: true, categoryOrder: groups.Reverse().Select(Label).ToArray());
    }

    /// <summary>Next-year validation across survey years: AUC, and calibration in the large before and after recalibration, by test year.</summary>
    public static Chart AcrossYears(IReadOnlyList<NextYearResult> results)
    {
        var years = results.Select(r => (double)r.TestYear).ToArray();
        return Plots.Lines("Trained on the earlier years, tested on the next (AUC; calibration in the large, before and after recalibrating on 5 %)",
        [
            new LineSeries("AUC", years, results.Select(r => r.Report.Auc).ToArray()),
            new LineSeries("calibration in the large, as trained", years, results.Select(r => r.Report.CalibrationInTheLarge).ToArray()),
            new LineSeries("calibration in the large, recalibrated", years, results.Select(r => r.Recalibrated).ToArray()),
        ], new ChartLayout(XTitle: "test year", YTitle: "AUC / mean predicted − observed", Width: 800, Height: 440));
    }

    /// <summary>Reliability of each next-year model after recalibration, one line per test year, with the diagonal.</summary>
    public static Chart ReliabilityAcrossYears(IReadOnlyList<NextYearResult> results) =>
        Plots.Lines("Reliability on the next year, after recalibration (the other 95 %)",
            results.Select(r => new LineSeries($"{r.TrainedOn} → {r.TestYear}", r.RecalibratedReliability.Select(b => b.MeanPredicted).ToArray(),
                r.RecalibratedReliability.Select(b => b.ObservedRate).ToArray()))
            .Append(new LineSeries("perfect calibration", [0, 1], [0, 1])),
            new ChartLayout(XTitle: "mean predicted", YTitle: "observed share", XMin: 0, XMax: 1, YMin: 0, YMax: 1, Width: 640, Height: 520));

    /// <summary>
    /// Beeswarm-style global SHAP chart: one point per explained row and feature (top <paramref name="top"/> by mean |SHAP|,
    /// the most important at the top), x = contribution in log-odds, colour = the feature's value ranked within the sample
    /// (blue low, red high), jittered vertically; unknown values take the middle of the scale.
    /// </summary>
    public static Chart ShapBeeswarm(ShapSummary shap, int top = 12, int maxRows = 600)
    {
        var features = shap.Ranking.Take(top).Reverse().ToArray();
        var rows = Math.Min(maxRows, shap.Values.Rows);
        var jitter = new Random(7);
        var series = features.Select((f, y) =>
        {
            var j = shap.Features.ToList().IndexOf(f.Feature);
            var values = Enumerable.Range(0, rows).Select(r => (double)shap.Rows[r][j]).ToArray();
            var known = values.Where(v => !double.IsNaN(v)).Order().ToArray();
            double Rank(double v)
            {
                if (double.IsNaN(v) || known.Length < 2) return 0.5;
                var at = Array.BinarySearch(known, v);
                return Math.Clamp((at < 0 ? ~at : at) / (known.Length - 1.0), 0, 1);
            }
            var contributions = shap.Column(j).Take(rows).ToArray();
            return new PointSeries(f.Feature, contributions, contributions.Select(_ => y + (jitter.NextDouble() - 0.5) * 0.6).ToArray(),
                values.Select(Rank).ToArray());
        }).ToArray();
        return Plots.Scatter($"SHAP values of {rows:N0} test respondents (log-odds; right raises the risk)", series,
            new ChartLayout(XTitle: "SHAP value (log-odds contribution)", Width: 900, Height: Math.Max(380, 34 * features.Length + 160)),
            colorTitle: "feature value", yCategories: features.Select(f => f.Feature).ToArray());
    }

    /// <summary>Dependence chart: a feature's value (x) against its SHAP value (y), one point per explained row.</summary>
    public static Chart ShapDependence(ShapSummary shap, string feature, int maxRows = 2000)
    {
        var j = shap.Features.ToList().IndexOf(feature);
        var rows = Enumerable.Range(0, Math.Min(maxRows, shap.Values.Rows)).Where(r => !float.IsNaN(shap.Rows[r][j])).ToArray();
        var contributions = shap.Column(j);
        return Plots.Scatter($"How {feature} moves the risk (SHAP dependence; unknown values not shown)",
            [new PointSeries(feature, rows.Select(r => (double)shap.Rows[r][j]).ToArray(), rows.Select(r => contributions[r]).ToArray())],
            new ChartLayout(XTitle: feature, YTitle: "SHAP value (log-odds)", Width: 640, Height: 400));
    }

    /// <summary>
    /// Copies the training charts drawn once into the final run's artifacts (<see cref="Registration.ChartFiles"/>) to
    /// <paramref name="folder"/> as <c>name-recipe.html/png/svg</c>; returns the files written (PNG/SVG only where drawn).
    /// </summary>
    public static IReadOnlyList<string> CopyForReaders(Registration registration, Recipe recipe, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (name, source) in registration.ChartFiles)
            foreach (var extension in new[] { ".html", ".png", ".svg" })
            {
                var from = Path.Combine(source, name + extension);
                if (!File.Exists(from)) continue;
                var to = Path.Combine(folder, $"{name}-{recipe.Name()}{extension}");
                AtomicFile.Write(to, (Stream stream) => { using var input = File.OpenRead(from); input.CopyTo(stream); });
                written.Add(to);
            }
        return written;
    }

    /// <summary>The train step's charts for readers, by file name: ROC, sweep comparison, reliability, importance, subgroups.</summary>
    public static IReadOnlyList<(string Name, Chart Chart)> ForFinalRun(IReadOnlyList<TestReport> tests, SweepRun grid,
        IReadOnlyList<FeatureImportance> importance, IReadOnlyList<SubgroupMetrics> subgroups, FairnessAuditReport audit) =>
    [
        ("roc", Roc(tests)), ("sweep", SweepComparison(grid)), ("reliability", Reliability(tests)),
        ("importance", Importance(importance)), ("subgroups", Subgroups(subgroups)), ("fairness-audit", Audit(audit)),
    ];
}
