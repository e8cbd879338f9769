using PopHealth.Workbook;

namespace PopHealth.Modeling;

/// <summary>Options for <see cref="FairnessAudit"/>.</summary>
/// <param name="MinimumGroupSize">Respondents a group needs to be reported (and at least <see cref="MinimumPerClass"/>
/// in each class); smaller groups are suppressed and counted.</param>
/// <param name="BootstrapSamples">Resamples for each group's 95 % percentile intervals (seeded).</param>
public sealed record AuditOptions(int MinimumGroupSize = 200, int MinimumPerClass = 20, int BootstrapSamples = 200,
    int Seed = WorkbookParameters.DefaultSeed);

/// <summary>A value with its bootstrap 95 % interval.</summary>
public sealed record Estimate(double Value, double Lower, double Upper)
{
    public bool Excludes(double other) => other < Lower || other > Upper;
    public override string ToString() => $"{Value:F3} [{Lower:F3}, {Upper:F3}]";
}

/// <summary>One audited group (a crossing of dimensions, e.g. "female · 65+ · under $25k") and its metrics at the model's threshold.</summary>
public sealed record AuditGroup(string Crossing, string Group, int Respondents, double WeightShare, Estimate Prevalence, Estimate Auc,
    Estimate TruePositiveRate, Estimate FalsePositiveRate, Estimate CalibrationInTheLarge);

/// <summary>A group whose metric differs from the overall figure by more than its own interval allows.</summary>
public sealed record AuditGap(string Crossing, string Group, string Metric, double GroupValue, double Overall, double Lower, double Upper)
{
    public double Gap => GroupValue - Overall;
}

/// <summary>The audit: every reported group, the overall figures, the groups too small to report, and the significant gaps.</summary>
public sealed record FairnessAuditReport(AuditGroup Overall, IReadOnlyList<AuditGroup> Groups, int SuppressedGroups, int SuppressedRespondents,
    IReadOnlyList<AuditGap> Gaps, bool Weighted, AuditOptions Options);

/// <summary>
/// An intersectional audit of a model's test predictions, as the original warned it must be examined: groups crossed
/// from the dimensions given (sex × age band × income band; race/ethnicity × sex and state where the source has
/// them), each with n, prevalence, AUC, true- and false-positive rates at the model's threshold and calibration in the
/// large, with seeded bootstrap 95 % intervals; survey-weighted when weights are given. Groups below the minimum size
/// are suppressed (counted, never shown). A gap is reported when the overall figure lies outside a group's interval.
/// </summary>
public static class FairnessAudit
{
    public static FairnessAuditReport Run(IReadOnlyList<(string Name, IReadOnlyList<string> Dimensions)> crossings,
        IReadOnlyDictionary<string, string?[]> dimensions, IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels,
        double threshold, IReadOnlyList<double>? weights = null, AuditOptions? options = null)
    {
        options ??= new AuditOptions();
        var n = probabilities.Count;
        var w = weights?.ToArray() ?? Enumerable.Repeat(1.0, n).ToArray();
        var all = Enumerable.Range(0, n).ToArray();
        var overall = Measure("all", "all respondents", all, probabilities, labels, w, threshold, options, 0);
        var groups = new List<AuditGroup>();
        int suppressed = 0, suppressedRows = 0;
        foreach (var (name, dims) in crossings)
        {
            if (!dims.All(dimensions.ContainsKey)) continue;
            var members = all.Where(i => dims.All(d => dimensions[d][i] is not null))
                .GroupBy(i => string.Join(" · ", dims.Select(d => dimensions[d][i]))).OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (var g in members)
            {
                var rows = g.ToArray();
                var positives = rows.Count(i => labels[i]);
                if (rows.Length < options.MinimumGroupSize || positives < options.MinimumPerClass
                    || rows.Length - positives < options.MinimumPerClass)
                {
                    suppressed++;
                    suppressedRows += rows.Length;
                    continue;
                }
                groups.Add(Measure(name, g.Key, rows, probabilities, labels, w, threshold, options, groups.Count + 1));
            }
        }
        var total = w.Sum();
        groups = groups.Select(g => g with { WeightShare = g.WeightShare / total }).ToList();
        return new FairnessAuditReport(overall with { WeightShare = 1 }, groups, suppressed, suppressedRows, Gaps(overall, groups),
            weights is not null, options);
    }

    /// <summary>The standard crossings for the workbook's subgroup dimensions: sex × age × income, and race × sex and state when present.</summary>
    public static IReadOnlyList<(string Name, IReadOnlyList<string> Dimensions)> StandardCrossings { get; } =
    [
        ("sex × age × income", ["sex", "age group", "income"]),
        ("race/ethnicity × sex", ["race/ethnicity", "sex"]),
        ("state", ["state"]),
    ];

    private static AuditGroup Measure(string crossing, string group, int[] rows, IReadOnlyList<double> p, IReadOnlyList<bool> y, double[] w,
        double threshold, AuditOptions options, int salt)
    {
        var point = Metrics(rows, p, y, w, threshold);
        var random = new Random(unchecked(options.Seed * 7919 + salt)); // not HashCode.Combine: it is randomised per process
        var draws = new double[options.BootstrapSamples][];
        var sample = new int[rows.Length];
        for (var b = 0; b < options.BootstrapSamples; b++)
        {
            for (var i = 0; i < rows.Length; i++) sample[i] = rows[random.Next(rows.Length)];
            draws[b] = Metrics(sample, p, y, w, threshold);
        }
        Estimate E(int m)
        {
            var values = draws.Select(d => d[m]).Where(double.IsFinite).Order().ToArray();
            return values.Length == 0 ? new(point[m], double.NaN, double.NaN)
                : new(point[m], values[(int)Math.Floor(0.025 * (values.Length - 1))], values[(int)Math.Ceiling(0.975 * (values.Length - 1))]);
        }
        return new AuditGroup(crossing, group, rows.Length, rows.Sum(i => w[i]), E(0), E(1), E(2), E(3), E(4));
    }

    /// <summary>Prevalence, AUC, TPR, FPR and calibration in the large of <paramref name="rows"/> (weighted).</summary>
    private static double[] Metrics(int[] rows, IReadOnlyList<double> p, IReadOnlyList<bool> y, double[] w, double threshold)
    {
        double weight = 0, positive = 0, predicted = 0, tp = 0, fp = 0;
        foreach (var i in rows)
        {
            weight += w[i];
            predicted += w[i] * p[i];
            if (y[i]) { positive += w[i]; if (p[i] >= threshold) tp += w[i]; }
            else if (p[i] >= threshold) fp += w[i];
        }
        var negative = weight - positive;
        var auc = Statistics.Auc(rows.Select(i => p[i]).ToArray(), rows.Select(i => y[i]).ToArray(), rows.Select(i => w[i]).ToArray());
        return [positive / weight, auc, positive > 0 ? tp / positive : double.NaN, negative > 0 ? fp / negative : double.NaN,
            (predicted - positive) / weight];
    }

    private static AuditGap[] Gaps(AuditGroup overall, IReadOnlyList<AuditGroup> groups)
    {
        var gaps = new List<AuditGap>();
        foreach (var g in groups)
            foreach (var (metric, value, all) in new[]
            {
                ("AUC", g.Auc, overall.Auc), ("true-positive rate", g.TruePositiveRate, overall.TruePositiveRate),
                ("false-positive rate", g.FalsePositiveRate, overall.FalsePositiveRate),
                ("calibration in the large", g.CalibrationInTheLarge, overall.CalibrationInTheLarge),
            })
                if (value.Excludes(all.Value)) gaps.Add(new AuditGap(g.Crossing, g.Group, metric, value.Value, all.Value, value.Lower, value.Upper));
        return gaps.OrderByDescending(x => Math.Abs(x.Gap)).ToArray();
    }
}

/// <summary>An audited group as one flat table row (for CSV artifacts and notebook tables).</summary>
public sealed record AuditRow(string Crossing, string Group, int Respondents, double WeightShare, double Prevalence, double Auc, double AucLower,
    double AucUpper, double TruePositiveRate, double TprLower, double TprUpper, double FalsePositiveRate, double FprLower, double FprUpper,
    double CalibrationInTheLarge, double CalibrationLower, double CalibrationUpper)
{
    public static AuditRow From(AuditGroup g) => new(g.Crossing, g.Group, g.Respondents, Math.Round(g.WeightShare, 4),
        Math.Round(g.Prevalence.Value, 4), Math.Round(g.Auc.Value, 4), Math.Round(g.Auc.Lower, 4), Math.Round(g.Auc.Upper, 4),
        Math.Round(g.TruePositiveRate.Value, 4), Math.Round(g.TruePositiveRate.Lower, 4), Math.Round(g.TruePositiveRate.Upper, 4),
        Math.Round(g.FalsePositiveRate.Value, 4), Math.Round(g.FalsePositiveRate.Lower, 4), Math.Round(g.FalsePositiveRate.Upper, 4),
        Math.Round(g.CalibrationInTheLarge.Value, 4), Math.Round(g.CalibrationInTheLarge.Lower, 4), Math.Round(g.CalibrationInTheLarge.Upper, 4));
}
