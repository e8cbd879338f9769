using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PopHealth.Modeling;

/// <summary>
/// A <see cref="TreeEnsemble"/> laid out for batch scoring when every split is "≤" (as ML.NET exports LightGbm, FastTree
/// and FastForest): rows are scored in blocks, one tree at a time and one level at a time, so the rows of a block walk
/// independently (the processor overlaps them; with AVX2, eight rows per instruction) and no branch depends on the data.
/// Each node is one 8-byte entry — its feature, whether a missing value takes its second child, where its two children
/// sit (side by side), and its threshold — and a leaf points to itself with an infinite threshold, so after a tree's depth
/// every row stands on its leaf. A split takes its first ("≤") child when x ≤ threshold, its second when x &gt; threshold,
/// and for NaN (neither comparison holds) the child the ensemble names for a missing value.
/// Outputs equal <see cref="TreeEnsemble"/>'s row by row, bit for bit: the same comparisons, leaf values added in tree order.
/// </summary>
internal sealed class TreeBlocks
{
    public const int BlockRows = 256;
    private const int FeatureBits = 10, MaxNodes = 1 << (31 - FeatureBits - 1);

    [StructLayout(LayoutKind.Sequential)]
    private struct Node
    {
        public int Word;        // feature | missing takes the second child << FeatureBits | first child << (FeatureBits + 1)
        public float Threshold;
    }

    private readonly Node[] nodes;
    private readonly double[] leafValue;
    private readonly int[] roots;
    private readonly int[] depths;
    private readonly double baseValue;
    private readonly bool average;

    private TreeBlocks(Node[] nodes, double[] leafValue, int[] roots, int[] depths, TreeEnsemble trees)
    {
        (this.nodes, this.leafValue, this.roots, this.depths) = (nodes, leafValue, roots, depths);
        (baseValue, average) = (trees.BaseValue, trees.Average);
    }

    /// <summary>
    /// The block layout of <paramref name="trees"/>, or null when a split is not "≤" or the trees do not fit it (the
    /// ensemble then scores row by row).
    /// </summary>
    public static TreeBlocks? For(TreeEnsemble trees)
    {
        if (trees.Nodes >= MaxNodes || trees.Features > 1 << FeatureBits || trees.rule.Any(r => r is not (SplitRule.Leaf or SplitRule.LessOrEqual)))
            return null;
        var (nodes, leafValue) = (new Node[trees.Nodes], new double[trees.Nodes]);
        var (roots, depths) = (new int[trees.Trees], new int[trees.Trees]);
        var next = 0;
        for (var t = 0; t < trees.Trees; t++)
        {
            roots[t] = next++;
            if (!Place(trees, trees.roots[t], roots[t], ref next, nodes, leafValue, out depths[t])) return null;
        }
        return new TreeBlocks(nodes, leafValue, roots, depths, trees);
    }

    /// <summary>
    /// Lays out the tree under <paramref name="node"/> with its root at <paramref name="at"/> and each split's children
    /// side by side.
    /// </summary>
    private static bool Place(TreeEnsemble trees, int node, int at, ref int next, Node[] nodes, double[] leafValue, out int depth)
    {
        var queue = new Queue<(int Node, int At, int Depth)>([(node, at, 0)]);
        depth = 0;
        while (queue.TryDequeue(out var item))
        {
            var (source, target, level) = item;
            depth = Math.Max(depth, level);
            if (trees.rule[source] == SplitRule.Leaf)
            {
                nodes[target] = new Node { Word = target << (FeatureBits + 1), Threshold = float.PositiveInfinity };
                leafValue[target] = trees.leafValue[source];
                continue;
            }
            if (next + 2 > nodes.Length) return false; // a node reached twice: not a tree
            var first = next;
            next += 2;
            nodes[target] = new Node
            {
                Word = trees.feature[source] | (trees.missingTrue[source] ? 0 : 1) << FeatureBits | first << (FeatureBits + 1),
                Threshold = trees.threshold[source],
            };
            queue.Enqueue((trees.whenTrue[source], first, level + 1));
            queue.Enqueue((trees.whenFalse[source], first + 1, level + 1));
        }
        return true;
    }

    /// <summary>
    /// The trees' output (aggregated leaf values plus the base value) of <paramref name="count"/> ≤ <see cref="BlockRows"/>
    /// row-major rows of <paramref name="width"/> floats starting at row <paramref name="start"/>, into <paramref name="output"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, and a scoring process is short: no slow first tier
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
            for (var level = 0; level < depths[t]; level++)
                if (Avx2.IsSupported) StepEight(buffer, width, offset, node);
                else Step(buffer, width, offset, node, 0);
            for (var r = 0; r < count; r++) output[r] += leafValue[node[r]];
        }
        for (var r = 0; r < count; r++) output[r] = (average ? output[r] / roots.Length : output[r]) + baseValue;
    }

    /// <summary>Moves rows <paramref name="from"/> onwards of the block one level down their tree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Step(float[] buffer, int width, int offset, Span<int> node, int from)
    {
        ref var first = ref MemoryMarshal.GetArrayDataReference(nodes);
        for (var r = from; r < node.Length; r++)
        {
            var entry = Unsafe.Add(ref first, node[r]);
            var x = buffer[offset + r * width + (entry.Word & ((1 << FeatureBits) - 1))];
            var t = entry.Threshold;
            // 0 = the first ("≤") child: x ≤ t, or NaN where missing values take it; 1 = the second.
            var second = (x <= t ? 0 : 1) & ((x > t ? 1 : 0) | (entry.Word >> FeatureBits) & 1);
            node[r] = (entry.Word >>> (FeatureBits + 1)) + second;
        }
    }

    /// <summary><see cref="Step"/> eight rows at a time (AVX2 gathers), the remainder one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void StepEight(float[] buffer, int width, int offset, Span<int> node)
    {
        var eights = node.Length & ~7;
        fixed (Node* entries = nodes)
        fixed (float* values = buffer)
        fixed (int* at = node)
        {
            var (rows, featureMask, one) = (Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * width + Vector256.Create(offset),
                Vector256.Create((1 << FeatureBits) - 1), Vector256<int>.One);
            for (var r = 0; r < eights; r += 8)
            {
                var index = Avx.LoadVector256(at + r);
                var word = Avx2.GatherVector256((int*)entries, index, 8);
                var threshold = Avx2.GatherVector256((float*)entries + 1, index, 8);
                var x = Avx2.GatherVector256(values, rows + Vector256.Create(r * width) + (word & featureMask), 4);
                var atMost = Avx.CompareLessThanOrEqual(x, threshold).AsInt32();   // false for NaN
                var above = Avx.CompareGreaterThan(x, threshold).AsInt32();       // false for NaN
                var second = Vector256.AndNot(one, atMost) & ((above & one) | ((word >> FeatureBits) & one));
                Avx.Store(at + r, Vector256.ShiftRightLogical(word, FeatureBits + 1) + second);
            }
        }
        Step(buffer, width, offset, node, eights);
    }
}
