namespace PopHealth.Modeling;

public static partial class TreeShap
{
    /// <summary>
    /// One thread's explanation of rows, tree by tree: from a tree's leaf tables when it has them, else by walking it
    /// (RECURSE of Algorithm 2). Each recursion level copies its parent's decision path (m in the paper) into the next
    /// segment of one buffer, so the parent's path is intact for its second child.
    /// </summary>
    private sealed class Walker
    {
        private readonly Prepared prepared;
        private readonly TreeEnsemble trees;
        private readonly PathElement[] path;
        // The path elements a row follows at the current leaf (one fraction 1): position, zero fraction, unwinding state.
        private readonly int[] followedAt;
        private readonly double[] followedZero, followedNext, followedTotal;
        // 1 where a split node sends the current row to its true child, else 0 (tabulated trees).
        private readonly int[] goesTrue;
        private float[] buffer = [];
        private int offset;
        private double[] phi;

        public Walker(Prepared prepared)
        {
            this.prepared = prepared;
            trees = prepared.Trees;
            // Segment d holds at most d + 1 elements (the root's dummy plus one per split above).
            path = new PathElement[(prepared.MaxDepth + 2) * (prepared.MaxDepth + 3) / 2];
            followedAt = new int[prepared.MaxDepth + 2];
            (followedZero, followedNext, followedTotal) = (new double[prepared.MaxDepth + 2], new double[prepared.MaxDepth + 2],
                new double[prepared.MaxDepth + 2]);
            goesTrue = new int[trees.Nodes];
            phi = new double[trees.Features];
        }

        public void Explain(float[] rows, int rowOffset, Span<double> contributions)
        {
            (buffer, offset) = (rows, rowOffset);
            if (phi.Length < contributions.Length) phi = new double[contributions.Length];
            Array.Clear(phi);
            for (var t = 0; t < trees.roots.Length; t++)
            {
                if (prepared.Tables[t] is { } tables) AddFromTables(tables);
                else Recurse(trees.roots[t], 0, 0, 1, 1, -1);
            }
            phi.AsSpan(0, contributions.Length).CopyTo(contributions);
        }

        /// <summary>A tabulated tree: which features the row follows on each leaf's path picks that leaf's contributions.</summary>
        private void AddFromTables(LeafTables tables)
        {
            foreach (var node in tables.SplitNodes) goesTrue[node] = trees.GoesTrue(node, buffer[offset + trees.feature[node]]) ? 1 : 0;
            var (pathNode, pathTrue, pathBit, table, features) = (tables.PathNode, tables.PathTrue, tables.PathBit, tables.Table, tables.Features);
            for (var leaf = 0; leaf < tables.Leaves; leaf++)
            {
                var (first, count) = (tables.FeatureStart[leaf], tables.FeatureStart[leaf + 1] - tables.FeatureStart[leaf]);
                var followed = (1 << count) - 1;
                // Branch-free: which side a row takes is data, and mispredicted branches would cost more than the table.
                for (var p = tables.PathStart[leaf]; p < tables.PathStart[leaf + 1]; p++)
                    followed &= ~((goesTrue[pathNode[p]] ^ pathTrue[p]) << pathBit[p]);
                var at = tables.TableStart[leaf] + followed * count;
                for (var k = 0; k < count; k++) phi[features[first + k]] += table[at + k];
            }
        }

        /// <summary>
        /// Fills one leaf's table: for each combination of followed features (bit k = the row follows feature k), the
        /// leaf's contribution to each of its path features, from a path built with EXTEND as the walk would build it.
        /// </summary>
        public void Tabulate(LeafPath leaf, Span<double> table)
        {
            var count = leaf.Features.Length;
            var value = prepared.LeafMargin[leaf.Leaf];
            for (var followed = 0; followed < 1 << count; followed++)
            {
                Extend(0, 0, 1, 1, -1);
                for (var k = 0; k < count; k++) Extend(0, k + 1, leaf.Zeros[k], followed >> k & 1, leaf.Features[k]);
                AddLeaf(0, count + 1, value);
                for (var k = 0; k < count; k++)
                {
                    table[followed * count + k] = phi[leaf.Features[k]];
                    phi[leaf.Features[k]] = 0;
                }
            }
        }

        /// <summary>RECURSE of Algorithm 2: the parent's path is [parentStart, parentStart + parentLength).</summary>
        private void Recurse(int node, int parentStart, int parentLength, double zeroFraction, double oneFraction, int splitFeature)
        {
            var start = parentStart + parentLength;
            for (var i = 0; i < parentLength; i++) path[start + i] = path[parentStart + i];
            Extend(start, parentLength, zeroFraction, oneFraction, splitFeature);
            var length = parentLength + 1;
            if (trees.rule[node] == SplitRule.Leaf)
            {
                AddLeaf(start, length, prepared.LeafMargin[node]);
                return;
            }
            var feature = trees.feature[node];
            var hot = trees.Next(node, buffer[offset + feature]);
            var cold = hot == trees.whenTrue[node] ? trees.whenFalse[node] : trees.whenTrue[node];
            // A feature met again on the path: undo its earlier split and carry its fractions into this one.
            double incomingZero = 1, incomingOne = 1;
            for (var k = 1; k < length; k++)
            {
                if (path[start + k].Feature != feature) continue;
                (incomingZero, incomingOne) = (path[start + k].Zero, path[start + k].One);
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
            path[start + length] = new PathElement { Feature = splitFeature, Zero = zeroFraction, One = oneFraction, Weight = length == 0 ? 1 : 0 };
            var row = (length + 1) * prepared.Stride;
            for (var i = length - 1; i >= 0; i--)
            {
                // One fractions are 0 or 1: the row either satisfies every split on this feature so far or not.
                if (oneFraction != 0) path[start + i + 1].Weight += path[start + i].Weight * prepared.Rise[row + i];
                path[start + i].Weight = zeroFraction * path[start + i].Weight * prepared.Fall[row + i];
            }
        }

        /// <summary>UNWIND: removes element <paramref name="index"/> from the path, undoing its EXTEND on the weights.</summary>
        private void Unwind(int start, int length, int index)
        {
            var last = length - 1;
            var row = length * prepared.Stride;
            var (o, z) = (path[start + index].One, path[start + index].Zero);
            var next = path[start + last].Weight;
            for (var j = last - 1; j >= 0; j--)
            {
                if (o != 0)
                {
                    var previous = path[start + j].Weight;
                    path[start + j].Weight = next * prepared.Up[row + j];
                    next = previous - path[start + j].Weight * z * prepared.Fall[row + j];
                }
                else path[start + j].Weight = path[start + j].Weight * prepared.Cold[row + j] / z;
            }
            // The weights stay by position (they count permutations); the splits shift down over the removed one.
            for (var j = index; j < last; j++)
                (path[start + j].Feature, path[start + j].Zero, path[start + j].One) = (path[start + j + 1].Feature, path[start + j + 1].Zero,
                    path[start + j + 1].One);
        }

        /// <summary>
        /// The leaf's share to each feature on the path: (one − zero) × value × the sum of the weights UNWIND would leave
        /// for its element. For elements the row does not follow (one = 0) that sum is Σ weight·Cold / zero, so their
        /// share is −value × Σ weight·Cold, the same for all; the others' unwinding recurrences are independent and run
        /// side by side in one pass over the path (they are latency-bound one at a time).
        /// </summary>
        private void AddLeaf(int start, int length, double value)
        {
            var last = length - 1;
            var row = length * prepared.Stride;
            var followed = 0;
            var coldShare = double.NaN;
            for (var i = 1; i < length; i++)
            {
                ref readonly var element = ref path[start + i];
                if (element.One != 0)
                {
                    (followedAt[followed], followedZero[followed], followedNext[followed], followedTotal[followed]) =
                        (i, element.Zero, path[start + last].Weight, 0);
                    followed++;
                    continue;
                }
                if (double.IsNaN(coldShare))
                {
                    coldShare = 0;
                    for (var j = last - 1; j >= 0; j--) coldShare += path[start + j].Weight * prepared.Cold[row + j];
                    coldShare *= -value;
                }
                phi[element.Feature] += coldShare;
            }
            for (var j = last - 1; j >= 0; j--)
            {
                var (weight, up, fall) = (path[start + j].Weight, prepared.Up[row + j], prepared.Fall[row + j]);
                for (var e = 0; e < followed; e++)
                {
                    var w = followedNext[e] * up;
                    followedTotal[e] += w;
                    followedNext[e] = weight - w * followedZero[e] * fall;
                }
            }
            for (var e = 0; e < followed; e++)
                phi[path[start + followedAt[e]].Feature] += followedTotal[e] * (1 - followedZero[e]) * value;
        }
    }
}
