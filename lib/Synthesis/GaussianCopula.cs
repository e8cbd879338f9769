using System.Text.Json;
using System.Text.Json.Serialization;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Synthesis;

/// <summary>How a column's values are distributed.</summary>
public enum MarginalKind
{
    /// <summary>A finite set of ordered codes with probabilities.</summary>
    Categorical,
    /// <summary>A continuous variable described by its quantile function on an even probability grid.</summary>
    Continuous,
}

/// <summary>
/// One column's distribution over its known values, and the share of its values that are missing.
/// Categorical: <see cref="Values"/> are the codes in order and <see cref="Probabilities"/> theirs.
/// Continuous: <see cref="Values"/> are quantiles at probabilities 0, 1/(k−1), …, 1.
/// </summary>
public sealed record Marginal(string Column, MarginalKind Kind, double[] Values, double[] Probabilities, double MissingShare)
{
    /// <summary>A categorical marginal from codes and weights (normalised here).</summary>
    public static Marginal Categorical(string column, IReadOnlyList<double> codes, IReadOnlyList<double> weights, double missingShare)
    {
        if (codes.Count == 0 || codes.Count != weights.Count)
            throw new ArgumentException($"Marginal '{column}': codes and weights must be non-empty and equal in number.");
        if (weights.Any(w => w < 0) || weights.Sum() <= 0)
            throw new ArgumentException($"Marginal '{column}': weights must be non-negative with a positive sum.");
        if (missingShare is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(missingShare), $"Marginal '{column}': missing share {missingShare} is not in [0, 1].");
        var order = Enumerable.Range(0, codes.Count).OrderBy(i => codes[i]).ToArray();
        var total = weights.Sum();
        return new(column, MarginalKind.Categorical, order.Select(i => codes[i]).ToArray(), order.Select(i => weights[i] / total).ToArray(),
            missingShare);
    }

    /// <summary>A continuous marginal from its quantiles at an even probability grid (non-decreasing).</summary>
    public static Marginal Continuous(string column, IReadOnlyList<double> quantiles, double missingShare)
    {
        if (quantiles.Count < 2) throw new ArgumentException($"Marginal '{column}': at least two quantiles are needed.");
        for (var i = 1; i < quantiles.Count; i++)
            if (quantiles[i] < quantiles[i - 1]) throw new ArgumentException($"Marginal '{column}': quantiles must not decrease.");
        return new(column, MarginalKind.Continuous, quantiles.ToArray(), [], missingShare);
    }

    /// <summary>The value at probability <paramref name="u"/> in (0, 1).</summary>
    public double Quantile(double u)
    {
        if (Kind == MarginalKind.Categorical)
        {
            var cumulative = 0.0;
            for (var i = 0; i < Values.Length; i++)
            {
                cumulative += Probabilities[i];
                if (u <= cumulative) return Values[i];
            }
            return Values[^1];
        }
        var position = u * (Values.Length - 1);
        var low = Math.Clamp((int)Math.Floor(position), 0, Values.Length - 1);
        var high = Math.Min(low + 1, Values.Length - 1);
        return Values[low] + (position - low) * (Values[high] - Values[low]);
    }

    /// <summary>Mid-point of the probability interval a known value occupies (its "normal score" before Φ⁻¹).</summary>
    internal double MidProbability(double value, Func<double, double>? empirical)
    {
        if (Kind == MarginalKind.Continuous) return empirical!(value);
        var below = 0.0;
        for (var i = 0; i < Values.Length; i++)
        {
            if (Values[i] == value) return below + Probabilities[i] / 2;
            below += Probabilities[i];
        }
        throw new InvalidDataException($"Marginal '{Column}': value {value} is not one of its codes.");
    }
}

/// <summary>Options for <see cref="GaussianCopula.Fit"/>.</summary>
/// <param name="Columns">Columns to model (default: every numeric column).</param>
/// <param name="MaxCategories">A column with at most this many distinct values is categorical, else continuous.</param>
/// <param name="QuantilePoints">Points of a continuous column's quantile grid.</param>
public sealed record CopulaOptions(IReadOnlyList<string>? Columns = null, int MaxCategories = 40, int QuantilePoints = 201);

/// <summary>
/// A Gaussian copula synthesizer (what SDV's GaussianCopulaSynthesizer does): each column keeps its own
/// distribution (<see cref="Marginal"/>), and the dependence between columns is a correlation matrix of their
/// normal scores. Whether a value is missing is a latent column of its own, so missingness keeps its relation
/// to the other answers. Written here because no served .NET package offers one; linear algebra is MathNet's.
/// </summary>
public sealed class GaussianCopula
{
    public const string MissingSuffix = "·missing";
    private const double TailTrim = 0.0005;

    [JsonConstructor]
    public GaussianCopula(IReadOnlyList<Marginal> marginals, IReadOnlyList<string> latentColumns, double[][] correlation)
    {
        if (correlation.Length != latentColumns.Count || correlation.Any(r => r.Length != latentColumns.Count))
            throw new ArgumentException($"Correlation must be {latentColumns.Count} × {latentColumns.Count}.");
        Marginals = marginals;
        LatentColumns = latentColumns;
        Correlation = correlation;
        cholesky = Repair(Matrix<double>.Build.DenseOfRowArrays(correlation)).Cholesky().Factor;
    }

    private readonly Matrix<double> cholesky;

    public IReadOnlyList<Marginal> Marginals { get; }
    /// <summary>The copula's dimensions: every column, then <c>column·missing</c> for each column that has missing values.</summary>
    public IReadOnlyList<string> LatentColumns { get; }
    /// <summary>Correlation of the latent normal scores, rows and columns in <see cref="LatentColumns"/> order.</summary>
    public double[][] Correlation { get; }

    /// <summary>The correlation between two latent columns (0 when either is absent).</summary>
    public double CorrelationOf(string a, string b)
    {
        var i = LatentColumns.ToList().IndexOf(a);
        var j = LatentColumns.ToList().IndexOf(b);
        return i < 0 || j < 0 ? 0 : Correlation[i][j];
    }

    /// <summary>Fits marginals and the normal-score correlation of <paramref name="frame"/>'s numeric columns (nulls are missing).</summary>
    public static GaussianCopula Fit(DataFrame frame, CopulaOptions? options = null)
    {
        options ??= new CopulaOptions();
        var names = options.Columns?.ToArray() ?? frame.Columns.Where(c => c is DoubleDataFrameColumn).Select(c => c.Name).ToArray();
        if (names.Length == 0) throw new ArgumentException("No columns to fit.");
        var n = (int)frame.Rows.Count;
        if (n < 2) throw new ArgumentException($"At least two rows are needed to fit a copula, got {n}.");
        var marginals = new List<Marginal>();
        var scores = new List<double[]>(); // NaN where unknown
        var latent = new List<string>();
        var missingScores = new List<(string Name, double[] Scores)>();
        foreach (var name in names)
        {
            if (frame.Columns.IndexOf(name) < 0) throw new ArgumentException($"No column '{name}' to fit.");
            var column = frame.Columns[name] as DoubleDataFrameColumn
                ?? throw new ArgumentException($"Column '{name}' is not a nullable double column.");
            var values = Enumerable.Range(0, n).Select(i => column[i] is { } v && !double.IsNaN(v) ? v : (double?)null).ToArray();
            var known = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
            var missingShare = (n - known.Length) / (double)n;
            if (known.Length == 0) throw new ArgumentException($"Column '{name}' has no known values to fit.");
            var distinct = known.Distinct().Order().ToArray();
            Marginal marginal;
            Func<double, double>? empirical = null;
            if (distinct.Length <= options.MaxCategories)
                marginal = Marginal.Categorical(name, distinct, distinct.Select(d => (double)known.Count(k => k == d)).ToArray(), missingShare);
            else
            {
                var sorted = known.Order().ToArray();
                // The grid runs from the 0.05th to the 99.95th percentile, so no single respondent's extreme value is stored.
                marginal = Marginal.Continuous(name, Enumerable.Range(0, options.QuantilePoints)
                    .Select(q => Interpolate(sorted, TailTrim + (1 - 2 * TailTrim) * q / (options.QuantilePoints - 1))).ToArray(), missingShare);
                empirical = MidRanks(sorted);
            }
            marginals.Add(marginal);
            latent.Add(name);
            scores.Add(values
                .Select(v => v is { } x ? Normal.InvCDF(0, 1, Math.Clamp(marginal.MidProbability(x, empirical), 1e-9, 1 - 1e-9)) : double.NaN)
                .ToArray());
            if (missingShare > 0 && missingShare < 1)
            {
                // Latent "is missing" column: known values score low, missing high (mid-probabilities of a 0/1 variable).
                var p0 = 1 - missingShare;
                var low = Normal.InvCDF(0, 1, p0 / 2);
                var high = Normal.InvCDF(0, 1, p0 + missingShare / 2);
                missingScores.Add((name + MissingSuffix, values.Select(v => v is null ? high : low).ToArray()));
            }
        }
        foreach (var (name, s) in missingScores) { latent.Add(name); scores.Add(s); }

        var correlation = LatentCorrelation(scores, latent, marginals);
        var repaired = Repair(Matrix<double>.Build.DenseOfRowArrays(correlation)).ToRowArrays();
        return new GaussianCopula(marginals, latent, repaired);
    }

    /// <summary>
    /// Pairwise normal-score correlations of the latent columns (answers, then "is missing" columns), corrected for
    /// discretisation: discretising a normal variable shrinks its correlations by a known factor; undoing it makes
    /// sampling, which discretises again, give back the observed correlations (an approximation of polychoric correlation).
    /// </summary>
    private static double[][] LatentCorrelation(List<double[]> scores, List<string> latent, List<Marginal> marginals)
    {
        var k = latent.Count;
        var correlation = new double[k][];
        for (var i = 0; i < k; i++) correlation[i] = new double[k];
        Parallel.For(0, k, i =>
        {
            correlation[i][i] = 1;
            for (var j = i + 1; j < k; j++) correlation[i][j] = PairwiseCorrelation(scores[i], scores[j]);
        });
        var shrink = latent.Select((name, i) => i < marginals.Count
            ? marginals[i].Kind == MarginalKind.Continuous ? 1 : Attenuation(marginals[i].Probabilities)
            : Attenuation([1 - marginals.First(m => m.Column + MissingSuffix == name).MissingShare,
                marginals.First(m => m.Column + MissingSuffix == name).MissingShare])).ToArray();
        for (var i = 0; i < k; i++)
            for (var j = i + 1; j < k; j++) correlation[i][j] = Math.Clamp(correlation[i][j] / (shrink[i] * shrink[j]), -0.999, 0.999);
        for (var i = 0; i < k; i++)
            for (var j = 0; j < i; j++) correlation[i][j] = correlation[j][i];
        return correlation;
    }

    /// <summary>
    /// A copy with some marginals replaced (e.g. by published population shares); the dependence is kept. A column
    /// that had no missing values when fitted but gets a missing share here has it drawn independently.
    /// </summary>
    public GaussianCopula WithMarginals(IEnumerable<Marginal> replacements)
    {
        var byName = replacements.ToDictionary(m => m.Column);
        foreach (var name in byName.Keys)
            if (Marginals.All(m => m.Column != name)) throw new ArgumentException($"The copula has no column '{name}'.");
        return new GaussianCopula(Marginals.Select(m => byName.TryGetValue(m.Column, out var r) ? r : m).ToArray(), LatentColumns, Correlation);
    }

    /// <summary>
    /// A copy with one more column that depends on the others only through <paramref name="parent"/>, with latent
    /// correlation <paramref name="correlation"/> to it (for a variable observed only beside its parent).
    /// </summary>
    public GaussianCopula WithChild(Marginal child, string parent, double correlation)
    {
        if (Marginals.Any(m => m.Column == child.Column)) throw new ArgumentException($"The copula already has a column '{child.Column}'.");
        var p = LatentColumns.ToList().IndexOf(parent);
        if (p < 0) throw new ArgumentException($"The copula has no column '{parent}'.");
        if (correlation is <= -1 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(correlation), correlation, "A correlation must be strictly between −1 and 1.");
        var k = LatentColumns.Count;
        var grown = Enumerable.Range(0, k + 1).Select(i => Enumerable.Range(0, k + 1).Select(j =>
            i < k && j < k ? Correlation[i][j] : i == j ? 1 : correlation * Correlation[i < k ? i : j][p]).ToArray()).ToArray();
        return new GaussianCopula([.. Marginals, child], [.. LatentColumns, child.Column], grown);
    }

    /// <summary>Draws <paramref name="rows"/> rows (deterministic for a seed), one nullable double column per marginal.</summary>
    public DataFrame Sample(int rows, int seed, IProgress<int>? progress = null)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Rows must not be negative.");
        var random = new Random(seed);
        var k = LatentColumns.Count;
        var columns = Marginals.Select(_ => new double?[rows]).ToArray();
        var latent = LatentColumns.ToList();
        var valueIndex = Marginals.Select(m => latent.IndexOf(m.Column)).ToArray();
        var missingIndex = Marginals.Select(m => latent.IndexOf(m.Column + MissingSuffix)).ToArray();
        var z = new double[k];
        var e = new double[k];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < k; i++) e[i] = Normal.Sample(random, 0, 1);
            for (var i = 0; i < k; i++)
            {
                var sum = 0.0;
                for (var j = 0; j <= i; j++) sum += cholesky[i, j] * e[j];
                z[i] = sum;
            }
            for (var c = 0; c < Marginals.Count; c++)
            {
                var m = Marginals[c];
                var missing = missingIndex[c] >= 0
                    ? Normal.CDF(0, 1, z[missingIndex[c]]) > 1 - m.MissingShare
                    : m.MissingShare > 0 && random.NextDouble() < m.MissingShare;
                columns[c][r] = missing ? null : m.Quantile(Math.Clamp(Normal.CDF(0, 1, z[valueIndex[c]]), 1e-12, 1 - 1e-12));
            }
            if (progress is not null && (r + 1) % 10_000 == 0) progress.Report(r + 1);
        }
        progress?.Report(rows);
        return new DataFrame(Marginals.Select((m, c) => (DataFrameColumn)new DoubleDataFrameColumn(m.Column, columns[c])));
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, Converters = { new JsonStringEnumConverter() } };

    /// <summary>Saves the fitted synthesizer as JSON (atomically).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>Loads a synthesizer written by <see cref="Save"/>.</summary>
    public static GaussianCopula Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>Reads a synthesizer from JSON text (<paramref name="source"/> names it in errors).</summary>
    public static GaussianCopula FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<GaussianCopula>(json, Json) ?? throw new InvalidDataException($"{source}: empty synthesizer file.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a saved Gaussian copula ({e.Message}).", e);
        }
    }

    /// <summary>
    /// corr(Z, s(Z)) for a standard normal Z cut into categories of the given probabilities, s being each category's
    /// normal score Φ⁻¹(mid-probability): how much the categories attenuate a correlation.
    /// </summary>
    private static double Attenuation(IReadOnlyList<double> probabilities)
    {
        double below = 0, covariance = 0, mean = 0, square = 0;
        foreach (var p in probabilities)
        {
            if (p <= 0) continue;
            var score = Normal.InvCDF(0, 1, Math.Clamp(below + p / 2, 1e-9, 1 - 1e-9));
            var lower = below <= 0 ? 0 : Normal.PDF(0, 1, Normal.InvCDF(0, 1, below));
            var upper = below + p >= 1 ? 0 : Normal.PDF(0, 1, Normal.InvCDF(0, 1, Math.Min(below + p, 1 - 1e-12)));
            covariance += score * (lower - upper);
            mean += p * score;
            square += p * score * score;
            below += p;
        }
        var variance = square - mean * mean;
        return variance <= 1e-12 ? 1 : Math.Clamp(covariance / Math.Sqrt(variance), 0.05, 1);
    }

    private static double Interpolate(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }

    /// <summary>Empirical mid-rank probability of a value among <paramref name="sorted"/> (ties share their mean rank).</summary>
    private static Func<double, double> MidRanks(double[] sorted) => value =>
    {
        var first = LowerBound(sorted, value);
        var last = UpperBound(sorted, value);
        return (first + last) / 2.0 / sorted.Length;
    };

    private static int LowerBound(double[] a, double v)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi) { var mid = (lo + hi) / 2; if (a[mid] < v) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private static int UpperBound(double[] a, double v)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi) { var mid = (lo + hi) / 2; if (a[mid] <= v) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private static double PairwiseCorrelation(double[] a, double[] b)
    {
        double n = 0, sa = 0, sb = 0;
        for (var i = 0; i < a.Length; i++)
            if (!double.IsNaN(a[i]) && !double.IsNaN(b[i])) { n++; sa += a[i]; sb += b[i]; }
        if (n < 3) return 0;
        double ma = sa / n, mb = sb / n, cab = 0, caa = 0, cbb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(a[i]) || double.IsNaN(b[i])) continue;
            var da = a[i] - ma;
            var db = b[i] - mb;
            cab += da * db; caa += da * da; cbb += db * db;
        }
        return caa == 0 || cbb == 0 ? 0 : cab / Math.Sqrt(caa * cbb);
    }

    /// <summary>The nearest valid correlation matrix: eigenvalues floored at a small positive value, unit diagonal restored.</summary>
    private static Matrix<double> Repair(Matrix<double> c)
    {
        var evd = c.Evd();
        var values = evd.EigenValues.Select(v => Math.Max(v.Real, 1e-6)).ToArray();
        var fixedMatrix = evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalArray(values) * evd.EigenVectors.Transpose();
        var scale = Enumerable.Range(0, c.RowCount).Select(i => 1 / Math.Sqrt(fixedMatrix[i, i])).ToArray();
        return Matrix<double>.Build.Dense(c.RowCount, c.ColumnCount, (i, j) => i == j ? 1 : fixedMatrix[i, j] * scale[i] * scale[j]);
    }
}
