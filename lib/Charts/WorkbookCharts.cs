using PopHealth.Features;
using PopHealth.Modeling;

namespace PopHealth.Charts;

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

    /// <summary>Weighted prevalence by group with 95 % confidence intervals, sorted, as horizontal bars.</summary>
    public static Chart Prevalence(IReadOnlyList<WeightedPrevalence> estimates, string title)
    {
        var sorted = estimates.OrderBy(e => e.Prevalence).ToArray();
        return Plots.Bars(title, [new BarSeries("weighted prevalence", sorted.Select(e => e.Group).ToArray(), sorted.Select(e => e.Prevalence).ToArray(),
            sorted.Select(e => e.Lower).ToArray(), sorted.Select(e => e.Upper).ToArray())],
            new ChartLayout(XTitle: "share in fair or poor health (survey-weighted, 95 % CI)", Height: Math.Max(360, 18 * sorted.Length + 140), Width: 820), horizontal: true);
    }

    /// <summary>The original's sweep comparison: CV AUC against trees / iterations, one line per model and depth.</summary>
    public static Chart SweepComparison(SweepRun grid) =>
        Plots.Lines("Original grid: cross-validated AUC by number of trees",
            grid.Trials.GroupBy(t => (t.Spec.Trainer, t.Spec.Depth)).OrderBy(g => g.Key.Trainer).ThenBy(g => g.Key.Depth)
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

    /// <summary>ROC curves of the test sets, with the chance diagonal.</summary>
    public static Chart Roc(IReadOnlyList<TestReport> tests) =>
        Plots.Lines("ROC curve on held-out respondents",
            tests.Select(t => new LineSeries($"{t.TestSet} (AUC {t.Auc:F3})", t.Roc.Select(p => p.X).ToArray(), t.Roc.Select(p => p.Y).ToArray()))
                .Append(new LineSeries("chance", [0, 1], [0, 1])),
            new ChartLayout(XTitle: "false-positive rate", YTitle: "true-positive rate", XMin: 0, XMax: 1, YMin: 0, YMax: 1, Width: 620, Height: 560), markers: false);

    /// <summary>Reliability curves: mean predicted probability against the observed rate per bin, with the diagonal.</summary>
    public static Chart Reliability(IReadOnlyList<TestReport> tests) =>
        Plots.Lines("Reliability: are predicted probabilities right on average?",
            tests.Select(t => new LineSeries($"{t.TestSet} (Brier {t.Brier:F3})", t.Reliability.Select(b => b.MeanPredicted).ToArray(), t.Reliability.Select(b => b.ObservedRate).ToArray()))
                .Append(new LineSeries("perfectly calibrated", [0, 1], [0, 1])),
            new ChartLayout(XTitle: "mean predicted probability", YTitle: "observed share in fair/poor health", XMin: 0, XMax: 1, YMin: 0, YMax: 1, Width: 620, Height: 560));

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
}
