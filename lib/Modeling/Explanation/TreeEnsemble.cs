using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace PopHealth.Modeling;

/// <summary>How a split node compares its feature with its threshold (the ONNX TreeEnsemble branch modes).</summary>
public enum SplitRule : byte
{
    Leaf,
    LessOrEqual,
    Less,
    GreaterOrEqual,
    Greater,
}

/// <summary>One step from the trees' output to the probability: multiply or add a constant, or the logistic sigmoid.</summary>
public enum LinkOp : byte
{
    Multiply,
    Add,
    Sigmoid,
}

/// <summary>
/// A binary classifier's tree ensemble as flat node arrays, with the link from the trees' output to the probability:
/// <c>output = (sum or mean of the trees' leaf values) + BaseValue</c>, then <see cref="Link"/> in order (as ML.NET
/// exports LightGbm, FastTree and FastForest + Platt: scalar Mul/Add, then Sigmoid). The <b>margin</b> is the value the
/// first sigmoid takes (the log-odds of the model's probability), an affine map of the output: explanations live there.
/// Node i splits on <c>Feature[i]</c> by <c>Rule[i]</c> against <c>Threshold[i]</c>; a missing value (NaN) goes to the
/// true child when <c>MissingGoesTrue[i]</c>. <c>Cover</c> (rows reaching each node) is what TreeSHAP weighs
/// branches by; see <see cref="CountCover(float[], int, int)"/>.
/// </summary>
public sealed class TreeEnsemble
{
    internal readonly int[] roots;
    internal readonly int[] feature;
    internal readonly float[] threshold;
    internal readonly SplitRule[] rule;
    internal readonly bool[] missingTrue;
    internal readonly int[] whenTrue;
    internal readonly int[] whenFalse;
    internal readonly double[] leafValue;
    private readonly LinkStep[] link;
    private readonly Lazy<TreeBlocks?> blocks;

    /// <param name="roots">The root node of each tree.</param>
    /// <param name="whenTrue">Each split's child when the comparison holds (-1 for leaves); <paramref name="whenFalse"/> likewise.</param>
    /// <param name="leafValue">Each leaf's value (ignored for splits).</param>
    /// <param name="average">True when the trees' values are averaged (a forest), false when summed (boosting).</param>
    /// <param name="cover">Rows reaching each node (null: not known yet).</param>
    public TreeEnsemble(int[] roots, int[] feature, float[] threshold, SplitRule[] rule, bool[] missingGoesTrue, int[] whenTrue, int[] whenFalse,
        double[] leafValue, double baseValue, bool average, IReadOnlyList<LinkStep> link, double[]? cover = null)
    {
        var n = feature.Length;
        if (new[] { threshold.Length, rule.Length, missingGoesTrue.Length, whenTrue.Length, whenFalse.Length, leafValue.Length }.Any(l => l != n))
            throw new ArgumentException($"Tree ensemble: every node array needs one entry per node ({n}).");
        for (var i = 0; i < n; i++)
            if (rule[i] != SplitRule.Leaf && ((uint)whenTrue[i] >= n || (uint)whenFalse[i] >= n || feature[i] < 0))
                throw new ArgumentException($"Tree ensemble: split node {i} has a child outside the {n} nodes or a negative feature.");
        if (roots.Length == 0 || roots.Any(r => (uint)r >= n))
            throw new ArgumentException("Tree ensemble: needs at least one tree, with roots among its nodes.");
        (this.roots, this.feature, this.threshold, this.rule, missingTrue, this.whenTrue, this.whenFalse, this.leafValue) =
            (roots, feature, threshold, rule, missingGoesTrue, whenTrue, whenFalse, leafValue);
        this.link = link.ToArray();
        BaseValue = baseValue;
        Average = average;
        Features = Enumerable.Range(0, n).Where(i => rule[i] != SplitRule.Leaf).Select(i => feature[i] + 1).DefaultIfEmpty(0).Max();
        (MarginScale, MarginOffset) = MarginMap(this.link);
        if (cover is not null) CheckCover(cover);
        Cover = cover;
        blocks = new(() => TreeBlocks.For(this));
    }

    public int Trees => roots.Length;
    public int Nodes => feature.Length;
    /// <summary>The number of input features the trees read (the highest feature index + 1).</summary>
    public int Features { get; }
    public double BaseValue { get; }
    public bool Average { get; }
    public IReadOnlyList<LinkStep> Link => link;
    public IReadOnlyList<int> Roots => roots;
    public IReadOnlyList<int> Feature => feature;
    public IReadOnlyList<float> Threshold => threshold;
    public IReadOnlyList<SplitRule> Rule => rule;
    public IReadOnlyList<bool> MissingGoesTrue => missingTrue;
    public IReadOnlyList<int> WhenTrue => whenTrue;
    public IReadOnlyList<int> WhenFalse => whenFalse;
    public IReadOnlyList<double> LeafValue => leafValue;
    /// <summary>Rows (or weight) reaching each node, when known.</summary>
    public IReadOnlyList<double>? Cover { get; }
    /// <summary>margin = MarginScale × output + MarginOffset (the link's Mul/Add steps before the first sigmoid).</summary>
    public double MarginScale { get; }
    public double MarginOffset { get; }

    /// <summary>The same trees with <paramref name="cover"/> (one entry per node, non-negative) for explanations.</summary>
    public TreeEnsemble WithCover(double[] cover) =>
        new(roots, feature, threshold, rule, missingTrue, whenTrue, whenFalse, leafValue, BaseValue, Average, link, cover);

    /// <summary>The child a value <paramref name="x"/> of the node's feature goes to (NaN = missing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int node, float x) => GoesTrue(node, x) ? whenTrue[node] : whenFalse[node];

    /// <summary>Whether split <paramref name="node"/> sends a value <paramref name="x"/> of its feature to its true child.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool GoesTrue(int node, float x)
    {
        var t = threshold[node];
        return float.IsNaN(x) ? missingTrue[node] : rule[node] switch
        {
            SplitRule.LessOrEqual => x <= t, SplitRule.Less => x < t, SplitRule.GreaterOrEqual => x >= t, _ => x > t,
        };
    }

    /// <summary>The trees' output for one row, in double precision: aggregated leaf values plus the base value.</summary>
    internal double Output(float[] buffer, int offset)
    {
        // The scorer's hot loop: arrays in locals, routing written out (as Next does it).
        var (rule, feature, threshold, missingTrue, whenTrue, whenFalse) = (this.rule, this.feature, this.threshold, this.missingTrue, this.whenTrue,
            this.whenFalse);
        double sum = 0;
        foreach (var root in roots)
        {
            var node = root;
            while (rule[node] != SplitRule.Leaf)
            {
                var (x, t) = (buffer[offset + feature[node]], threshold[node]);
                var goTrue = float.IsNaN(x) ? missingTrue[node] : rule[node] switch
                {
                    SplitRule.LessOrEqual => x <= t, SplitRule.Less => x < t, SplitRule.GreaterOrEqual => x >= t, _ => x > t,
                };
                node = goTrue ? whenTrue[node] : whenFalse[node];
            }
            sum += leafValue[node];
        }
        return (Average ? sum / roots.Length : sum) + BaseValue;
    }

    /// <summary>
    /// Margins (log-odds before the sigmoid, double precision) of <paramref name="rows"/> row-major rows of
    /// <paramref name="width"/> floats.
    /// </summary>
    public double[] Margins(float[] buffer, int rows, int width)
    {
        var result = new double[rows];
        ForEachOutput(buffer, rows, width, (r, output) => result[r] = MarginScale * output + MarginOffset);
        return result;
    }

    /// <summary>
    /// Probabilities of <paramref name="rows"/> row-major rows of <paramref name="width"/> floats (NaN = missing), in parallel.
    /// The link runs in single precision as ONNX Runtime does, so results agree with it to the last bits.
    /// </summary>
    public float[] Probabilities(float[] buffer, int rows, int width)
    {
        var result = new float[rows];
        ForEachOutput(buffer, rows, width, (r, output) =>
        {
            var v = (float)output;
            foreach (var step in link)
                v = step.Op switch { LinkOp.Multiply => v * (float)step.Value, LinkOp.Add => v + (float)step.Value, _ => 1f / (1f + MathF.Exp(-v)) };
            result[r] = v;
        });
        return result;
    }

    /// <summary>
    /// The trees' output of every row, handed to <paramref name="use"/> with its row index, in parallel over chunks of rows:
    /// block by block where every split is "≤" (<see cref="TreeBlocks"/>), else row by row.
    /// </summary>
    private void ForEachOutput(float[] buffer, int rows, int width, Action<int, double> use)
    {
        CheckBuffer(buffer, rows, width);
        var layout = blocks.Value;
        const int chunkRows = 16 * TreeBlocks.BlockRows;
        Parallel.For(0, (rows + chunkRows - 1) / chunkRows, chunk =>
            OutputsOfChunk(layout, buffer, width, chunk * chunkRows, Math.Min(rows, (chunk + 1) * chunkRows), use));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OutputsOfChunk(TreeBlocks? layout, float[] buffer, int width, int first, int end, Action<int, double> use)
    {
        if (layout is null) { for (var r = first; r < end; r++) use(r, Output(buffer, r * width)); return; }
        Span<double> outputs = stackalloc double[TreeBlocks.BlockRows];
        for (var start = first; start < end; start += TreeBlocks.BlockRows)
        {
            var count = Math.Min(TreeBlocks.BlockRows, end - start);
            layout.Outputs(buffer, width, start, count, outputs);
            for (var r = 0; r < count; r++) use(start + r, outputs[r]);
        }
    }

    /// <summary>
    /// How a batch of rows is scored: "blocks" ("≤" trees walked level by level in blocks of rows, see <see cref="TreeBlocks"/>)
    /// or "row by row" (other rules). Both give the same outputs, bit for bit.
    /// </summary>
    public string Layout => blocks.Value is null ? "row by row" : "blocks";

    /// <summary>The probability of a margin (the link from the first sigmoid on, in double precision).</summary>
    public double ProbabilityOfMargin(double margin)
    {
        var first = Array.FindIndex(link, s => s.Op == LinkOp.Sigmoid);
        if (first < 0) return margin;
        var v = margin;
        foreach (var step in link.Skip(first))
            v = step.Op switch { LinkOp.Multiply => v * step.Value, LinkOp.Add => v + step.Value, _ => 1 / (1 + Math.Exp(-v)) };
        return v;
    }

    /// <summary>
    /// Cover counted exactly: how many of <paramref name="rows"/> training rows (row-major, <paramref name="width"/> floats,
    /// NaN = missing) reach each node, routed as the model routes them. Pass the rows the model was trained on.
    /// </summary>
    public double[] CountCover(float[] buffer, int rows, int width)
    {
        CheckBuffer(buffer, rows, width);
        var cover = new double[Nodes];
        var gate = new object();
        Parallel.For(0, (rows + 4095) / 4096, () => new double[Nodes], (chunk, _, local) =>
        {
            for (var r = chunk * 4096; r < Math.Min(rows, (chunk + 1) * 4096); r++)
                foreach (var root in roots)
                {
                    var node = root;
                    local[node]++;
                    while (rule[node] != SplitRule.Leaf) local[node = Next(node, buffer[r * width + feature[node]])]++;
                }
            return local;
        }, local => { lock (gate) for (var i = 0; i < cover.Length; i++) cover[i] += local[i]; });
        return cover;
    }

    /// <summary><see cref="CountCover(float[], int, int)"/> over rows as arrays (e.g. <see cref="ModelMatrix.Rows"/>).</summary>
    public double[] CountCover(IReadOnlyList<float[]> rows)
    {
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        return CountCover(buffer, rows.Count, width);
    }

    /// <summary>
    /// A digest of the trees' structure and values (not cover), so that cover saved beside a model can be checked
    /// against the trees it was counted on.
    /// </summary>
    public string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add<T>(T[] values) where T : struct => hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        Add(roots); Add(feature); Add(threshold); Add(rule); Add(missingTrue); Add(whenTrue); Add(whenFalse); Add(leafValue);
        Add([BaseValue, Average ? 1.0 : 0.0]);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal void CheckBuffer(float[] buffer, int rows, int width)
    {
        if (rows < 0 || width < Features || (long)rows * width > buffer.Length)
            throw new ArgumentException($"The trees read {Features} features; got {rows} rows of {width} values in a buffer of {buffer.Length}.");
    }

    private void CheckCover(double[] cover)
    {
        if (cover.Length != Nodes)
            throw new ArgumentException($"Cover has {cover.Length} entries for {Nodes} nodes: count it on these trees (CountCover).");
        if (cover.Any(c => !(c >= 0) || double.IsInfinity(c))) throw new ArgumentException("Cover must be finite and non-negative at every node.");
    }

    private static (double Scale, double Offset) MarginMap(LinkStep[] link)
    {
        double scale = 1, offset = 0;
        foreach (var step in link.TakeWhile(s => s.Op != LinkOp.Sigmoid))
            (scale, offset) = step.Op == LinkOp.Multiply ? (scale * step.Value, offset * step.Value) : (scale, offset + step.Value);
        return (scale, offset);
    }
}

/// <summary>One step of a <see cref="TreeEnsemble"/>'s link (the constant is unused for the sigmoid).</summary>
public readonly record struct LinkStep(LinkOp Op, double Value = 0);
