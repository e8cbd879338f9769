using System.Globalization;
using Microsoft.Data.Analysis;
using PopHealth.Ingest;
using PopHealth.Ingest.Codebook;
using PopHealth.Workbook;

namespace PopHealth.Features;

/// <summary>How often one code of a variable occurs (null code = blank).</summary>
public sealed record CodeFrequency(string Variable, double? Code, string Label, long Count, double Share);

/// <summary>Share in fair or poor health at one level of a feature, with a 95 % Wilson interval.</summary>
public sealed record LevelRisk(string Feature, string Level, long Count, double FairPoorShare, double Lower, double Upper);

/// <summary>How strongly one feature alone separates fair/poor from good health.</summary>
/// <param name="Auc">Single-feature AUC over respondents with a known value, folded so 0.5 = none and 1 = perfect.</param>
/// <param name="Direction">"higher → more risk" or "lower → more risk".</param>
public sealed record FeatureAssociation(string Feature, double Auc, string Direction, double ShareMissing, double FairPoorWhenMissing);

/// <summary>A cross-tabulation of two variables' codes (counts), rows × columns.</summary>
public sealed record CrossTab(string RowVariable, string ColumnVariable, IReadOnlyList<string> RowLabels, IReadOnlyList<string> ColumnLabels,
    IReadOnlyList<IReadOnlyList<double>> Counts);

/// <summary>What 02-explore computes: distributions, cross-tabulations, per-feature risk and association.</summary>
public static class Exploration
{
    /// <summary>Counts of every code of <paramref name="variable"/> (missing codes and blanks included), labelled from CDC's codebook.</summary>
    public static IReadOnlyList<CodeFrequency> Frequencies(DataFrame frame, string variable)
    {
        var values = frame.Numbers(variable);
        var codebook = BrfssCodebook.Year2024;
        return values.GroupBy(v => v).OrderBy(g => g.Key ?? double.MaxValue)
            .Select(g => new CodeFrequency(variable, g.Key, codebook.Label(variable, g.Key), g.LongCount(),
                g.LongCount() / (double)Math.Max(1, values.Length)))
            .ToArray();
    }


    /// <summary>
    /// For each of <paramref name="variables"/> present in the table, the respondents per missing code (CDC's
    /// don't know / refused / not asked codes, and blanks): how much each feature will be missing. (01-convert shows the
    /// same counts gathered while converting: <see cref="ConversionReport.MissingCodes"/>.)
    /// </summary>
    public static IReadOnlyList<MissingCodeCount> MissingCodeCounts(DataFrame frame, IEnumerable<string> variables)
    {
        var tally = new MissingCodeTally(variables.Where(v => frame.Columns.IndexOf(v) >= 0));
        tally.AddRows(frame.Rows.Count);
        for (var i = 0; i < tally.Variables.Count; i++) tally.Add(i, frame.Numbers(tally.Variables[i]));
        return tally.Counts();
    }

    /// <summary>
    /// POORHLTH (days in the past 30 that poor health kept a respondent from usual activities) in bands for a cross-tabulation:
    /// blank (the respondent reported no bad days at all, so was not asked), CDC's "none" code, its unknown codes, 1–7, 8–14, 15–30.
    /// </summary>
    public static string PoorHealthDays(double? days) => days switch
    {
        null => "blank (no bad days)",
        { } v when v == BrfssCodes.NoneCode("POORHLTH") => "none",
        { } v when BrfssCodes.MissingCodes("POORHLTH").Contains(v) => "unknown",
        <= 7 => "1–7 days",
        <= 14 => "8–14 days",
        _ => "15–30 days",
    };

    /// <summary>
    /// Counts of <paramref name="rowVariable"/> × <paramref name="columnVariable"/> codes; a range such as POORHLTH
    /// 1–30 can be grouped by <paramref name="rowGroups"/>.
    /// </summary>
    public static CrossTab CrossTabulate(DataFrame frame, string rowVariable, string columnVariable, Func<double?, string>? rowGroups = null)
    {
        var codebook = BrfssCodebook.Year2024;
        var rows = frame.Numbers(rowVariable);
        var cols = frame.Numbers(columnVariable);
        Func<double?, string> rowKey = rowGroups ?? (v => codebook.Label(rowVariable, v));
        var rowOrder = rows.Distinct().OrderBy(v => v ?? double.MaxValue).Select(rowKey).Distinct().ToList();
        var colCodes = cols.Distinct().OrderBy(v => v ?? double.MaxValue).ToList();
        var counts = rowOrder.Select(_ => new double[colCodes.Count]).ToArray();
        for (var i = 0; i < rows.Length; i++)
            counts[rowOrder.IndexOf(rowKey(rows[i]))][colCodes.IndexOf(cols[i])]++;
        return new CrossTab(rowVariable, columnVariable, rowOrder, colCodes.Select(c => codebook.Label(columnVariable, c)).ToArray(), counts);
    }

    /// <summary>
    /// Share in fair or poor health by level of <paramref name="feature"/>: its own values when it has at most
    /// <paramref name="maxLevels"/> of them, else deciles; unknown values form their own level.
    /// </summary>
    public static IReadOnlyList<LevelRisk> RiskByLevel(FeatureSet set, string feature, int maxLevels = 16)
    {
        var x = set.Values(feature);
        var y = set.Values(FeatureSet.Target);
        var known = x.Where(v => v is not null).Select(v => v!.Value).ToArray();
        var distinct = known.Distinct().Order().ToArray();
        Func<double, (int Order, string Label)> level;
        if (distinct.Length <= maxLevels)
            level = v => (Array.IndexOf(distinct, v), v.ToString("G4", CultureInfo.InvariantCulture));
        else
        {
            var sorted = known.Order().ToArray();
            var cuts = Enumerable.Range(1, 9).Select(q => sorted[(int)(q / 10.0 * (sorted.Length - 1))]).Distinct().ToArray();
            level = v =>
            {
                var b = cuts.Count(c => v > c);
                var low = b == 0 ? sorted[0] : cuts[b - 1];
                var high = b == cuts.Length ? sorted[^1] : cuts[b];
                return (b, $"{low.ToString("G3", CultureInfo.InvariantCulture)}–{high.ToString("G3", CultureInfo.InvariantCulture)}");
            };
        }
        return Enumerable.Range(0, x.Length)
            .GroupBy(i => x[i] is { } v ? level(v) : (int.MaxValue, "unknown"))
            .OrderBy(g => g.Key.Item1)
            .Select(g =>
            {
                long n = g.LongCount(), k = g.LongCount(i => y[i] == 1);
                var (lower, upper) = Wilson(k, n);
                return new LevelRisk(feature, g.Key.Item2, n, k / (double)n, lower, upper);
            })
            .ToArray();
    }

    /// <summary>Every feature ranked by its single-feature AUC (the strongest first).</summary>
    public static IReadOnlyList<FeatureAssociation> Associations(FeatureSet set)
    {
        var y = set.Values(FeatureSet.Target);
        return set.FeatureNames.Select(feature =>
        {
            var x = set.Values(feature);
            var known = Enumerable.Range(0, x.Length).Where(i => x[i] is not null).ToArray();
            var missing = x.Length - known.Length;
            var auc = Statistics.Auc(known.Select(i => x[i]!.Value).ToArray(), known.Select(i => y[i] == 1).ToArray());
            var folded = double.IsNaN(auc) ? 0.5 : Math.Max(auc, 1 - auc);
            return new FeatureAssociation(feature, Math.Round(folded, 4), auc >= 0.5 ? "higher → more risk" : "lower → more risk",
                Math.Round(missing / (double)Math.Max(1, x.Length), 4),
                missing == 0 ? double.NaN : Math.Round(Enumerable.Range(0, x.Length).Where(i => x[i] is null).Average(i => y[i] ?? 0), 4));
        }).OrderByDescending(a => a.Auc).ToArray();
    }

    /// <summary>95 % Wilson score interval for <paramref name="k"/> of <paramref name="n"/>.</summary>
    public static (double Lower, double Upper) Wilson(long k, long n, double z = 1.959964)
    {
        if (n == 0) return (double.NaN, double.NaN);
        var p = k / (double)n;
        var denominator = 1 + z * z / n;
        var centre = (p + z * z / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
