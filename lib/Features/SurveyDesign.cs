namespace PopHealth.Features;

/// <summary>
/// How a stratum holding a single respondent of the whole design adds to a variance (R survey's
/// <c>options(survey.lonely.psu)</c>; the formula's n/(n − 1) is 1/0 there).
/// </summary>
public enum LonelyStratum
{
    /// <summary>
    /// Centred at the grand mean rather than its own mean: the respondent's squared linearised value counts in full (survey's
    /// <c>"adjust"</c>, as SUDAAN's MISSUNIT and Stata's <c>singleunit(centered)</c>). Conservative; the workbook's default.
    /// </summary>
    Adjust,
    /// <summary>
    /// No contribution, as if the stratum were sampled with certainty (survey's <c>"certainty"</c> and <c>"remove"</c>,
    /// which agree for one stage).
    /// </summary>
    Certainty,
}

/// <summary>One domain's weighted mean (a ratio estimator) and its Taylor-linearised standard error.</summary>
/// <param name="Respondents">Design respondents in the domain with a known outcome (the mean's denominator).</param>
/// <param name="WeightTotal">Their weights' sum.</param>
/// <param name="Mean">Σ w·y / Σ w over them; NaN when the domain has none.</param>
public readonly record struct DomainMean(long Respondents, double WeightTotal, double Mean, double StandardError);

/// <summary>
/// A stratified single-stage design in which each respondent is its own PSU (BRFSS's public files: <c>_STSTR</c> strata,
/// <c>_LLCPWT</c> weights, <c>_PSU</c> = the record), sampled with replacement: what R's
/// <c>svydesign(ids = ~1, strata = ~h, weights = ~w)</c> describes. Rows with a positive, finite weight are the design; a row
/// with no weight is outside it (it counts nowhere). A row with a weight but no stratum, when strata are given, is put in a
/// stratum of its own kind ("unknown").
/// <para>
/// Domain means (<see cref="Means"/>) are computed as survey's <c>svyby(~y, ~domain, design, svymean, na.rm = TRUE)</c>
/// does: over the whole design, every respondent outside the domain, or with no outcome, counting as a zero in its stratum
/// (the stratum's n is the design's, not the domain's), with survey's default <c>survey.adjust.domain.lonely = FALSE</c>:
/// a domain with one respondent in a stratum of several gets no special treatment.
/// </para>
/// </summary>
public sealed class SurveyDesign
{
    private readonly double[] weight;
    /// <summary>Design rows grouped by stratum: stratum s holds order[start[s] .. start[s + 1]).</summary>
    private readonly int[] order;
    private readonly int[] start;

    private SurveyDesign(double[] weight, int[] order, int[] start, bool stratified, LonelyStratum lonely)
    {
        this.weight = weight;
        this.order = order;
        this.start = start;
        Stratified = stratified;
        Lonely = lonely;
        LonelyStrata = Enumerable.Range(0, start.Length - 1).Count(s => start[s + 1] - start[s] == 1);
    }

    /// <summary>Rows given (in the design or not).</summary>
    public int Rows => weight.Length;
    /// <summary>Rows with a positive, finite weight: the design's respondents.</summary>
    public int DesignRows => order.Length;
    /// <summary>Strata with at least one design respondent (1 when no strata were given).</summary>
    public int Strata => start.Length - 1;
    /// <summary>Strata holding exactly one design respondent, handled as <see cref="Lonely"/> says.</summary>
    public int LonelyStrata { get; }
    public bool Stratified { get; }
    public LonelyStratum Lonely { get; }

    /// <summary>
    /// The design of <paramref name="weight"/> (one per row) within <paramref name="stratum"/> (null: one stratum). Strata are
    /// told apart by value, so a caller whose strata repeat across survey years makes each year's its own.
    /// </summary>
    public static SurveyDesign Create(IReadOnlyList<double?> weight, IReadOnlyList<double?>? stratum = null,
        LonelyStratum lonely = LonelyStratum.Adjust)
    {
        if (stratum is not null && stratum.Count != weight.Count)
            throw new ArgumentException($"{stratum.Count} strata for {weight.Count} weights: one value per respondent.", nameof(stratum));
        var w = new double[weight.Count];
        var strata = new Dictionary<double, int>();
        var of = new int[weight.Count];
        var sizes = new List<int>();
        for (var i = 0; i < w.Length; i++)
        {
            if (weight[i] is not { } x || !double.IsFinite(x) || x <= 0) { of[i] = -1; continue; }
            w[i] = x;
            var key = stratum?[i] ?? double.NaN; // NaN: no stratum given for the row (its own kind); one stratum when none are given
            if (!strata.TryGetValue(key, out var s)) { strata[key] = s = sizes.Count; sizes.Add(0); }
            of[i] = s;
            sizes[s]++;
        }
        var start = new int[sizes.Count + 1];
        for (var s = 0; s < sizes.Count; s++) start[s + 1] = start[s] + sizes[s];
        var next = start[..^1].ToArray();
        var order = new int[start[^1]];
        for (var i = 0; i < w.Length; i++)
            if (of[i] >= 0) order[next[of[i]]++] = i;
        return new SurveyDesign(w, order, start, stratum is not null, lonely);
    }

    /// <summary>
    /// The weighted mean of <paramref name="outcome"/> in each domain 0 … <paramref name="domains"/> − 1
    /// (<paramref name="domain"/>[i] = the row's domain, or −1 for none), with its Taylor-linearised standard error:
    /// z_i = w_i (y_i − ȳ_d) / W_d in domain d and 0 elsewhere; Var = Σ_h n_h/(n_h − 1) [Σ z² − (Σ z)²/n_h] over the
    /// design's strata, a lonely stratum adding Σ z² (<see cref="LonelyStratum.Adjust"/>) or nothing.
    /// </summary>
    public DomainMean[] Means(IReadOnlyList<double?> outcome, IReadOnlyList<int> domain, int domains)
    {
        if (outcome.Count != Rows || domain.Count != Rows)
            throw new ArgumentException($"{outcome.Count} outcomes and {domain.Count} domains for a design of {Rows} rows: " +
                $"one value per respondent.");
        var y = new double[Rows];
        var d = new int[Rows];
        for (var i = 0; i < Rows; i++)
        {
            y[i] = outcome[i] is { } v && double.IsFinite(v) ? v : double.NaN;
            d[i] = double.IsNaN(y[i]) ? -1 : domain[i];
            if (d[i] >= domains) throw new ArgumentOutOfRangeException(nameof(domain), $"Row {i}: domain {d[i]}, but only {domains} domains.");
        }
        var (count, total, mean) = Totals(y, d, domains);
        var variance = Variance(y, d, mean, total, domains);
        var result = new DomainMean[domains];
        for (var k = 0; k < domains; k++) result[k] = new DomainMean(count[k], total[k], mean[k], Math.Sqrt(Math.Max(0, variance[k])));
        return result;
    }

    private (long[] Count, double[] Total, double[] Mean) Totals(double[] y, int[] d, int domains)
    {
        var count = new long[domains];
        var total = new double[domains];
        var positive = new double[domains];
        foreach (var i in order)
        {
            if (d[i] < 0) continue;
            count[d[i]]++;
            total[d[i]] += weight[i];
            positive[d[i]] += weight[i] * y[i];
        }
        var mean = new double[domains];
        for (var k = 0; k < domains; k++) mean[k] = count[k] == 0 ? double.NaN : positive[k] / total[k];
        return (count, total, mean);
    }

    private double[] Variance(double[] y, int[] d, double[] mean, double[] total, int domains)
    {
        var variance = new double[domains];
        var sum = new double[domains];
        var squares = new double[domains];
        var touched = new int[domains];
        var seen = new bool[domains];
        for (var s = 0; s < Strata; s++)
        {
            var n = start[s + 1] - start[s];
            var used = 0;
            for (var k = start[s]; k < start[s + 1]; k++)
            {
                var i = order[k];
                if (d[i] < 0) continue;
                var z = weight[i] * (y[i] - mean[d[i]]) / total[d[i]];
                if (!seen[d[i]]) { seen[d[i]] = true; touched[used++] = d[i]; }
                sum[d[i]] += z;
                squares[d[i]] += z * z;
            }
            for (var t = 0; t < used; t++)
            {
                var k = touched[t];
                variance[k] += n >= 2 ? n / (n - 1.0) * (squares[k] - sum[k] * sum[k] / n) : Lonely == LonelyStratum.Adjust ? squares[k] : 0;
                (sum[k], squares[k], seen[k]) = (0, 0, false);
            }
        }
        return variance;
    }
}
