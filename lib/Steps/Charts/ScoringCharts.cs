using System.Globalization;
using PopHealth.Charts;
using PopHealth.Scoring;

namespace PopHealth.Steps;

/// <summary>06-infer's charts: drift, risk tiers, the probability histogram and the drivers of the highest risks.</summary>
public static class ScoringCharts
{
    /// <summary>Population stability index per feature, largest first, in three series by reading (stable, moderate, major shift).</summary>
    public static Chart Drift(DriftReport drift)
    {
        var features = drift.Features.Where(f => double.IsFinite(f.StabilityIndex)).OrderBy(f => f.StabilityIndex).ToArray();
        BarSeries Series(string reading) => new(reading, features.Where(f => f.Reading == reading).Select(f => f.Feature).ToArray(),
            features.Where(f => f.Reading == reading).Select(f => f.StabilityIndex).ToArray());
        return Plots.Bars(string.Create(CultureInfo.InvariantCulture,
                $"Drift against the training data (PSI; predicted prevalence {drift.PredictedPrevalence:P1} " +
                $"vs training {drift.TrainingPrevalence?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a"})"),
            [Series("stable"), Series("moderate shift"), Series("major shift")],
            new ChartLayout(XTitle: "population stability index (0.1 moderate, 0.25 major)", Width: 800,
                Height: Math.Max(320, 22 * features.Length + 160)), horizontal: true);
    }

    /// <summary>Respondents per risk tier.</summary>
    public static Chart RiskTiers(IReadOnlyList<TierCount> tiers) =>
        Plots.Bar("Scored respondents by risk tier", tiers.Select(t => $"{t.Tier} ({t.Range})").ToArray(),
            tiers.Select(t => (double)t.Respondents).ToArray(), new ChartLayout(YTitle: "respondents"));

    /// <summary>Distribution of predicted probabilities in 20 bins.</summary>
    public static Chart ProbabilityHistogram(IReadOnlyList<double?> probabilities)
    {
        var known = probabilities.Where(p => p is not null).Select(p => p!.Value).ToArray();
        var labels = Enumerable.Range(0, 20).Select(b => $"{b * 5}–{b * 5 + 5} %").ToArray();
        var counts = Enumerable.Range(0, 20).Select(b => (double)known.Count(p => Math.Min(19, (int)(p * 20)) == b)).ToArray();
        return Plots.Bar("Predicted probability of fair or poor health", labels, counts,
            new ChartLayout(XTitle: "predicted probability", YTitle: "respondents"));
    }

    /// <summary>
    /// Respondents × features heatmap of contributions to predicted risk, coloured about zero: red raises the risk, blue
    /// lowers it, white changes nothing; cells show the contribution in percentage points of predicted probability.
    /// </summary>
    public static Chart Drivers(IReadOnlyList<Driver> drivers)
    {
        var respondents = drivers.GroupBy(d => d.RespondentId).OrderByDescending(g => g.First().Probability).Select(g => g.Key).ToArray();
        var features = drivers.GroupBy(d => d.Feature).OrderByDescending(g => g.Count()).Select(g => g.Key).ToArray();
        var z = respondents
            .Select(r => (IReadOnlyList<double>)features
                .Select(f => drivers.FirstOrDefault(d => d.RespondentId == r && d.Feature == f)?.Contribution ?? double.NaN).ToArray()).ToArray();
        return Plots.Heatmap("What drives the highest predicted risks (red raises the risk, blue lowers it)", features,
            respondents.Select(r => $"#{r} ({drivers.First(d => d.RespondentId == r).Probability:P0})").ToArray(), z,
            new ChartLayout(XTitle: "feature", YTitle: "respondent (predicted risk)", Width: 900,
                Height: Math.Max(360, 32 * respondents.Length + 160)),
            diverging: true, cellText: c => c.ToString("+0.0%;-0.0%;0.0%", System.Globalization.CultureInfo.InvariantCulture),
            colorBarTitle: "contribution<br>(percentage<br>points)", colorBarFormat: "+.0%");
    }
}
