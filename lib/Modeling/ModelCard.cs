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
    /// <summary>Permutation importance on <paramref name="test"/>: each feature shuffled <paramref name="repeats"/> times (seeded), scored by the ML.NET model.</summary>
    public static IReadOnlyList<FeatureImportance> PermutationImportance(TrainedModel model, ModelMatrix test, int seed, int repeats = 3) =>
        PermutationImportance((buffer, rows) => model.Probabilities(Rows(buffer, rows, test.FeatureNames.Count)), test, seed, repeats);

    /// <summary>
    /// Permutation importance with any scorer of row-major rows (<c>score(buffer, rows)</c>, rows of the test's width; any
    /// increasing function of the probability will do, as AUC only ranks): the trees compiled from the model's export score
    /// the 20,000 × features × repeats shuffled rows several times faster than ML.NET's engine, and as ONNX Runtime does.
    /// </summary>
    public static IReadOnlyList<FeatureImportance> PermutationImportance(Func<float[], int, double[]> score, ModelMatrix test, int seed, int repeats = 3)
    {
        var width = test.FeatureNames.Count;
        var original = new float[test.Count * width];
        for (var i = 0; i < test.Count; i++) test.Rows[i].CopyTo(original, i * width);
        var baseline = Statistics.Auc(score(original, test.Count), test.Labels);
        var results = new FeatureImportance[width];
        Parallel.For(0, width, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, j =>
        {
            var drops = new double[repeats];
            var shuffled = new float[original.Length];
            for (var r = 0; r < repeats; r++)
            {
                var random = new Random(unchecked(seed * 1_000_003 + j * 1_009 + r)); // not HashCode.Combine: randomised per process
                var order = Statistics.Shuffle(Enumerable.Range(0, test.Count), random);
                original.CopyTo(shuffled, 0);
                for (var i = 0; i < test.Count; i++) shuffled[i * width + j] = original[order[i] * width + j];
                drops[r] = baseline - Statistics.Auc(score(shuffled, test.Count), test.Labels);
            }
            var mean = drops.Average();
            results[j] = new FeatureImportance(test.FeatureNames[j], Math.Round(mean, 4), Math.Round(Math.Sqrt(drops.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, repeats - 1)), 4));
        });
        return results.OrderByDescending(r => r.AucDrop).ToArray();
    }

    private static float[][] Rows(float[] buffer, int rows, int width) => Enumerable.Range(0, rows).Select(i => buffer.AsSpan(i * width, width).ToArray()).ToArray();

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
