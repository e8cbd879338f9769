namespace PopHealth.Modeling;

/// <summary>
/// A <see cref="TreeEnsemble"/> laid out for batch scoring when every split is "≤" (as ML.NET exports LightGbm, FastTree
/// and FastForest): rows are scored in blocks, one tree at a time and one level at a time, so the rows of a block walk
/// independently (the processor overlaps them) with no branch on the data. A leaf points to itself, so after a tree's
/// depth every row stands on its leaf. Each split takes its "≤" child when x ≤ threshold, its other child when
/// x &gt; threshold, and the child the ensemble names for a missing value when x is NaN (neither comparison holds).
/// Outputs equal <see cref="TreeEnsemble"/>'s row by row, bit for bit: the same comparisons, leaf values added in tree order.
/// </summary>
internal sealed class TreeBlocks
{
    public const int BlockRows = 256;

    private readonly int[] feature;
    private readonly float[] threshold;
    private readonly int[] children;      // 2 per node: [when ≤ (or the leaf itself), otherwise]
    private readonly int[] missingFalse;  // 1 when NaN goes to the "otherwise" child
    private readonly double[] leafValue;
    private readonly int[] roots;
    private readonly int[] depths;
    private readonly double baseValue;
    private readonly bool average;

    private TreeBlocks(TreeEnsemble trees)
    {
        var n = trees.Nodes;
        (feature, threshold, children, missingFalse, leafValue) = (new int[n], new float[n], new int[2 * n], new int[n], trees.leafValue);
        for (var i = 0; i < n; i++)
        {
            var leaf = trees.rule[i] == SplitRule.Leaf;
            feature[i] = leaf ? 0 : trees.feature[i];
            threshold[i] = leaf ? 0 : trees.threshold[i];
            children[2 * i] = leaf ? i : trees.whenTrue[i];
            children[2 * i + 1] = leaf ? i : trees.whenFalse[i];
            missingFalse[i] = trees.missingTrue[i] ? 0 : 1;
        }
        roots = trees.roots;
        depths = roots.Select(r => Depth(trees, r)).ToArray();
        (baseValue, average) = (trees.BaseValue, trees.Average);
    }

    /// <summary>The block layout of <paramref name="trees"/>, or null when a split is not "≤" (the ensemble then scores row by row).</summary>
    public static TreeBlocks? For(TreeEnsemble trees) =>
        trees.rule.All(r => r is SplitRule.Leaf or SplitRule.LessOrEqual) ? new TreeBlocks(trees) : null;

    private static int Depth(TreeEnsemble trees, int root)
    {
        var (deepest, stack) = (0, new Stack<(int Node, int Depth)>([(root, 0)]));
        while (stack.TryPop(out var at))
        {
            if (trees.rule[at.Node] == SplitRule.Leaf) { deepest = Math.Max(deepest, at.Depth); continue; }
            if (at.Depth > trees.Nodes) throw new ArgumentException("Tree ensemble: a tree has a cycle.");
            stack.Push((trees.whenTrue[at.Node], at.Depth + 1));
            stack.Push((trees.whenFalse[at.Node], at.Depth + 1));
        }
        return deepest;
    }

    /// <summary>
    /// The trees' output (aggregated leaf values plus the base value) of <paramref name="count"/> ≤ <see cref="BlockRows"/>
    /// row-major rows of <paramref name="width"/> floats starting at row <paramref name="start"/>, into <paramref name="output"/>.
    /// </summary>
    public void Outputs(float[] buffer, int width, int start, int count, Span<double> output)
    {
        Span<int> node = stackalloc int[BlockRows];
        node = node[..count];
        output = output[..count];
        output.Clear();
        var offset = start * width;
        for (var t = 0; t < roots.Length; t++)
        {
            node.Fill(roots[t]);
            for (var level = 0; level < depths[t]; level++) Step(buffer, width, offset, node);
            for (var r = 0; r < count; r++) output[r] += leafValue[node[r]];
        }
        for (var r = 0; r < count; r++) output[r] = (average ? output[r] / roots.Length : output[r]) + baseValue;
    }

    /// <summary>Moves every row of the block one level down its tree.</summary>
    private void Step(float[] buffer, int width, int offset, Span<int> node)
    {
        var (feature, threshold, children, missingFalse) = (this.feature, this.threshold, this.children, this.missingFalse);
        for (var r = 0; r < node.Length; r++)
        {
            var n = node[r];
            var x = buffer[offset + r * width + feature[n]];
            var t = threshold[n];
            // 0 = the "≤" child: x ≤ t, or NaN where missing values take that child; 1 = the other.
            var other = (x <= t ? 0 : 1) & ((x > t ? 1 : 0) | missingFalse[n]);
            node[r] = children[2 * n + other];
        }
    }
}
