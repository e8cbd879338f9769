namespace PopHealth.Modeling;

// The machinery behind TreeShap.Explain: what is computed once per call (Prepared) and each thread's walk (Walker).
public static partial class TreeShap
{
    /// <summary>Most numbers the leaf tables of one call may hold (64 MiB); trees beyond are walked.</summary>
    private const long TableBudget = 8L << 20;

    /// <summary>The trees with what every row needs: branch weights, leaf values in margin units, the base value, tables.</summary>
    private sealed class Prepared
    {
        public readonly TreeEnsemble Trees;
        /// <summary>Each node's share of its parent's cover (1 for roots).</summary>
        public readonly double[] Share;
        /// <summary>Leaf values scaled into margin units (the forest's 1/T and the link's Mul folded in).</summary>
        public readonly double[] LeafMargin;
        public readonly double BaseValue;
        public readonly int MaxDepth;
        /// <summary>
        /// The permutation-weight ratios EXTEND and UNWIND use, tabulated so the walk does no division: for a path of n
        /// elements (row n, stride <see cref="Stride"/>) and position j, Rise = (j+1)/n, Fall = (n−1−j)/n, Up = n/(j+1),
        /// Cold = n/(n−1−j).
        /// </summary>
        public readonly double[] Rise, Fall, Up, Cold;
        public readonly int Stride;
        /// <summary>Per tree (in root order): its leaf tables, or null when it is walked.</summary>
        public readonly LeafTables?[] Tables;

        public Prepared(TreeEnsemble trees, int tabulateUpTo)
        {
            if (trees.Cover is not { } cover)
                throw new InvalidOperationException("TreeSHAP needs the trees' cover: count it on the training rows (TreeEnsemble.CountCover) " +
                    "or load it (TreeCover.Load).");
            Trees = trees;
            Share = new double[trees.Nodes];
            LeafMargin = new double[trees.Nodes];
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
            Stride = MaxDepth + 2;
            (Rise, Fall, Up, Cold) = (new double[Stride * Stride], new double[Stride * Stride], new double[Stride * Stride],
                new double[Stride * Stride]);
            for (var length = 1; length < Stride; length++)
                for (var j = 0; j < length; j++)
                    (Rise[length * Stride + j], Fall[length * Stride + j], Up[length * Stride + j], Cold[length * Stride + j]) =
                        ((j + 1.0) / length, (length - 1.0 - j) / length, length / (j + 1.0), j < length - 1 ? length / (length - 1.0 - j) : 0);
            Tables = Tabulate(tabulateUpTo);
        }

        private LeafTables?[] Tabulate(int tabulateUpTo)
        {
            var tables = new LeafTables?[Trees.Trees];
            if (tabulateUpTo <= 0) return tables;
            var filler = new Walker(this);
            long used = 0;
            for (var t = 0; t < tables.Length; t++)
            {
                var leaves = LeafPaths(Trees.roots[t]);
                if (leaves.Any(l => l.Features.Length > Math.Min(tabulateUpTo, 20))) continue;
                var size = leaves.Sum(l => (1L << l.Features.Length) * l.Features.Length);
                if (used + size > TableBudget) continue;
                used += size;
                tables[t] = new LeafTables(Trees, leaves, filler);
            }
            return tables;
        }

        /// <summary>Each leaf of a tree with its path: the splits above it, and its distinct features with their zero fractions.</summary>
        private List<LeafPath> LeafPaths(int root)
        {
            var leaves = new List<LeafPath>();
            var splits = new List<(int Node, bool TrueSide)>();
            void Visit(int node)
            {
                if (Trees.rule[node] == SplitRule.Leaf)
                {
                    var features = splits.Select(s => Trees.feature[s.Node]).Distinct().ToArray();
                    // A feature split on twice weighs the leaf by the product of its shares (EXTEND after UNWIND does the same).
                    var zeros = features.Select(f => splits.Where(s => Trees.feature[s.Node] == f)
                        .Aggregate(1.0, (z, s) => z * Share[s.TrueSide ? Trees.whenTrue[s.Node] : Trees.whenFalse[s.Node]])).ToArray();
                    leaves.Add(new LeafPath(node, [.. splits], features, zeros));
                    return;
                }
                foreach (var side in new[] { true, false })
                {
                    splits.Add((node, side));
                    Visit(side ? Trees.whenTrue[node] : Trees.whenFalse[node]);
                    splits.RemoveAt(splits.Count - 1);
                }
            }
            Visit(root);
            return leaves;
        }
    }

    private sealed record LeafPath(int Leaf, (int Node, bool TrueSide)[] Splits, int[] Features, double[] Zeros);

    /// <summary>
    /// One tree's leaves with their contributions for every combination of followed path features (a bit per distinct
    /// feature; a row follows a feature when it satisfies all the path's splits on it), flattened for the row loop.
    /// </summary>
    private sealed class LeafTables
    {
        public readonly int[] SplitNodes;
        public readonly int[] PathStart, PathNode, PathBit;
        /// <summary>1 where the leaf lies under the split's true child, else 0.</summary>
        public readonly int[] PathTrue;
        public readonly int[] FeatureStart, Features;
        public readonly int[] TableStart;
        public readonly double[] Table;

        public LeafTables(TreeEnsemble trees, List<LeafPath> leaves, Walker filler)
        {
            SplitNodes = leaves.SelectMany(l => l.Splits.Select(s => s.Node)).Distinct().ToArray();
            PathStart = new int[leaves.Count + 1];
            FeatureStart = new int[leaves.Count + 1];
            TableStart = new int[leaves.Count + 1];
            for (var l = 0; l < leaves.Count; l++)
            {
                PathStart[l + 1] = PathStart[l] + leaves[l].Splits.Length;
                FeatureStart[l + 1] = FeatureStart[l] + leaves[l].Features.Length;
                TableStart[l + 1] = TableStart[l] + (1 << leaves[l].Features.Length) * leaves[l].Features.Length;
            }
            PathNode = leaves.SelectMany(l => l.Splits.Select(s => s.Node)).ToArray();
            PathTrue = leaves.SelectMany(l => l.Splits.Select(s => s.TrueSide ? 1 : 0)).ToArray();
            PathBit = leaves.SelectMany(l => l.Splits.Select(s => Array.IndexOf(l.Features, trees.feature[s.Node]))).ToArray();
            Features = leaves.SelectMany(l => l.Features).ToArray();
            Table = new double[TableStart[^1]];
            for (var l = 0; l < leaves.Count; l++) filler.Tabulate(leaves[l], Table.AsSpan(TableStart[l], TableStart[l + 1] - TableStart[l]));
        }

        public int Leaves => PathStart.Length - 1;
    }

    /// <summary>One element of a decision path: the split's feature, its zero and one fractions, and a permutation weight.</summary>
    private struct PathElement
    {
        public int Feature;
        public double Zero;
        public double One;
        public double Weight;
    }
}
