namespace PopHealth.Modeling;

/// <summary>A feature's global SHAP importance: the mean absolute contribution (log-odds) over the explained rows.</summary>
public sealed record ShapImportance(int Rank, string Feature, double MeanAbsoluteLogOdds);

/// <summary>
/// Global view of exact TreeSHAP values on a sample of rows: the mean |SHAP| ranking, and the values and feature
/// values behind a beeswarm (one point per row and feature) and dependence charts.
/// </summary>
public sealed class ShapSummary
{
    private ShapSummary(IReadOnlyList<string> features, ShapValues values, IReadOnlyList<float[]> rows)
    {
        Features = features;
        Values = values;
        Rows = rows;
        Ranking = features.Select((f, j) => (Feature: f, Mean: Enumerable.Range(0, values.Rows).Average(r => Math.Abs(values.Row(r)[j]))))
            .OrderByDescending(x => x.Mean).Select((x, i) => new ShapImportance(i + 1, x.Feature, Math.Round(x.Mean, 5))).ToArray();
    }

    public IReadOnlyList<string> Features { get; }
    /// <summary>Log-odds contributions, one row per explained row.</summary>
    public ShapValues Values { get; }
    public IReadOnlyList<float[]> Rows { get; }
    public IReadOnlyList<ShapImportance> Ranking { get; }

    /// <summary>Explains <paramref name="rows"/> with <paramref name="trees"/> (which must carry their cover).</summary>
    public static ShapSummary Explain(TreeEnsemble trees, IReadOnlyList<string> features, IReadOnlyList<float[]> rows) =>
        new(features, TreeShap.Explain(trees, rows), rows);

    /// <summary>The contribution of feature <paramref name="j"/> in each explained row.</summary>
    public double[] Column(int j) => Enumerable.Range(0, Values.Rows).Select(r => Values.Row(r)[j]).ToArray();

    /// <summary>
    /// Where the mean |SHAP| ranking and permutation importance disagree (a rank apart by at least
    /// <paramref name="minShift"/> among the top <paramref name="top"/>), in a sentence saying why such gaps arise.
    /// </summary>
    public string CompareWith(IReadOnlyList<FeatureImportance> permutation, int top = 10, int minShift = 3)
    {
        var permutationRank = permutation.OrderByDescending(p => p.AucDrop).Select((p, i) => (p.Feature, Rank: i + 1))
            .ToDictionary(x => x.Feature, x => x.Rank);
        var gaps = Ranking.Take(top).Where(s => permutationRank.TryGetValue(s.Feature, out var r) && Math.Abs(r - s.Rank) >= minShift)
            .Select(s => $"{s.Feature} (SHAP #{s.Rank}, permutation #{permutationRank[s.Feature]})").ToArray();
        if (gaps.Length == 0)
            return $"The two rankings agree: no feature among SHAP's top {top} moves {minShift} or more places in permutation importance.";
        return $"They disagree on {string.Join(", ", gaps)}. Permutation importance counts the AUC lost when one feature is shuffled, " +
            "so a feature whose information a correlated feature also carries (the condition count and the single conditions, " +
            "income and the poverty ratio) loses little when shuffled alone and ranks low; SHAP splits the credit along the trees' own paths, " +
            "and it also counts effects on the level of risk that do not change the ranking of respondents, which AUC ignores.";
    }
}
