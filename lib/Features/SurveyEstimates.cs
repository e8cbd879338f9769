using PopHealth.Ingest.Codebook;

namespace PopHealth.Features;

/// <summary>A survey-weighted prevalence with its 95 % confidence interval.</summary>
public sealed record WeightedPrevalence(string Group, long Respondents, double WeightTotal, double Prevalence, double StandardError, double Lower, double Upper);

/// <summary>
/// Design-based estimates from BRFSS weights: the weighted share (a ratio estimator) with a Taylor-linearised
/// standard error within strata (<c>_STSTR</c> where present; one stratum otherwise). BRFSS's public files carry
/// no PSU beyond the respondent, so each respondent is its own PSU, as CDC's own guidance does for this design.
/// </summary>
public static class SurveyEstimates
{
    /// <summary>Weighted prevalence of <paramref name="outcome"/> (1 = yes) in each group; rows lacking group, outcome or weight are left out.</summary>
    public static IReadOnlyList<WeightedPrevalence> Prevalence(IReadOnlyList<double?> outcome, IReadOnlyList<double?> weight,
        IReadOnlyList<string?> group, IReadOnlyList<double?>? stratum = null)
    {
        if (weight.Count != outcome.Count || group.Count != outcome.Count || (stratum is not null && stratum.Count != outcome.Count))
            throw new ArgumentException("Outcome, weight, group and stratum must have one value per respondent.");
        var rows = Enumerable.Range(0, outcome.Count).Where(i => outcome[i] is not null && weight[i] is > 0 && group[i] is not null);
        return rows.GroupBy(i => group[i]!).Select(g => Estimate(g.Key, g.ToArray(), outcome, weight, stratum)).OrderBy(e => e.Group).ToArray();
    }

    private static WeightedPrevalence Estimate(string name, int[] rows, IReadOnlyList<double?> y, IReadOnlyList<double?> w, IReadOnlyList<double?>? stratum)
    {
        double total = rows.Sum(i => w[i]!.Value);
        double p = rows.Sum(i => w[i]!.Value * y[i]!.Value) / total;
        // Linearised values z_i = w_i (y_i − p) / W; variance = Σ_h n_h/(n_h − 1) Σ_i (z_i − z̄_h)².
        double variance = 0;
        foreach (var h in rows.GroupBy(i => stratum?[i] ?? 0))
        {
            var z = h.Select(i => w[i]!.Value * (y[i]!.Value - p) / total).ToArray();
            if (z.Length < 2) continue;
            var mean = z.Average();
            variance += z.Length / (z.Length - 1.0) * z.Sum(v => (v - mean) * (v - mean));
        }
        var se = Math.Sqrt(variance);
        return new WeightedPrevalence(name, rows.Length, total, p, se, Math.Max(0, p - 1.959964 * se), Math.Min(1, p + 1.959964 * se));
    }

    /// <summary>Weighted prevalence of fair or poor health by state (names from CDC's codebook), when the table has weights and states.</summary>
    public static IReadOnlyList<WeightedPrevalence> FairPoorByState(FeatureSet set)
    {
        if (!set.HasColumn(FeatureSet.Weight) || !set.HasColumn(FeatureSet.State))
            throw new InvalidOperationException("The table has no survey weight (_LLCPWT) or state (_STATE): state prevalence needs both.");
        var codebook = BrfssCodebook.Year2024;
        var states = set.Values(FeatureSet.State).Select(s => s is { } code ? StateName(codebook, code) : null).ToArray();
        return Prevalence(set.Values(FeatureSet.Target), set.Values(FeatureSet.Weight), states,
            set.HasColumn(FeatureSet.Stratum) ? set.Values(FeatureSet.Stratum) : null);
    }

    private static string StateName(BrfssCodebook codebook, double fips)
    {
        var entry = codebook.Entries("_STATE").FirstOrDefault(e => e.Covers(fips));
        return entry?.Label ?? $"FIPS {fips}";
    }
}
