using PopHealth.Features;
using PopHealth.Charts;
using PopHealth.Modeling;
using PopHealth.Scoring;
using PopHealth.Synthesis;
using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>The workbook's domain results as charts (each notebook's pictures come from here).</summary>
public static class WorkbookCharts
{
    /// <summary>Bars of each code's share, labelled from CDC's codebook.</summary>
    public static Chart Distribution(IReadOnlyList<CodeFrequency> frequencies, string? title = null) =>
        Plots.Bar(title ?? $"{frequencies.FirstOrDefault()?.Variable}: share of respondents by answer",
            frequencies.Select(f => f.Label).ToArray(), frequencies.Select(f => f.Share).ToArray(), new ChartLayout(YTitle: "share of respondents", YPercent: true));

    /// <summary>A heatmap of a cross-tabulation (counts).</summary>
    public static Chart Heatmap(CrossTab table, string? title = null) =>
        Plots.Heatmap(title ?? $"{table.RowVariable} × {table.ColumnVariable} (respondents)", table.ColumnLabels, table.RowLabels, table.Counts,
            new ChartLayout(XTitle: table.ColumnVariable, YTitle: table.RowVariable, Width: 820, Height: 480));

    /// <summary>Share in fair or poor health by level (with 95 % intervals) above the respondents per level.</summary>
    public static Chart RiskByLevel(IReadOnlyList<LevelRisk> levels) =>
        Plots.ShareAndCount($"{levels.FirstOrDefault()?.Feature}: share in fair or poor health by level", levels.Select(l => l.Level).ToArray(),
            levels.Select(l => l.FairPoorShare).ToArray(), levels.Select(l => l.Lower).ToArray(), levels.Select(l => l.Upper).ToArray(),
            levels.Select(l => (double)l.Count).ToArray(), "fair/poor health", new ChartLayout(XTitle: levels.FirstOrDefault()?.Feature, Height: 480));

    /// <summary>Single-feature AUC of every feature, strongest at the top.</summary>
    public static Chart Associations(IReadOnlyList<FeatureAssociation> associations) =>
        Plots.Bar("How well each feature alone separates fair/poor health (single-feature AUC)",
            associations.Reverse().Select(a => a.Feature).ToArray(), associations.Reverse().Select(a => a.Auc).ToArray(),
            new ChartLayout(XTitle: "AUC (0.5 = no information)", XMin: 0.5, XMax: 1, Height: Math.Max(360, 24 * associations.Count + 120)), horizontal: true);

    /// <summary>
    /// Prevalence of fair or poor health by the values of a column (<paramref name="what"/>: "survey year", "interview month"), in
    /// their order, with 95 % CIs, above the respondents per value; the title says whether it is survey-weighted or unweighted.
    /// </summary>
    public static Chart PrevalenceBy(PrevalenceSeries series, string what) =>
        Plots.ShareAndCount($"Fair or poor health by {what}, {(series.Weighted ? "survey-weighted" : "unweighted")}, 95 % CI<br><sup>{series.Method}</sup>",
            series.Groups.Select(g => g.Group).ToArray(), series.Groups.Select(g => g.Prevalence).ToArray(), series.Groups.Select(g => g.Lower).ToArray(),
            series.Groups.Select(g => g.Upper).ToArray(), series.Groups.Select(g => (double)g.Respondents).ToArray(),
            series.Weighted ? "weighted share, fair/poor" : "share, fair/poor (unweighted)", new ChartLayout(XTitle: what, Height: 500));

    /// <summary>Weighted prevalence by group with 95 % confidence intervals, sorted, as horizontal bars.</summary>
    public static Chart Prevalence(IReadOnlyList<WeightedPrevalence> estimates, string title)
    {
        var sorted = estimates.OrderBy(e => e.Prevalence).ToArray();
        return Plots.Bars(title, [new BarSeries("weighted prevalence", sorted.Select(e => e.Group).ToArray(), sorted.Select(e => e.Prevalence).ToArray(),
            sorted.Select(e => e.Lower).ToArray(), sorted.Select(e => e.Upper).ToArray())],
            new ChartLayout(XTitle: "share in fair or poor health (survey-weighted, 95 % CI)", Height: Math.Max(360, 18 * sorted.Length + 140), Width: 820), horizontal: true);
    }

    /// <summary>The original's sweep comparison: CV AUC against trees / iterations, one line per model and depth, from the first rung (every setting on the same rows).</summary>
    public static Chart SweepComparison(SweepRun grid) =>
        Plots.Lines($"Original grid: cross-validated AUC by number of trees ({grid.Rungs[0].Rows.Length:N0} rows)",
            grid.Rungs[0].Trials.GroupBy(t => (t.Spec.Trainer, t.Spec.Depth)).OrderBy(g => g.Key.Trainer).ThenBy(g => g.Key.Depth)
                .Select(g => new LineSeries($"{(g.Key.Trainer == TrainerKind.FastForest ? "random forest" : "gradient-boosted")} depth {g.Key.Depth}",
                    g.OrderBy(t => t.Spec.Trees).Select(t => (double)t.Spec.Trees).ToArray(), g.OrderBy(t => t.Spec.Trees).Select(t => t.MeanAuc).ToArray())),
            new ChartLayout(XTitle: "trees (forest) / iterations (boosting)", YTitle: "mean CV AUC (3 folds)"));

    /// <summary>The best trials of a leaderboard with ± 1 sd of their fold AUCs.</summary>
    public static Chart Leaderboard(IReadOnlyList<LeaderboardRow> rows, int top = 15)
    {
        var best = rows.Take(top).Reverse().ToArray();
        return Plots.Bars($"Leaderboard: the best {best.Length} settings (CV AUC ± 1 sd)",
            [new BarSeries("CV AUC", best.Select(r => $"{r.Name} {r.Trainer}").ToArray(), best.Select(r => r.CvAuc).ToArray(),
                best.Select(r => r.CvAuc - r.CvAucSd).ToArray(), best.Select(r => r.CvAuc + r.CvAucSd).ToArray())],
            new ChartLayout(XTitle: "mean CV AUC", XMin: Math.Max(0.5, best.Min(r => r.CvAuc) - 0.02), XMax: Math.Min(1, best.Max(r => r.CvAuc) + 0.01),
                Height: Math.Max(360, 26 * best.Length + 120)), horizontal: true);
    }

    /// <summary>ROC curves of the test sets, each in its own colour and dash, with the chance diagonal; the legend below the plot.</summary>
    public static Chart Roc(IReadOnlyList<TestReport> tests) =>
        Plots.Lines("ROC curve on held-out respondents",
            tests.Select((t, i) => new LineSeries($"{t.TestSet} (AUC {t.Auc:F3})", t.Roc.Select(p => p.X).ToArray(), t.Roc.Select(p => p.Y).ToArray(), LineStyle.Series(i)))
                .Append(new LineSeries("chance", [0, 1], [0, 1], LineStyle.Reference)),
            CurveLayout("false-positive rate", "true-positive rate", tests.Count + 1), markers: false);

    /// <summary>Reliability curves: mean predicted probability against the observed rate per bin (own colour, dash and marker each), with the diagonal.</summary>
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
            [new BarSeries("AUC", labels, groups.Select(g => g.Auc).ToArray()), new BarSeries("true-positive rate", labels, groups.Select(g => g.TruePositiveRate).ToArray()),
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
        return Plots.Bars($"AUC by group, worst {groups.Length} of {audit.Groups.Count} (overall {overall:F3}; {audit.SuppressedGroups} groups under {audit.Options.MinimumGroupSize} suppressed)",
            [Series("not distinguishable from overall", g => g.Auc.Upper >= overall), Series("below overall (interval excludes it)", g => g.Auc.Upper < overall)],
            new ChartLayout(XTitle: $"AUC with 95 % bootstrap interval{(audit.Weighted ? " (survey-weighted)" : "")}", XMin: Math.Max(0.5, groups.Select(g => g.Auc.Lower).DefaultIfEmpty(0.5).Min() - 0.02), XMax: 1,
                Width: 900, Height: Math.Max(360, 24 * groups.Length + 160)), horizontal: true, categoryOrder: groups.Reverse().Select(Label).ToArray());
    }

    /// <summary>Population stability index per feature, largest first, in three series by reading (stable, moderate, major shift).</summary>
    public static Chart Drift(DriftReport drift)
    {
        var features = drift.Features.Where(f => double.IsFinite(f.StabilityIndex)).OrderBy(f => f.StabilityIndex).ToArray();
        BarSeries Series(string reading) => new(reading, features.Where(f => f.Reading == reading).Select(f => f.Feature).ToArray(),
            features.Where(f => f.Reading == reading).Select(f => f.StabilityIndex).ToArray());
        return Plots.Bars($"Drift against the training data (PSI; predicted prevalence {drift.PredictedPrevalence:P1} vs training {drift.TrainingPrevalence?.ToString("P1") ?? "n/a"})",
            [Series("stable"), Series("moderate shift"), Series("major shift")],
            new ChartLayout(XTitle: "population stability index (0.1 moderate, 0.25 major)", Width: 800, Height: Math.Max(320, 22 * features.Length + 160)), horizontal: true);
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
            return new PointSeries(f.Feature, contributions, contributions.Select(_ => y + (jitter.NextDouble() - 0.5) * 0.6).ToArray(), values.Select(Rank).ToArray());
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

    /// <summary>Column-shape similarity of every column (1 = same distribution), with the overall scores in the title.</summary>
    public static Chart ColumnShapes(QualityReport quality)
    {
        var rows = quality.Columns.OrderBy(c => c.Score).ToArray();
        return Plots.Bar($"Synthetic vs real, column shapes {quality.ColumnShapesScore:P1}, pair trends {quality.PairTrendsScore:P1}, overall {quality.Overall:P1}",
            rows.Select(c => $"{c.Column} ({(c.Metric.StartsWith("KS", StringComparison.Ordinal) ? "KS" : "TV")})").ToArray(), rows.Select(c => c.Score).ToArray(),
            new ChartLayout(XTitle: "similarity (1 = identical)", XMin: 0.5, XMax: 1, Height: Math.Max(360, 24 * rows.Length + 120)), horizontal: true);
    }

    /// <summary>Real against synthetic shares of one column: by code when it has few values, else by decile of the real values.</summary>
    public static Chart RealVsSynthetic(DataFrame real, DataFrame synthetic, string column, int maxCategories = 20)
    {
        var r = real.Numbers(column);
        var s = synthetic.Numbers(column);
        var known = r.Where(v => v is not null).Select(v => v!.Value).Order().ToArray();
        Func<double?, string> bin;
        string[] order;
        if (known.Distinct().Count() <= maxCategories)
        {
            var codes = known.Distinct().ToArray();
            bin = v => v is { } x ? x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "unknown";
            order = codes.Select(c => bin(c)).Append("unknown").ToArray();
        }
        else
        {
            var cuts = Enumerable.Range(1, 9).Select(q => known[(int)(q / 10.0 * (known.Length - 1))]).Distinct().ToArray();
            string Label(int b) => $"{(b == 0 ? known[0] : cuts[b - 1]).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}–{(b == cuts.Length ? known[^1] : cuts[b]).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}";
            bin = v => v is { } x ? Label(cuts.Count(c => x > c)) : "unknown";
            order = Enumerable.Range(0, cuts.Length + 1).Select(Label).Append("unknown").ToArray();
        }
        double[] Shares(double?[] values) => order.Select(o => values.Count(v => bin(v) == o) / (double)Math.Max(1, values.Length)).ToArray();
        return Plots.Bars($"{column}: real vs synthetic", [new BarSeries("real", order, Shares(r)), new BarSeries("synthetic", order, Shares(s))],
            new ChartLayout(YTitle: "share of rows", YPercent: true, Height: 380));
    }

    /// <summary>Respondents per risk tier.</summary>
    public static Chart RiskTiers(IReadOnlyList<TierCount> tiers) =>
        Plots.Bar("Scored respondents by risk tier", tiers.Select(t => $"{t.Tier} ({t.Range})").ToArray(), tiers.Select(t => (double)t.Respondents).ToArray(),
            new ChartLayout(YTitle: "respondents"));

    /// <summary>Distribution of predicted probabilities in 20 bins.</summary>
    public static Chart ProbabilityHistogram(IReadOnlyList<double?> probabilities)
    {
        var known = probabilities.Where(p => p is not null).Select(p => p!.Value).ToArray();
        var labels = Enumerable.Range(0, 20).Select(b => $"{b * 5}–{b * 5 + 5} %").ToArray();
        var counts = Enumerable.Range(0, 20).Select(b => (double)known.Count(p => Math.Min(19, (int)(p * 20)) == b)).ToArray();
        return Plots.Bar("Predicted probability of fair or poor health", labels, counts, new ChartLayout(XTitle: "predicted probability", YTitle: "respondents"));
    }

    /// <summary>
    /// Respondents × features heatmap of contributions to predicted risk, coloured about zero: red raises the risk, blue
    /// lowers it, white changes nothing; cells show the contribution in percentage points of predicted probability.
    /// </summary>
    public static Chart Drivers(IReadOnlyList<Driver> drivers)
    {
        var respondents = drivers.GroupBy(d => d.RespondentId).OrderByDescending(g => g.First().Probability).Select(g => g.Key).ToArray();
        var features = drivers.GroupBy(d => d.Feature).OrderByDescending(g => g.Count()).Select(g => g.Key).ToArray();
        var z = respondents.Select(r => (IReadOnlyList<double>)features.Select(f => drivers.FirstOrDefault(d => d.RespondentId == r && d.Feature == f)?.Contribution ?? double.NaN).ToArray()).ToArray();
        return Plots.Heatmap("What drives the highest predicted risks (red raises the risk, blue lowers it)", features,
            respondents.Select(r => $"#{r} ({drivers.First(d => d.RespondentId == r).Probability:P0})").ToArray(), z,
            new ChartLayout(XTitle: "feature", YTitle: "respondent (predicted risk)", Width: 900, Height: Math.Max(360, 32 * respondents.Length + 160)),
            diverging: true, cellText: c => c.ToString("+0.0%;-0.0%;0.0%", System.Globalization.CultureInfo.InvariantCulture),
            colorBarTitle: "contribution<br>(percentage<br>points)", colorBarFormat: "+.0%");
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
    public static IReadOnlyList<(string Name, Chart Chart)> TrainingCharts(IReadOnlyList<TestReport> tests, SweepRun grid,
        IReadOnlyList<FeatureImportance> importance, IReadOnlyList<SubgroupMetrics> subgroups, FairnessAuditReport audit) =>
    [
        ("roc", Roc(tests)), ("sweep", SweepComparison(grid)), ("reliability", Reliability(tests)),
        ("importance", Importance(importance)), ("subgroups", Subgroups(subgroups)), ("fairness-audit", Audit(audit)),
    ];
}
