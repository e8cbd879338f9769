using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>Model performance within one subgroup (at the chosen threshold).</summary>
public sealed record SubgroupMetrics(string Dimension, string Group, long Rows, double Prevalence, double MeanPredicted,
    double CalibrationInTheLarge, double Auc, double TruePositiveRate, double FalsePositiveRate);

/// <summary>The model card's subgroups (sex, age group, income group, education) and the model's performance within each.</summary>
public static class ModelSubgroups
{
    /// <summary>
    /// The subgroups the model card reports, for the rows of <paramref name="set"/> given by their respondent ids:
    /// sex, age group, income group and education, read from the feature table's subgroup columns.
    /// </summary>
    public static IReadOnlyDictionary<string, string?[]> Of(FeatureSet set, IReadOnlyList<long> respondentIds)
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

    /// <summary>AUC, true- and false-positive rates and calibration in the large per group.</summary>
    public static IReadOnlyList<SubgroupMetrics> Measure(IReadOnlyDictionary<string, string?[]> groups, IReadOnlyList<double> probabilities,
        IReadOnlyList<bool> labels, double threshold)
    {
        var rows = new List<SubgroupMetrics>();
        foreach (var (dimension, values) in groups)
        {
            foreach (var g in Enumerable.Range(0, values.Length).Where(i => values[i] is not null).GroupBy(i => values[i]!)
                .OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var p = g.Select(i => probabilities[i]).ToArray();
                var y = g.Select(i => labels[i]).ToArray();
                var m = BinaryMetrics.AtThreshold(p, y, threshold);
                rows.Add(new SubgroupMetrics(dimension, g.Key, p.Length, Math.Round(y.Count(v => v) / (double)p.Length, 4),
                    Math.Round(p.Average(), 4), Math.Round(BinaryMetrics.CalibrationInTheLarge(p, y), 4), Math.Round(Statistics.Auc(p, y), 4),
                    Math.Round(m.Recall, 4), Math.Round(m.FalsePositiveRate, 4)));
            }
        }
        return rows;
    }
}
