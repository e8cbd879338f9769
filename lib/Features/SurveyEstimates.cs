using System.Globalization;
using PopHealth.Ingest.Codebook;

namespace PopHealth.Features;

/// <summary>A survey-weighted prevalence with its 95 % confidence interval.</summary>
public sealed record WeightedPrevalence(string Group, long Respondents, double WeightTotal, double Prevalence, double StandardError, double Lower,
    double Upper);

/// <summary>Prevalence of fair or poor health at one value of a column (an interview month, a survey year), with its 95 % CI.</summary>
/// <param name="Value">The column's value (month 1–12, year), which orders the groups.</param>
/// <param name="Respondents">Respondents the estimate counts (with a known target, and a weight when weighted).</param>
public sealed record GroupPrevalence(string Group, double Value, long Respondents, double Prevalence, double Lower, double Upper);

/// <summary>Prevalence of fair or poor health by the values of <see cref="Column"/>, and how it was estimated.</summary>
/// <param name="Weighted">True: survey-weighted with design-based intervals; false: every respondent counted once, Wilson intervals.</param>
/// <param name="Method">One sentence saying how (for chart titles and notebooks).</param>
/// <param name="Unknown">Respondents left out because the column is unknown for them.</param>
public sealed record PrevalenceSeries(string Column, bool Weighted, string Method, IReadOnlyList<GroupPrevalence> Groups, long Unknown);

/// <summary>
/// Design-based estimates from BRFSS weights: the weighted share (a ratio estimator) with a Taylor-linearised
/// standard error within strata (<c>_STSTR</c> where present; one stratum otherwise). BRFSS's public files carry
/// no PSU beyond the respondent, so each respondent is its own PSU, as CDC's own guidance does for this design
/// (<see cref="SurveyDesign"/> computes them; PopHealth.Population's direct estimates use the same).
/// </summary>
public static class SurveyEstimates
{
    /// <summary>
    /// Weighted prevalence of <paramref name="outcome"/> (1 = yes) in each group (groups with no respondent left out). Each
    /// group is a domain of the whole design (<see cref="SurveyDesign"/>: every row with a positive weight, within
    /// <paramref name="stratum"/>): its standard error counts, in every stratum, the respondents outside the group, or with
    /// no outcome, as zeros, as R survey's <c>svyby(..., svymean, na.rm = TRUE)</c> does (a group that cuts across strata,
    /// such as an interview month, has a random sample size there).
    /// </summary>
    public static IReadOnlyList<WeightedPrevalence> Prevalence(IReadOnlyList<double?> outcome, IReadOnlyList<double?> weight,
        IReadOnlyList<string?> group, IReadOnlyList<double?>? stratum = null, LonelyStratum lonely = LonelyStratum.Adjust)
    {
        if (weight.Count != outcome.Count || group.Count != outcome.Count || (stratum is not null && stratum.Count != outcome.Count))
            throw new ArgumentException("Outcome, weight, group and stratum must have one value per respondent.");
        var keys = group.Where(g => g is not null).Distinct().Order(StringComparer.Ordinal).ToArray();
        var index = keys.Select((k, d) => (k, d)).ToDictionary(x => x.k!, x => x.d);
        var domain = group.Select(g => g is null ? -1 : index[g]).ToArray();
        var means = SurveyDesign.Create(weight, stratum, lonely).Means(outcome, domain, keys.Length);
        return keys.Select((k, d) => (Key: k!, Mean: means[d])).Where(g => g.Mean.Respondents > 0).Select(g =>
        {
            var (p, se) = (g.Mean.Mean, g.Mean.StandardError);
            return new WeightedPrevalence(g.Key, g.Mean.Respondents, g.Mean.WeightTotal, p, se, Math.Max(0, p - 1.959964 * se),
                Math.Min(1, p + 1.959964 * se));
        }).ToArray();
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

    /// <summary>
    /// Prevalence of fair or poor health at each value of <paramref name="column"/> (labelled by <paramref name="label"/>),
    /// with 95 % CIs: survey-weighted (<see cref="FeatureSet.Weight"/>, strata within survey year, domain estimates) when the
    /// table carries weights, else unweighted with Wilson intervals, and <see cref="PrevalenceSeries.Method"/> says which.
    /// </summary>
    public static PrevalenceSeries FairPoorBy(FeatureSet set, string column, Func<double, string>? label = null)
    {
        if (!set.HasColumn(column)) throw new InvalidOperationException($"The table has no column '{column}'.");
        label ??= v => v.ToString("G", CultureInfo.InvariantCulture);
        var values = set.Values(column);
        var target = set.Values(FeatureSet.Target);
        var unknown = values.LongCount(v => v is null);
        if (set.HasColumn(FeatureSet.Weight))
        {
            var years = set.HasColumn(FeatureSet.SurveyYear) ? set.Values(FeatureSet.SurveyYear) : null;
            // strata are a year's own
            var strata = set.HasColumn(FeatureSet.Stratum)
                ? set.Values(FeatureSet.Stratum).Select((h, i) => h is { } s ? s + 1e7 * (years?[i] ?? 0) : (double?)null).ToArray()
                : null;
            var keys = values.Select(v => v?.ToString("R", CultureInfo.InvariantCulture)).ToArray();
            var groups = Prevalence(target, set.Values(FeatureSet.Weight), keys, strata)
                .Select(e => (Value: double.Parse(e.Group, CultureInfo.InvariantCulture), Estimate: e)).OrderBy(e => e.Value)
                .Select(e => new GroupPrevalence(label(e.Value), e.Value, e.Estimate.Respondents, e.Estimate.Prevalence, e.Estimate.Lower,
                    e.Estimate.Upper)).ToArray();
            return new PrevalenceSeries(column, true, "survey-weighted (final weight, strata within each year; Taylor-linearised 95 % CI)", groups,
                unknown);
        }
        var counts = Enumerable.Range(0, values.Length).Where(i => values[i] is not null && target[i] is not null).GroupBy(i => values[i]!.Value)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                long n = g.LongCount(), k = g.LongCount(i => target[i] == 1);
                var (lower, upper) = Exploration.Wilson(k, n);
                return new GroupPrevalence(label(g.Key), g.Key, n, k / (double)n, lower, upper);
            }).ToArray();
        return new PrevalenceSeries(column, false, "unweighted: this source has no survey weight, so every respondent counts once (Wilson 95 % CI)",
            counts, unknown);
    }

    /// <summary>Prevalence by survey year (<see cref="FairPoorBy"/>) when the table holds at least two years; else null.</summary>
    public static PrevalenceSeries? FairPoorByYear(FeatureSet set) =>
        set.HasColumn(FeatureSet.SurveyYear) && set.Values(FeatureSet.SurveyYear).Where(y => y is not null).Distinct().Count() >= 2
            ? FairPoorBy(set, FeatureSet.SurveyYear, y => y.ToString("0", CultureInfo.InvariantCulture))
            : null;

    /// <summary>Prevalence by interview month (<see cref="FairPoorBy"/>, months named) when the table has it (CDC's IMONTH); else null.</summary>
    public static PrevalenceSeries? FairPoorByMonth(FeatureSet set) =>
        set.HasColumn(FeatureSet.InterviewMonth)
            ? FairPoorBy(set, FeatureSet.InterviewMonth, m => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName((int)m))
            : null;

    private static string StateName(BrfssCodebook codebook, double fips)
    {
        var entry = codebook.Entries("_STATE").FirstOrDefault(e => e.Covers(fips));
        return entry?.Label ?? $"FIPS {fips}";
    }
}
