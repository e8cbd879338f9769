using PopHealth.Charts;
using PopHealth.Synthesis;
using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Steps;

/// <summary>05-synthesize's charts: column-shape similarity and real against synthetic shares.</summary>
public static class SynthesisCharts
{
    /// <summary>Column-shape similarity of every column (1 = same distribution), with the overall scores in the title.</summary>
    public static Chart ColumnShapes(QualityReport quality)
    {
        var rows = quality.Columns.OrderBy(c => c.Score).ToArray();
        return Plots.Bar($"Synthetic vs real, column shapes {quality.ColumnShapesScore:P1}, pair trends {quality.PairTrendsScore:P1}, " +
            $"overall {quality.Overall:P1}",
            rows.Select(c => $"{c.Column} ({(c.Metric.StartsWith("KS", StringComparison.Ordinal) ? "KS" : "TV")})").ToArray(),
            rows.Select(c => c.Score).ToArray(),
            new ChartLayout(XTitle: "similarity (1 = identical)", XMin: 0.5, XMax: 1, Height: Math.Max(360, 24 * rows.Length + 120)),
            horizontal: true);
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
            string Label(int b) =>
                $"{(b == 0 ? known[0] : cuts[b - 1]).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}–" +
                $"{(b == cuts.Length ? known[^1] : cuts[b]).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}";
            bin = v => v is { } x ? Label(cuts.Count(c => x > c)) : "unknown";
            order = Enumerable.Range(0, cuts.Length + 1).Select(Label).Append("unknown").ToArray();
        }
        double[] Shares(double?[] values) => order.Select(o => values.Count(v => bin(v) == o) / (double)Math.Max(1, values.Length)).ToArray();
        return Plots.Bars($"{column}: real vs synthetic", [new BarSeries("real", order, Shares(r)), new BarSeries("synthetic", order, Shares(s))],
            new ChartLayout(YTitle: "share of rows", YPercent: true, Height: 380));
    }
}
