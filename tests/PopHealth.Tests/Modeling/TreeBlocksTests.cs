using PopHealth.Modeling;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// Every way a batch is scored — blocks walked level by level (eight rows per instruction where AVX2 is there), row by
/// row — gives each tree's own routing, bit for bit.
/// </summary>
[Trait("Category", "Unit")]
public class TreeBlocksTests
{
    /// <summary>
    /// The definition: walk every tree (NaN follows the missing direction), add leaf values in tree order, then the
    /// link in single precision.
    /// </summary>
    private static (double Margin, float Probability) Expected(TreeEnsemble trees, float[] row)
    {
        double sum = 0;
        foreach (var root in trees.Roots)
        {
            var node = root;
            while (trees.Rule[node] != SplitRule.Leaf) node = BruteForce.Route(trees, node, row);
            sum += trees.LeafValue[node];
        }
        var output = (trees.Average ? sum / trees.Trees : sum) + trees.BaseValue;
        var v = (float)output;
        foreach (var step in trees.Link)
            v = step.Op switch { LinkOp.Multiply => v * (float)step.Value, LinkOp.Add => v + (float)step.Value, _ => 1f / (1f + MathF.Exp(-v)) };
        return (trees.MarginScale * output + trees.MarginOffset, v);
    }

    [Theory]
    [InlineData(1, true, 3, "blocks")]
    [InlineData(2, true, 8, "blocks")]
    [InlineData(3, false, 6, "row by row")]  // other rules
    public void Every_row_gets_the_trees_own_answer_bit_for_bit(int seed, bool lessOrEqualOnly, int maxDepth, string layout)
    {
        var random = new Random(seed);
        var trees = RandomTrees.Ensemble(random, features: 6, trees: 40, maxDepth, lessOrEqualOnly);
        Assert.Equal(layout, trees.Layout);
        // 4,123 rows: several chunks and blocks, and a last block that is not a multiple of eight.
        var rows = RandomTrees.Rows(random, 4123, 6);
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        var probabilities = trees.Probabilities(buffer, rows.Length, width);
        var margins = trees.Margins(buffer, rows.Length, width);
        for (var r = 0; r < rows.Length; r++)
        {
            var (margin, probability) = Expected(trees, rows[r]);
            Assert.Equal(BitConverter.SingleToInt32Bits(probability), BitConverter.SingleToInt32Bits(probabilities[r]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(margin), BitConverter.DoubleToInt64Bits(margins[r]));
        }
    }

    [Theory]
    [InlineData(3, "blocks")]
    [InlineData(9, "blocks")]
    public void Rows_wider_than_the_trees_read_and_values_on_thresholds_and_infinities_are_routed_as_walked(int maxDepth, string layout)
    {
        var random = new Random(7);
        var trees = RandomTrees.Ensemble(random, features: 5, trees: 25, maxDepth, lessOrEqualOnly: true);
        Assert.Equal(layout, trees.Layout);
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, 0.5f, 1f, -0f];
        var rows = Enumerable.Range(0, 300)
            .Select(i => new[] { specials[i % 7], specials[i / 7 % 7], MathF.Round((float)random.NextDouble(), 1), specials[i / 49 % 7],
                MathF.Round((float)random.NextDouble(), 1), 99f, 99f }).ToArray();
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        var probabilities = trees.Probabilities(buffer, rows.Length, width);
        for (var r = 0; r < rows.Length; r++)
            Assert.Equal(BitConverter.SingleToInt32Bits(Expected(trees, rows[r]).Probability), BitConverter.SingleToInt32Bits(probabilities[r]));
    }
}
