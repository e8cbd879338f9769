using PopHealth.Features;
using PopHealth.Charts;

namespace PopHealth.Steps;

/// <summary>
/// 02-explore's charts: code distributions, cross-tabulations, risk by level, single-feature AUC, prevalence with
/// intervals (06 reuses the weighted prevalence chart).
/// </summary>
public static class ExploreCharts
{
    /// <summary>Bars of each code's share, labelled from CDC's codebook.</summary>
    public static Chart Distribution(IReadOnlyList<CodeFrequency> frequencies, string? title = null) =>
        Plots.Bar(title ?? $"{(frequencies.Count > 0 ? frequencies[0].Variable : null)}: share of respondents by answer",
            frequencies.Select(f => f.Label).ToArray(), frequencies.Select(f => f.Share).ToArray(),
            new ChartLayout(YTitle: "share of respondents", YPercent: true));

    /// <summary>A heatmap of a cross-tabulation (counts).</summary>
    public static Chart Heatmap(CrossTab table, string? title = null) =>
        Plots.Heatmap(title ?? $"{table.RowVariable} × {table.ColumnVariable} (respondents)", table.ColumnLabels, table.RowLabels, table.Counts,
            new ChartLayout(XTitle: table.ColumnVariable, YTitle: table.RowVariable, Width: 820, Height: 480));

    /// <summary>Share in fair or poor health by level (with 95 % intervals) above the respondents per level.</summary>
    public static Chart RiskByLevel(IReadOnlyList<LevelRisk> levels)
    {
        var feature = levels.Count > 0 ? levels[0].Feature : null;
        return Plots.ShareAndCount($"{feature}: share in fair or poor health by level", levels.Select(l => l.Level).ToArray(),
            levels.Select(l => l.FairPoorShare).ToArray(), levels.Select(l => l.Lower).ToArray(), levels.Select(l => l.Upper).ToArray(),
            levels.Select(l => (double)l.Count).ToArray(), "fair/poor health", new ChartLayout(XTitle: feature, Height: 480));
    }

    /// <summary>Single-feature AUC of every feature, strongest at the top.</summary>
    public static Chart Associations(IReadOnlyList<FeatureAssociation> associations) =>
        Plots.Bar("How well each feature alone separates fair/poor health (single-feature AUC)",
            associations.Reverse().Select(a => a.Feature).ToArray(), associations.Reverse().Select(a => a.Auc).ToArray(),
            new ChartLayout(XTitle: "AUC (0.5 = no information)", XMin: 0.5, XMax: 1, Height: Math.Max(360, 24 * associations.Count + 120)),
            horizontal: true);

    /// <summary>
    /// Prevalence of fair or poor health by the values of a column (<paramref name="what"/>: "survey year", "interview month"), in
    /// their order, with 95 % CIs, above the respondents per value; the title says whether it is survey-weighted or unweighted.
    /// </summary>
    public static Chart PrevalenceBy(PrevalenceSeries series, string what) =>
        Plots.ShareAndCount($"Fair or poor health by {what}, {(series.Weighted ? "survey-weighted" : "unweighted")}, " +
            $"95 % CI<br><sup>{series.Method}</sup>",
            series.Groups.Select(g => g.Group).ToArray(), series.Groups.Select(g => g.Prevalence).ToArray(),
            series.Groups.Select(g => g.Lower).ToArray(), series.Groups.Select(g => g.Upper).ToArray(),
            series.Groups.Select(g => (double)g.Respondents).ToArray(),
            series.Weighted ? "weighted share, fair/poor" : "share, fair/poor (unweighted)", new ChartLayout(XTitle: what, Height: 500));

    /// <summary>Weighted prevalence by group with 95 % confidence intervals, sorted, as horizontal bars.</summary>
    public static Chart Prevalence(IReadOnlyList<WeightedPrevalence> estimates, string title)
    {
        var sorted = estimates.OrderBy(e => e.Prevalence).ToArray();
        return Plots.Bars(title,
            [new BarSeries("weighted prevalence", sorted.Select(e => e.Group).ToArray(), sorted.Select(e => e.Prevalence).ToArray(),
            sorted.Select(e => e.Lower).ToArray(), sorted.Select(e => e.Upper).ToArray())],
            new ChartLayout(XTitle: "share in fair or poor health (survey-weighted, 95 % CI)", Height: Math.Max(360, 18 * sorted.Length + 140),
                Width: 820), horizontal: true);
    }
}
