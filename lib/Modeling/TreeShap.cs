namespace PopHealth.Modeling;

/// <summary>Options for <see cref="TreeShap.Explain(TreeEnsemble, float[], int, int, ShapOptions?)"/>.</summary>
/// <param name="Threads">Threads to spread rows over (0 = all cores).</param>
public sealed record ShapOptions(int Threads = 0);

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
        if (contributions.Length != (long)rows * features) throw new ArgumentException($"{rows} rows × {features} features need {rows * (long)features} contributions, got {contributions.Length}.");
        (Rows, Features, BaseValue, Contributions, Scale) = (rows, features, baseValue, contributions, scale);
    }

    public int Rows { get; }
    public int Features { get; }
    /// <summary>The expected margin over the data the cover was counted on (or its probability, for <see cref="ShapScale.ProbabilityScaled"/>).</summary>
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
/// (cover 0) weighs its two children equally. Cost per row: O(trees × leaves × depth²).
/// </summary>
public static class TreeShap
{
    /// <summary>
    /// SHAP contributions of <paramref name="rows"/> row-major rows of <paramref name="width"/> floats (NaN = missing)
    /// on <paramref name="trees"/>, which must carry cover (<see cref="TreeEnsemble.WithCover"/>). Rows run in parallel.
    /// </summary>
    public static ShapValues Explain(TreeEnsemble trees, float[] buffer, int rows, int width, ShapOptions? options = null)
    {
        options ??= new ShapOptions();
        trees.CheckBuffer(buffer, rows, width);
        var prepared = new Prepared(trees);
        var contributions = new double[(long)rows * width];
        const int chunk = 256;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads > 0 ? options.Threads : -1 };
        Parallel.For(0, (rows + chunk - 1) / chunk, parallel, () => new Walker(prepared), (c, _, walker) =>
        {
            for (var r = c * chunk; r < Math.Min(rows, (c + 1) * chunk); r++) walker.Explain(buffer, r * width, contributions.AsSpan(r * width, width));
            return walker;
        }, _ => { });
        return new ShapValues(rows, width, prepared.BaseValue, contributions, ShapScale.LogOdds);
    }

    /// <summary><see cref="Explain(TreeEnsemble, float[], int, int, ShapOptions?)"/> over rows as arrays (e.g. <see cref="ModelMatrix.Rows"/>).</summary>
    public static ShapValues Explain(TreeEnsemble trees, IReadOnlyList<float[]> rows, ShapOptions? options = null)
    {
        var (buffer, width) = TreeEnsemble.Flatten(rows);
        return Explain(trees, buffer, rows.Count, rows.Count == 0 ? trees.Features : width, options);
    }

    /// <summary>The expected margin over the data the cover was counted on: the base value of every explanation.</summary>
    public static double BaseValue(TreeEnsemble trees) => new Prepared(trees).BaseValue;

    /// <summary>The trees with what every row needs: branch weights, leaf values in margin units, the base value.</summary>
    private sealed class Prepared
    {
        public readonly TreeEnsemble Trees;
        /// <summary>Each node's share of its parent's cover (1 for roots).</summary>
        public readonly double[] Share;
        /// <summary>Leaf values scaled into margin units (the forest's 1/T and the link's Mul folded in).</summary>
        public readonly double[] LeafMargin;
        public readonly double BaseValue;
        public readonly int MaxDepth;

        public Prepared(TreeEnsemble trees)
        {
            if (trees.Cover is not { } cover)
                throw new InvalidOperationException("TreeSHAP needs the trees' cover: count it on the training rows (TreeEnsemble.CountCover) or load it (TreeCover.Load).");
            Trees = trees;
            var n = trees.Nodes;
            Share = new double[n];
            LeafMargin = new double[n];
            var factor = trees.MarginScale / (trees.Average ? trees.Trees : 1);
            double expected = 0;
            foreach (var root in trees.roots)
            {
                Share[root] = 1;
                // Depth-first over the tree: (node, depth, product of shares from the root).
                var stack = new Stack<(int Node, int Depth, double Weight)>([(root, 0, 1.0)]);
                while (stack.TryPop(out var item))
                {
                    var (node, depth, weight) = item;
                    MaxDepth = Math.Max(MaxDepth, depth);
                    if (trees.rule[node] == SplitRule.Leaf)
                    {
                        LeafMargin[node] = factor * trees.leafValue[node];
                        expected += weight * LeafMargin[node];
                        continue;
                    }
                    var (t, f) = (trees.whenTrue[node], trees.whenFalse[node]);
                    (Share[t], Share[f]) = cover[node] > 0 ? (cover[t] / cover[node], cover[f] / cover[node]) : (0.5, 0.5);
                    stack.Push((t, depth + 1, weight * Share[t]));
                    stack.Push((f, depth + 1, weight * Share[f]));
                }
            }
            BaseValue = expected + trees.MarginScale * trees.BaseValue + trees.MarginOffset;
        }
    }
    /// <summary>
    /// One thread's walk of every tree for a row. The decision path m of Algorithm 2 is kept as parallel arrays
    /// (feature, zero fraction, one fraction, permutation weight); each recursion level copies its parent's path into the
    /// next segment of the buffers, so the parent's path is intact for its second child.
    /// </summary>
    private sealed class Walker
    {
        private readonly Prepared prepared;
        private readonly TreeEnsemble trees;
        private readonly int[] pathFeature;
        private readonly double[] zero, one, weight;
        private float[] buffer = [];
        private int offset;
        private double[] phi = [];

        public Walker(Prepared prepared)
        {
            this.prepared = prepared;
            trees = prepared.Trees;
            // Segment d holds at most d + 1 elements (the root's dummy plus one per split above).
            var size = (prepared.MaxDepth + 2) * (prepared.MaxDepth + 3) / 2;
            (pathFeature, zero, one, weight) = (new int[size], new double[size], new double[size], new double[size]);
        }

        public void Explain(float[] rows, int rowOffset, Span<double> contributions)
        {
            (buffer, offset) = (rows, rowOffset);
            if (phi.Length < contributions.Length) phi = new double[contributions.Length];
            Array.Clear(phi);
            foreach (var root in trees.roots) Recurse(root, 0, 0, 1, 1, -1);
            phi.AsSpan(0, contributions.Length).CopyTo(contributions);
        }

        /// <summary>RECURSE of Algorithm 2: the parent's path is [parentStart, parentStart + parentLength).</summary>
        private void Recurse(int node, int parentStart, int parentLength, double zeroFraction, double oneFraction, int splitFeature)
        {
            var start = parentStart + parentLength;
            Array.Copy(pathFeature, parentStart, pathFeature, start, parentLength);
            Array.Copy(zero, parentStart, zero, start, parentLength);
            Array.Copy(one, parentStart, one, start, parentLength);
            Array.Copy(weight, parentStart, weight, start, parentLength);
            Extend(start, parentLength, zeroFraction, oneFraction, splitFeature);
            var length = parentLength + 1;
            if (trees.rule[node] == SplitRule.Leaf)
            {
                var value = prepared.LeafMargin[node];
                for (var i = 1; i < length; i++)
                    phi[pathFeature[start + i]] += UnwoundSum(start, length, i) * (one[start + i] - zero[start + i]) * value;
                return;
            }
            var feature = trees.feature[node];
            var hot = trees.Next(node, buffer[offset + feature]);
            var cold = hot == trees.whenTrue[node] ? trees.whenFalse[node] : trees.whenTrue[node];
            // A feature met again on the path: undo its earlier split and carry its fractions into this one.
            double incomingZero = 1, incomingOne = 1;
            for (var k = 1; k < length; k++)
            {
                if (pathFeature[start + k] != feature) continue;
                (incomingZero, incomingOne) = (zero[start + k], one[start + k]);
                Unwind(start, length, k);
                length--;
                break;
            }
            var hotZero = incomingZero * prepared.Share[hot];
            var coldZero = incomingZero * prepared.Share[cold];
            // A branch with both fractions zero adds nothing (and would divide by zero when unwound).
            if (hotZero != 0 || incomingOne != 0) Recurse(hot, start, length, hotZero, incomingOne, feature);
            if (coldZero != 0) Recurse(cold, start, length, coldZero, 0, feature);
        }

        /// <summary>EXTEND: adds a split to the path of <paramref name="length"/> elements at <paramref name="start"/>.</summary>
        private void Extend(int start, int length, double zeroFraction, double oneFraction, int splitFeature)
        {
            pathFeature[start + length] = splitFeature;
            zero[start + length] = zeroFraction;
            one[start + length] = oneFraction;
            weight[start + length] = length == 0 ? 1 : 0;
            for (var i = length - 1; i >= 0; i--)
            {
                weight[start + i + 1] += oneFraction * weight[start + i] * (i + 1) / (length + 1);
                weight[start + i] = zeroFraction * weight[start + i] * (length - i) / (length + 1);
            }
        }

        /// <summary>UNWIND: removes element <paramref name="index"/> from the path, undoing its EXTEND on the weights.</summary>
        private void Unwind(int start, int length, int index)
        {
            var last = length - 1;
            var (o, z) = (one[start + index], zero[start + index]);
            var next = weight[start + last];
            for (var j = last - 1; j >= 0; j--)
            {
                if (o != 0)
                {
                    var previous = weight[start + j];
                    weight[start + j] = next * (last + 1) / ((j + 1) * o);
                    next = previous - weight[start + j] * z * (last - j) / (last + 1);
                }
                else weight[start + j] = weight[start + j] * (last + 1) / (z * (last - j));
            }
            for (var j = index; j < last; j++)
                (pathFeature[start + j], zero[start + j], one[start + j]) = (pathFeature[start + j + 1], zero[start + j + 1], one[start + j + 1]);
        }

        /// <summary>The sum of the weights UNWIND would leave for element <paramref name="index"/>, without changing the path.</summary>
        private double UnwoundSum(int start, int length, int index)
        {
            var last = length - 1;
            var (o, z) = (one[start + index], zero[start + index]);
            double total = 0;
            if (o != 0)
            {
                var next = weight[start + last];
                for (var j = last - 1; j >= 0; j--)
                {
                    var w = next * (last + 1) / ((j + 1) * o);
                    total += w;
                    next = weight[start + j] - w * z * (last - j) / (last + 1);
                }
            }
            else
                for (var j = last - 1; j >= 0; j--) total += weight[start + j] * (last + 1) / (z * (last - j));
            return total;
        }
    }
}
