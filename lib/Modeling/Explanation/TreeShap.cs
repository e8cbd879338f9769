namespace PopHealth.Modeling;

/// <summary>Options for <see cref="TreeShap.Explain(TreeEnsemble, float[], int, int, ShapOptions?)"/>.</summary>
/// <param name="Threads">Threads to spread rows over (0 = all cores).</param>
/// <param name="TabulateUpTo">
/// A tree whose leaves each have at most this many distinct features on their path is explained from tables: for each
/// leaf and each combination of path features the row follows, its contributions (2^d × d numbers, computed once per
/// call with the same EXTEND/UNWIND); deeper trees are walked row by row (Algorithm 2). 0 = always walk. Both give the
/// same values (to rounding); tables are several times faster for the shallow trees boosting grows.
/// </param>
public sealed record ShapOptions(int Threads = 0, int TabulateUpTo = 10);

/// <summary>What the contributions of a <see cref="ShapValues"/> add up to.</summary>
public enum ShapScale
{
    /// <summary>Exact SHAP values in log-odds: base value + contributions = the model's margin.</summary>
    LogOdds,
    /// <summary>
    /// A display approximation: each row's log-odds contributions scaled by one factor so that they sum to
    /// p(row) − p(base value). Signs and ranking within a row are kept; values are not Shapley values of the probability.
    /// </summary>
    ProbabilityScaled,
}

/// <summary>Per-row feature contributions (row-major, <see cref="Rows"/> × <see cref="Features"/>) and the shared base value.</summary>
public sealed class ShapValues
{
    public ShapValues(int rows, int features, double baseValue, double[] contributions, ShapScale scale)
    {
        if (contributions.Length != (long)rows * features)
            throw new ArgumentException($"{rows} rows × {features} features need {rows * (long)features} contributions, got {contributions.Length}.");
        (Rows, Features, BaseValue, Contributions, Scale) = (rows, features, baseValue, contributions, scale);
    }

    public int Rows { get; }
    public int Features { get; }
    /// <summary>
    /// The expected margin over the data the cover was counted on (or its probability, for
    /// <see cref="ShapScale.ProbabilityScaled"/>).
    /// </summary>
    public double BaseValue { get; }
    public double[] Contributions { get; }
    public ShapScale Scale { get; }

    /// <summary>Row <paramref name="row"/>'s contributions, one per feature.</summary>
    public ReadOnlySpan<double> Row(int row) => Contributions.AsSpan(row * Features, Features);

    /// <summary>Base value plus the row's contributions: the model's margin (or probability) for the row.</summary>
    public double Total(int row)
    {
        var sum = BaseValue;
        foreach (var c in Row(row)) sum += c;
        return sum;
    }

    /// <summary>
    /// The <see cref="ShapScale.ProbabilityScaled"/> approximation of log-odds values, for display: row r's contributions
    /// times (p(margin_r) − p(base)) / (margin_r − base), where p is <paramref name="probabilityOfMargin"/> (the model's
    /// link, <see cref="TreeEnsemble.ProbabilityOfMargin"/>; compose a prior shift into it for population probabilities).
    /// When the margin equals the base value the factor is the link's slope there.
    /// </summary>
    public ShapValues ToProbabilityScale(Func<double, double> probabilityOfMargin)
    {
        if (Scale != ShapScale.LogOdds) throw new InvalidOperationException("Only log-odds SHAP values can be rescaled to probabilities.");
        var p0 = probabilityOfMargin(BaseValue);
        var scaled = new double[Contributions.Length];
        for (var r = 0; r < Rows; r++)
        {
            var delta = Total(r) - BaseValue;
            var factor = Math.Abs(delta) > 1e-9 ? (probabilityOfMargin(BaseValue + delta) - p0) / delta
                : (probabilityOfMargin(BaseValue + 1e-6) - probabilityOfMargin(BaseValue - 1e-6)) / 2e-6;
            for (var j = 0; j < Features; j++) scaled[r * Features + j] = Contributions[r * Features + j] * factor;
        }
        return new ShapValues(Rows, Features, p0, scaled, ShapScale.ProbabilityScaled);
    }
}

/// <summary>
/// Exact path-dependent TreeSHAP (Lundberg, Erion et al. 2018, "Consistent individualized feature attribution for tree
/// ensembles", Algorithm 2): for each row, the Shapley values of the game v(S) = E[margin | x_S], where the expectation
/// over features outside S follows both branches of their splits weighted by cover (rows reaching each child over rows
/// reaching the split). They add up exactly: base value + Σ contributions = margin, where the base value is v(∅), the
/// cover-weighted mean margin. Missing values (NaN) follow the trees' own routing. A split whose node no row reached
/// (cover 0) weighs its two children equally. Cost per row: O(trees × leaves × depth²) walking,
/// O(trees × leaves × depth) from tables (the precomputation of Yang 2021, "Fast TreeSHAP", v2).
/// </summary>
public static partial class TreeShap
{
    /// <summary>
    /// SHAP contributions of <paramref name="rows"/> row-major rows of <paramref name="width"/> floats (NaN = missing)
    /// on <paramref name="trees"/>, which must carry cover (<see cref="TreeEnsemble.WithCover"/>). Rows run in parallel.
    /// </summary>
    public static ShapValues Explain(TreeEnsemble trees, float[] buffer, int rows, int width, ShapOptions? options = null)
    {
        options ??= new ShapOptions();
        trees.CheckBuffer(buffer, rows, width);
        var prepared = new Prepared(trees, options.TabulateUpTo);
        var contributions = new double[(long)rows * width];
        const int chunk = 256;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads > 0 ? options.Threads : -1 };
        Parallel.For(0, (rows + chunk - 1) / chunk, parallel, () => new Walker(prepared), (c, _, walker) =>
        {
            for (var r = c * chunk; r < Math.Min(rows, (c + 1) * chunk); r++)
                walker.Explain(buffer, r * width, contributions.AsSpan(r * width, width));
            return walker;
        }, _ => { });
        return new ShapValues(rows, width, prepared.BaseValue, contributions, ShapScale.LogOdds);
    }

    /// <summary>
    /// <see cref="Explain(TreeEnsemble, float[], int, int, ShapOptions?)"/> over rows as arrays (e.g.
    /// <see cref="ModelMatrix.Rows"/>).
    /// </summary>
    public static ShapValues Explain(TreeEnsemble trees, IReadOnlyList<float[]> rows, ShapOptions? options = null)
    {
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        return Explain(trees, buffer, rows.Count, rows.Count == 0 ? trees.Features : width, options);
    }

    /// <summary>The expected margin over the data the cover was counted on: the base value of every explanation.</summary>
    public static double BaseValue(TreeEnsemble trees) => new Prepared(trees, tabulateUpTo: 0).BaseValue;
}
