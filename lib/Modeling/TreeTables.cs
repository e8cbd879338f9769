using System.Runtime.CompilerServices;

namespace PopHealth.Modeling;

/// <summary>
/// A <see cref="TreeEnsemble"/> of small "≤" trees (ML.NET's LightGbm and FastTree of limited depth) turned into one
/// lookup table per tree. Each feature's thresholds, over all trees, are sorted once; a value's <b>bin</b> is how many
/// of them lie below it (NaN has a bin of its own), so x ≤ threshold k exactly when bin ≤ k. Within a tree, a feature's
/// bins fall into the few ranges its own thresholds make, and the tree's leaf depends only on those ranges: the table
/// holds the leaf for every combination (NaN routed as each split routes it), one byte per cell. A row then costs one
/// binary search per feature, and per tree a few independent loads instead of a walk down its levels. Outputs equal
/// <see cref="TreeEnsemble"/>'s bit for bit: the same leaves, added in tree order.
/// </summary>
internal sealed class TreeTables
{
    /// <summary>Largest table one tree may have (cells = product over its features of their ranges + 1 for NaN), and all trees together.</summary>
    public const int MaxCells = 1 << 16, MaxTotalCells = 1 << 22;

    private readonly float[][] thresholds;   // per feature: sorted distinct thresholds over all trees
    private readonly int[] featureOfTerm;    // per tree, its features (flattened; tree t uses terms [termStart[t], termStart[t + 1]))
    private readonly int[][] offsetOfBin;    // per term: bin → offset into the tree's table (range index × stride)
    private readonly int[] termStart;
    private readonly byte[][] table;         // per tree: its leaf per cell
    private readonly double[][] leafValue;   // per tree: the value of each of its leaves
    private readonly double baseValue;
    private readonly bool average;

    private TreeTables(float[][] thresholds, int[] featureOfTerm, int[][] offsetOfBin, int[] termStart, byte[][] table, double[][] leafValue, TreeEnsemble trees)
    {
        (this.thresholds, this.featureOfTerm, this.offsetOfBin, this.termStart, this.table, this.leafValue) = (thresholds, featureOfTerm, offsetOfBin, termStart, table, leafValue);
        (baseValue, average) = (trees.BaseValue, trees.Average);
    }

    /// <summary>The tables of <paramref name="trees"/>, or null when a split is not "≤" or a tree's table would exceed <see cref="MaxCells"/>.</summary>
    public static TreeTables? For(TreeEnsemble trees)
    {
        if (Enumerable.Range(0, trees.Nodes).Any(i => trees.rule[i] is not (SplitRule.Leaf or SplitRule.LessOrEqual) || trees.rule[i] != SplitRule.Leaf && float.IsNaN(trees.threshold[i])))
            return null;
        var thresholds = Enumerable.Range(0, trees.Features).Select(f => Enumerable.Range(0, trees.Nodes)
            .Where(i => trees.rule[i] != SplitRule.Leaf && trees.feature[i] == f).Select(i => trees.threshold[i]).Distinct().Order().ToArray()).ToArray();
        var (features, offsets, starts) = (new List<int>(), new List<int[]>(), new List<int> { 0 });
        var (tables, leaves, total) = (new byte[trees.Trees][], new double[trees.Trees][], 0L);
        for (var t = 0; t < trees.Trees; t++)
        {
            if (Tree.Build(trees, trees.roots[t], thresholds) is not { } tree || (total += tree.Table.Length) > MaxTotalCells) return null;
            features.AddRange(tree.Features);
            offsets.AddRange(tree.OffsetOfBin);
            starts.Add(features.Count);
            (tables[t], leaves[t]) = (tree.Table, tree.LeafValue);
        }
        return new TreeTables(thresholds, [.. features], [.. offsets], [.. starts], tables, leaves, trees);
    }

    /// <summary>
    /// The trees' output (aggregated leaf values plus the base value) of <paramref name="count"/> ≤ <see cref="TreeBlocks.BlockRows"/>
    /// row-major rows of <paramref name="width"/> floats starting at row <paramref name="start"/>, into <paramref name="output"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot, and a scoring process is short: no slow first tier
    public void Outputs(float[] buffer, int width, int start, int count, Span<double> output)
    {
        const int rows = TreeBlocks.BlockRows;
        var bins = System.Buffers.ArrayPool<int>.Shared.Rent(thresholds.Length * rows);
        try
        {
            for (var f = 0; f < thresholds.Length; f++)
                if (thresholds[f].Length > 0) Bins(buffer, width, start, count, f, bins.AsSpan(f * rows, count));
            Span<int> cell = stackalloc int[rows];
            cell = cell[..count];
            output = output[..count];
            output.Clear();
            for (var t = 0; t < table.Length; t++)
            {
                cell.Clear();
                for (var term = termStart[t]; term < termStart[t + 1]; term++)
                {
                    var offsets = offsetOfBin[term];
                    var feature = bins.AsSpan(featureOfTerm[term] * rows, count);
                    for (var r = 0; r < count; r++) cell[r] += offsets[feature[r]];
                }
                var (leaf, values) = (table[t], leafValue[t]);
                for (var r = 0; r < count; r++) output[r] += values[leaf[cell[r]]];
            }
            for (var r = 0; r < count; r++) output[r] = (average ? output[r] / table.Length : output[r]) + baseValue;
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(bins);
        }
    }

    /// <summary>Feature <paramref name="f"/>'s bin for each row: how many of its thresholds lie below the value (NaN: one past the last).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Bins(float[] buffer, int width, int start, int count, int f, Span<int> bins)
    {
        var sorted = thresholds[f];
        for (var r = 0; r < count; r++)
        {
            var x = buffer[(start + r) * width + f];
            if (float.IsNaN(x)) { bins[r] = sorted.Length + 1; continue; }
            var (low, high) = (0, sorted.Length);
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (sorted[middle] < x) low = middle + 1;
                else high = middle;
            }
            bins[r] = low;
        }
    }

    /// <summary>One tree's table: its features, each feature's bin → offset, its leaf per cell, and its leaves' values.</summary>
    private sealed record Tree(int[] Features, int[][] OffsetOfBin, byte[] Table, double[] LeafValue)
    {
        public static Tree? Build(TreeEnsemble trees, int root, float[][] thresholds)
        {
            // The tree's own thresholds per feature, as indices into the feature's sorted thresholds.
            var own = new SortedDictionary<int, SortedSet<int>>();
            var stack = new Stack<(int Node, int Depth)>([(root, 0)]);
            while (stack.TryPop(out var at))
            {
                if (at.Depth > 64 || own.Count > 16) return null; // too deep (or cyclic) for a table
                if (trees.rule[at.Node] == SplitRule.Leaf) continue;
                var f = trees.feature[at.Node];
                (own.TryGetValue(f, out var set) ? set : own[f] = []).Add(Array.BinarySearch(thresholds[f], trees.threshold[at.Node]));
                stack.Push((trees.whenTrue[at.Node], at.Depth + 1));
                stack.Push((trees.whenFalse[at.Node], at.Depth + 1));
            }
            long cells = 1;
            foreach (var set in own.Values) cells *= set.Count + 2; // ranges between thresholds, and NaN
            if (cells > MaxCells) return null;
            var features = own.Keys.ToArray();
            var strides = new int[features.Length];
            for (int j = 0, stride = 1; j < features.Length; stride *= own[features[j]].Count + 2, j++) strides[j] = stride;
            var offsetOfBin = features.Select((f, j) => RangeOffsets(thresholds[f].Length, own[f].ToArray(), strides[j])).ToArray();
            var (table, leaves) = Cells(trees, root, thresholds, features, own, strides, (int)cells);
            return leaves.Count > 256 ? null : new Tree(features, offsetOfBin, table, leaves.Select(l => trees.leafValue[l]).ToArray());
        }

        /// <summary>For each bin of a feature (0 … its thresholds, then NaN): its range among the tree's thresholds, times the stride.</summary>
        private static int[] RangeOffsets(int thresholdCount, int[] own, int stride)
        {
            var offsets = new int[thresholdCount + 2];
            for (var bin = 0; bin <= thresholdCount; bin++) offsets[bin] = own.Count(k => k < bin) * stride;
            offsets[thresholdCount + 1] = (own.Length + 1) * stride; // NaN: the range after the last
            return offsets;
        }

        /// <summary>The leaf of every cell (the tree walked with each feature in that cell's range, or NaN), as an index into the leaves reached.</summary>
        private static (byte[] Table, List<int> Leaves) Cells(TreeEnsemble trees, int root, float[][] thresholds, int[] features, SortedDictionary<int, SortedSet<int>> own, int[] strides, int cells)
        {
            var ownSorted = features.Select(f => own[f].ToArray()).ToArray();
            var (result, leaves, slot) = (new byte[cells], new List<int>(), new Dictionary<int, int>());
            // Each split's feature (its position j in the table) and threshold (its position k among the tree's own).
            var (position, rank) = (new Dictionary<int, int>(), new Dictionary<int, int>());
            for (var j = 0; j < features.Length; j++) position[features[j]] = j;
            for (var cell = 0; cell < cells; cell++)
            {
                var node = root;
                while (trees.rule[node] != SplitRule.Leaf)
                {
                    var j = position[trees.feature[node]];
                    if (!rank.TryGetValue(node, out var k))
                        rank[node] = k = Array.IndexOf(ownSorted[j], Array.BinarySearch(thresholds[trees.feature[node]], trees.threshold[node]));
                    var range = cell / strides[j] % (ownSorted[j].Length + 2);
                    // Range r holds values above the tree's first r thresholds: x ≤ its k-th threshold exactly when r ≤ k.
                    var goTrue = range == ownSorted[j].Length + 1 ? trees.missingTrue[node] : range <= k;
                    node = goTrue ? trees.whenTrue[node] : trees.whenFalse[node];
                }
                if (!slot.TryGetValue(node, out var index)) { slot[node] = index = leaves.Count; leaves.Add(node); }
                result[cell] = (byte)index; // more than 256 leaves: the tree is not tabled (checked by the caller)
            }
            return (result, leaves);
        }
    }
}
