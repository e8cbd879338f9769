namespace PopHealth.Modeling;

/// <summary>
/// A feature's training distribution, as bins (each code its own bin for coded features; training deciles for measured
/// ones) plus a missing bin: stored with the model so that scoring can measure drift without the training data.
/// </summary>
/// <param name="Cuts">Ascending cut points: bin b holds values in [Cuts[b-1], Cuts[b]).</param>
/// <param name="Shares">Share of known training values in each of the <c>Cuts.Length + 1</c> bins.</param>
/// <param name="MissingShare">Share of training rows with the feature unknown.</param>
public sealed record FeatureBins(double[] Cuts, double[] Shares, double MissingShare)
{
    /// <summary>
    /// The bins of <paramref name="values"/> (NaN = unknown): between codes when <paramref name="codes"/> are given,
    /// else at the deciles.
    /// </summary>
    public static FeatureBins From(IReadOnlyList<float> values, double[]? codes)
    {
        var known = values.Where(v => !float.IsNaN(v)).Select(v => (double)v).Order().ToArray();
        double[] cuts = codes is { Length: > 0 }
            ? codes.Zip(codes.Skip(1), (a, b) => (a + b) / 2).ToArray()
            : known.Length == 0 ? [] : Enumerable.Range(1, 9).Select(d => known[(int)Math.Floor(d / 10.0 * (known.Length - 1))]).Distinct().ToArray();
        var counts = new double[cuts.Length + 1];
        foreach (var v in known) counts[Bin(cuts, v)]++;
        return new FeatureBins(cuts, counts.Select(c => known.Length == 0 ? 0 : c / known.Length).ToArray(),
            values.Count == 0 ? 0 : (values.Count - known.Length) / (double)values.Count);
    }

    private static int Bin(double[] cuts, double value)
    {
        var at = Array.BinarySearch(cuts, value);
        return at >= 0 ? at + 1 : ~at;
    }

    /// <summary>
    /// Population stability index of <paramref name="values"/> (null = unknown) against these training bins:
    /// Σ (actual − expected) · ln(actual / expected) over the bins and the missing bin, shares floored at 1e-4.
    /// Below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift (the usual reading).
    /// </summary>
    public double StabilityIndex(IReadOnlyList<double?> values)
    {
        if (values.Count == 0) return double.NaN;
        var counts = new double[Cuts.Length + 1];
        var missing = 0;
        foreach (var v in values)
            if (v is { } x && !double.IsNaN(x)) counts[Bin(Cuts, x)]++;
            else missing++;
        var knownShare = 1 - MissingShare;
        var expected = Shares.Select(s => s * knownShare).Append(MissingShare);
        var actual = counts.Select(c => c / values.Count).Append(missing / (double)values.Count);
        const double floor = 1e-4;
        return expected.Zip(actual, (e, a) => (E: Math.Max(e, floor), A: Math.Max(a, floor))).Sum(p => (p.A - p.E) * Math.Log(p.A / p.E));
    }
}

/// <summary>One feature's drift between training and a scored input.</summary>
public sealed record FeatureDrift(string Feature, double StabilityIndex, string Reading)
{
    public const double Moderate = 0.1, Major = 0.25;

    public static string Read(double psi) =>
        double.IsNaN(psi) ? "no bins stored" : psi >= Major ? "major shift" : psi >= Moderate ? "moderate shift" : "stable";
}
