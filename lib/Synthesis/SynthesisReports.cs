using System.Globalization;
using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Synthesis;

/// <summary>How alike one column is in real and synthetic data (1 = identical distributions).</summary>
/// <param name="Metric">"KS complement" (continuous: 1 − Kolmogorov–Smirnov statistic) or "TV complement" (categorical:
/// 1 − total variation distance).</param>
public sealed record ColumnShape(string Column, string Metric, double Score, double RealMissing, double SyntheticMissing);

/// <summary>How alike the correlation of two columns is (1 − |ρ_real − ρ_synthetic| / 2).</summary>
public sealed record PairTrend(string First, string Second, double RealCorrelation, double SyntheticCorrelation, double Score);

/// <summary>The quality report in the manner of SDV's: column shapes, pair trends and their mean.</summary>
public sealed record QualityReport(IReadOnlyList<ColumnShape> Columns, IReadOnlyList<PairTrend> Pairs)
{
    public double ColumnShapesScore => Columns.Count == 0 ? double.NaN : Columns.Average(c => c.Score);
    public double PairTrendsScore => Pairs.Count == 0 ? double.NaN : Pairs.Average(p => p.Score);
    /// <summary>Mean of the column-shape and pair-trend scores.</summary>
    public double Overall => double.IsNaN(PairTrendsScore) ? ColumnShapesScore : (ColumnShapesScore + PairTrendsScore) / 2;
}

/// <summary>
/// Distance to the closest real training row, for synthetic rows and (as the yardstick) for real rows the
/// synthesizer never saw. Synthetic rows much closer than real holdout rows would mean memorised respondents.
/// </summary>
public sealed record PrivacyReport(int SyntheticRows, int HoldoutRows, double SyntheticMedianDistance, double HoldoutMedianDistance,
    double SyntheticFifthPercentile, double HoldoutFifthPercentile, int ExactCopies, int HoldoutExactMatches, double ShareCloserThanHoldoutFifth)
{
    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("synthetic rows compared", SyntheticRows.ToString("N0", CultureInfo.InvariantCulture)),
        new("real holdout rows compared", HoldoutRows.ToString("N0", CultureInfo.InvariantCulture)),
        new("median distance to closest training row: synthetic", SyntheticMedianDistance.ToString("F4", CultureInfo.InvariantCulture)),
        new("median distance to closest training row: real holdout", HoldoutMedianDistance.ToString("F4", CultureInfo.InvariantCulture)),
        new("5th percentile: synthetic / holdout",
            string.Create(CultureInfo.InvariantCulture, $"{SyntheticFifthPercentile:F4} / {HoldoutFifthPercentile:F4}")),
        new("synthetic rows closer than the holdout's 5th percentile", ShareCloserThanHoldoutFifth.ToString("P1", CultureInfo.InvariantCulture)),
        new("exact copies of a training row (synthetic)", ExactCopies.ToString("N0", CultureInfo.InvariantCulture)),
        new("exact matches of a training row (real holdout, for scale)", HoldoutExactMatches.ToString("N0", CultureInfo.InvariantCulture)),
    ];
}

/// <summary>Quality and privacy measurements of synthetic data against the real rows it was fitted on.</summary>
public static class SynthesisReports
{
    private static double?[] Values(DataFrame frame, string column) =>
        frame.Numbers(column).Select(v => v is { } x && !double.IsNaN(x) ? x : (double?)null).ToArray();

    /// <summary>
    /// Column shapes and pair trends of <paramref name="columns"/> (categorical when at most
    /// <paramref name="maxCategories"/> distinct real values).
    /// </summary>
    public static QualityReport Quality(DataFrame real, DataFrame synthetic, IReadOnlyList<string> columns, int maxCategories = 40)
    {
        var shapes = new List<ColumnShape>();
        var realValues = columns.ToDictionary(c => c, c => Values(real, c));
        var synthValues = columns.ToDictionary(c => c, c => Values(synthetic, c));
        foreach (var column in columns)
        {
            var r = realValues[column].Where(v => v is not null).Select(v => v!.Value).ToArray();
            var s = synthValues[column].Where(v => v is not null).Select(v => v!.Value).ToArray();
            var categorical = r.Distinct().Count() <= maxCategories;
            var score = r.Length == 0 || s.Length == 0 ? 0 : categorical ? 1 - TotalVariation(r, s) : 1 - KolmogorovSmirnov(r, s);
            shapes.Add(new ColumnShape(column, categorical ? "TV complement" : "KS complement", Math.Round(score, 4),
                Math.Round(1 - r.Length / (double)Math.Max(1, realValues[column].Length), 4),
                Math.Round(1 - s.Length / (double)Math.Max(1, synthValues[column].Length), 4)));
        }
        var pairs = new List<PairTrend>();
        for (var i = 0; i < columns.Count; i++)
            for (var j = i + 1; j < columns.Count; j++)
            {
                var rc = Correlation(realValues[columns[i]], realValues[columns[j]]);
                var sc = Correlation(synthValues[columns[i]], synthValues[columns[j]]);
                if (double.IsNaN(rc) || double.IsNaN(sc)) continue;
                pairs.Add(new PairTrend(columns[i], columns[j], Math.Round(rc, 4), Math.Round(sc, 4), Math.Round(1 - Math.Abs(rc - sc) / 2, 4)));
            }
        return new QualityReport(shapes, pairs);
    }

    /// <summary>Total variation distance between the empirical distributions of two samples of codes.</summary>
    public static double TotalVariation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var pa = a.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count() / (double)a.Count);
        var pb = b.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count() / (double)b.Count);
        return pa.Keys.Union(pb.Keys).Sum(k => Math.Abs(pa.GetValueOrDefault(k) - pb.GetValueOrDefault(k))) / 2;
    }

    /// <summary>The two-sample Kolmogorov–Smirnov statistic (largest gap between the empirical CDFs).</summary>
    public static double KolmogorovSmirnov(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var x = a.Order().ToArray();
        var y = b.Order().ToArray();
        int i = 0, j = 0;
        double gap = 0;
        while (i < x.Length && j < y.Length)
        {
            var v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] <= v) i++;
            while (j < y.Length && y[j] <= v) j++;
            gap = Math.Max(gap, Math.Abs(i / (double)x.Length - j / (double)y.Length));
        }
        return gap;
    }

    private static double Correlation(double?[] a, double?[] b)
    {
        var rows = Enumerable.Range(0, a.Length).Where(i => a[i] is not null && b[i] is not null).ToArray();
        if (rows.Length < 3) return double.NaN;
        double ma = rows.Average(i => a[i]!.Value), mb = rows.Average(i => b[i]!.Value);
        double cab = 0, caa = 0, cbb = 0;
        foreach (var i in rows)
        {
            var da = a[i]!.Value - ma;
            var db = b[i]!.Value - mb;
            cab += da * db; caa += da * da; cbb += db * db;
        }
        return caa == 0 || cbb == 0 ? double.NaN : cab / Math.Sqrt(caa * cbb);
    }

    /// <summary>
    /// Distances to the closest training row over <paramref name="columns"/>, each scaled by its real range: a known
    /// value against a known one counts |Δ| / range, unknown against unknown 0, unknown against known 1; the distance is
    /// the mean over columns. At most <paramref name="maxRows"/> synthetic and holdout rows are compared (seeded).
    /// </summary>
    public static PrivacyReport Privacy(DataFrame training, DataFrame holdout, DataFrame synthetic, IReadOnlyList<string> columns, int seed,
        int maxRows = 2000)
    {
        var train = Matrix(training, columns);
        var ranges = columns.Select((_, c) =>
        {
            var known = train.Select(r => r[c]).Where(v => !double.IsNaN(v)).ToArray();
            return known.Length == 0 ? 1 : Math.Max(known.Max() - known.Min(), 1e-9);
        }).ToArray();
        double[][] Sample(DataFrame frame)
        {
            var rows = Matrix(frame, columns);
            var random = new Random(seed);
            return rows.Length <= maxRows ? rows
                : Statistics.Shuffle(Enumerable.Range(0, rows.Length), random).Take(maxRows).Select(i => rows[i]).ToArray();
        }
        double[] Closest(double[][] rows) => rows.AsParallel().AsOrdered().Select(row =>
        {
            var best = double.MaxValue;
            foreach (var t in train)
            {
                double d = 0;
                for (var c = 0; c < row.Length && d < best * row.Length; c++)
                {
                    var (x, y) = (row[c], t[c]);
                    d += double.IsNaN(x) ? (double.IsNaN(y) ? 0 : 1) : double.IsNaN(y) ? 1 : Math.Min(1, Math.Abs(x - y) / ranges[c]);
                }
                best = Math.Min(best, d / row.Length);
                if (best == 0) break;
            }
            return best;
        }).ToArray();
        var synth = Closest(Sample(synthetic));
        var hold = Closest(Sample(holdout));
        var holdFifth = Percentile(hold, 0.05);
        return new PrivacyReport(synth.Length, hold.Length, Percentile(synth, 0.5), Percentile(hold, 0.5), Percentile(synth, 0.05), holdFifth,
            synth.Count(d => d == 0), hold.Count(d => d == 0), synth.Count(d => d < holdFifth) / (double)Math.Max(1, synth.Length));
    }

    private static double[][] Matrix(DataFrame frame, IReadOnlyList<string> columns)
    {
        var values = columns.Select(c => Values(frame, c)).ToArray();
        return Enumerable.Range(0, (int)frame.Rows.Count).Select(i => values.Select(v => v[i] ?? double.NaN).ToArray()).ToArray();
    }

    private static double Percentile(double[] values, double p)
    {
        if (values.Length == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Round(p * (sorted.Length - 1))];
    }
}
