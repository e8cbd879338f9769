using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>How much test AUC drops when one feature's values are shuffled (mean over repeats).</summary>
public sealed record FeatureImportance(string Feature, double AucDrop, double AucDropSd);

/// <summary>Model performance within one subgroup (at the chosen threshold).</summary>
public sealed record SubgroupMetrics(string Dimension, string Group, long Rows, double Prevalence, double MeanPredicted,
    double CalibrationInTheLarge, double Auc, double TruePositiveRate, double FalsePositiveRate);

/// <summary>Permutation importance and subgroup performance: the model card's measurements.</summary>
public static class ModelCard
{
    /// <summary>Permutation importance on <paramref name="test"/>: each feature shuffled <paramref name="repeats"/> times (seeded).</summary>
    public static IReadOnlyList<FeatureImportance> PermutationImportance(TrainedModel model, ModelMatrix test, int seed, int repeats = 3)
    {
        var baseline = Statistics.Auc(model.Probabilities(test.Rows), test.Labels);
        var results = new FeatureImportance[test.FeatureNames.Count];
        Parallel.For(0, test.FeatureNames.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, j =>
        {
            var drops = new double[repeats];
            for (var r = 0; r < repeats; r++)
            {
                var random = new Random(unchecked(seed * 1_000_003 + j * 1_009 + r)); // not HashCode.Combine: randomised per process
                var order = Statistics.Shuffle(Enumerable.Range(0, test.Count), random);
                var shuffled = test.Rows.Select((row, i) => { var copy = (float[])row.Clone(); copy[j] = test.Rows[order[i]][j]; return copy; }).ToArray();
                drops[r] = baseline - Statistics.Auc(model.Probabilities(shuffled), test.Labels);
            }
            var mean = drops.Average();
            results[j] = new FeatureImportance(test.FeatureNames[j], Math.Round(mean, 4), Math.Round(Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, repeats - 1)), 4));
        });
        return results.OrderByDescending(r => r.AucDrop).ToArray();
    }

    /// <summary>
    /// The subgroups the model card reports, for the rows of <paramref name="set"/> given by their respondent ids:
    /// sex, age group, income group and education, read from the feature table's subgroup columns.
    /// </summary>
    public static IReadOnlyDictionary<string, string?[]> Subgroups(FeatureSet set, IReadOnlyList<long> respondentIds)
    {
        var result = new Dictionary<string, string?[]>();
        foreach (var (dimension, column) in FeatureSet.SubgroupColumns)
        {
            if (!set.HasColumn(column)) continue;
            var text = (StringDataFrameColumn)set.Table.Columns[column];
            result[dimension] = respondentIds.Select(id => text[set.RowOf(id)]).ToArray();
        }
        return result;
    }

    /// <summary>A numeric column of <paramref name="set"/> for the rows given by their respondent ids, or null when the set lacks it.</summary>
    public static double?[]? ValuesFor(FeatureSet set, string column, IReadOnlyList<long> respondentIds)
    {
        if (!set.HasColumn(column)) return null;
        var values = set.Values(column);
        return respondentIds.Select(id => values[set.RowOf(id)]).ToArray();
    }

    /// <summary>AUC, true- and false-positive rates and calibration in the large per group.</summary>
    public static IReadOnlyList<SubgroupMetrics> BySubgroup(IReadOnlyDictionary<string, string?[]> groups, IReadOnlyList<double> probabilities,
        IReadOnlyList<bool> labels, double threshold)
    {
        var rows = new List<SubgroupMetrics>();
        foreach (var (dimension, values) in groups)
        {
            foreach (var g in Enumerable.Range(0, values.Length).Where(i => values[i] is not null).GroupBy(i => values[i]!).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var p = g.Select(i => probabilities[i]).ToArray();
                var y = g.Select(i => labels[i]).ToArray();
                var m = BinaryMetrics.AtThreshold(p, y, threshold);
                rows.Add(new SubgroupMetrics(dimension, g.Key, p.Length, Math.Round(y.Count(v => v) / (double)p.Length, 4), Math.Round(p.Average(), 4),
                    Math.Round(BinaryMetrics.CalibrationInTheLarge(p, y), 4), Math.Round(Statistics.Auc(p, y), 4), Math.Round(m.Recall, 4), Math.Round(m.FalsePositiveRate, 4)));
            }
        }
        return rows;
    }
}
