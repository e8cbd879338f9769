using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// Exact TreeSHAP against the definition it computes (brute-force Shapley values over every feature subset, with
/// cover-weighted tree-path expectations), and against the model it explains (additivity to the margin; the margin's
/// probability equal to ONNX Runtime's, missing values included).
/// </summary>
[Trait("Category", "Unit")]
public class TreeShapTests
{
    public static TheoryData<TrainerKind> Trainers => new(Enum.GetValues<TrainerKind>());

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 25));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_trees_give_the_brute_force_shapley_values(int seed)
    {
        var random = new Random(seed);
        var features = 1 + seed % 8; // 1..8 features
        var trees = RandomTrees.Ensemble(random, features, trees: 1 + random.Next(4), maxDepth: 2 + random.Next(5));
        // Cover from a few random rows: some nodes see none, which exercises the equal-weights rule.
        trees = trees.WithCover(trees.CountCover(RandomTrees.Rows(random, 12 + random.Next(30), features)));
        var rows = RandomTrees.Rows(random, 20, features);
        // From leaf tables, by walking the trees (Algorithm 2 row by row), and a mix (only shallow trees tabulated).
        var tabulated = TreeShap.Explain(trees, rows);
        var walked = TreeShap.Explain(trees, rows, new ShapOptions(TabulateUpTo: 0));
        var mixed = TreeShap.Explain(trees, rows, new ShapOptions(TabulateUpTo: 3));

        for (var r = 0; r < rows.Length; r++)
        {
            var expected = BruteForce.Shapley(trees, rows[r]);
            foreach (var shap in new[] { tabulated, walked, mixed })
            {
                for (var j = 0; j < features; j++) Assert.Equal(expected[j], shap.Row(r)[j], 1e-9);
                Assert.Equal(BruteForce.Value(trees, rows[r], new bool[features]), shap.BaseValue, 1e-9);
                Assert.Equal(trees.Margins(rows[r], 1, features)[0], shap.Total(r), 1e-9);
            }
        }
    }

    [Fact]
    public void A_hand_worked_tree_gets_the_values_worked_by_hand()
    {
        // One split on x0 <= 0.5, leaves 0 and 1, 3 of 4 rows go left: base 0.25; x0 = 1 gets 1 - 0.25 = 0.75.
        var trees = new TreeEnsemble([0], [0, 0, 0], [0.5f, 0, 0], [SplitRule.LessOrEqual, SplitRule.Leaf, SplitRule.Leaf], [true, false, false],
            [1, -1, -1], [2, -1, -1], [0, 0, 1], 0, average: false, link: [], cover: [4, 3, 1]);
        var shap = TreeShap.Explain(trees, [[1f, 7f]]);
        Assert.Equal(0.25, shap.BaseValue, 12);
        Assert.Equal(new[] { 0.75, 0 }, shap.Row(0).ToArray());
        Assert.Equal(new[] { 0.75, 0 }, BruteForce.Shapley(trees, [1f, 7f]));
        // A missing x0 goes where the model sends it (true: the left leaf).
        Assert.Equal(-0.25, TreeShap.Explain(trees, [[float.NaN, 7f]]).Row(0)[0], 12);
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Trained_models_are_explained_exactly_with_missing_values_routed_as_the_model_routes_them(TrainerKind trainer)
    {
        using var temp = Repo.Temp();
        var training = ModelFixtures.Matrix(3000);
        var model = TrainedModel.Fit(training, new ModelSpec(trainer, 30, 16), seed: 5);
        var path = temp.File("model.onnx");
        OnnxModel.Export(model, path);
        var compiled = CompiledTrees.TryCompile(path)!;
        var trees = compiled.Trees.WithCover(compiled.Trees.CountCover(training.Rows));
        // Rows with unknown values in every feature, including ones the model never saw missing in training.
        var random = new Random(11);
        var rows = ModelFixtures.Matrix(400, seed: 12).Rows
            .Select(r => r.Select(v => random.NextDouble() < 0.15 ? float.NaN : v).ToArray()).ToArray();
        Assert.Contains(rows, r => float.IsNaN(r[0]) && float.IsNaN(r[1]));

        var shap = TreeShap.Explain(trees, rows);
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        var margins = compiled.Margins(buffer, rows.Length, width);
        using var onnx = new OnnxScorer(path);
        var probabilities = onnx.Score(buffer, rows.Length, width);
        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal(margins[r], shap.Total(r), 1e-6);
            Assert.InRange(trees.ProbabilityOfMargin(shap.Total(r)) - probabilities[r], -1e-6, 1e-6);
        }
        var walked = TreeShap.Explain(trees, rows, new ShapOptions(TabulateUpTo: 0));
        foreach (var r in Enumerable.Range(0, 40))
        {
            var expected = BruteForce.Shapley(trees, rows[r]);
            for (var j = 0; j < width; j++)
            {
                Assert.Equal(expected[j], shap.Row(r)[j], 1e-9);
                Assert.Equal(expected[j], walked.Row(r)[j], 1e-9);
            }
        }
        // With cover counted on the training rows, the base value is their mean margin.
        Assert.Equal(compiled.Margins(ModelMatrix.RowMajor(training.Rows).Buffer, training.Count, width).Average(), shap.BaseValue, 1e-9);
    }


    [Fact]
    public void Probability_scaled_contributions_sum_to_the_change_in_probability_and_keep_signs()
    {
        var random = new Random(3);
        var trees = RandomTrees.Ensemble(random, 6, trees: 5, maxDepth: 4);
        trees = trees.WithCover(trees.CountCover(RandomTrees.Rows(random, 200, 6)));
        var rows = RandomTrees.Rows(random, 50, 6);
        var shap = TreeShap.Explain(trees, rows);
        var scaled = shap.ToProbabilityScale(trees.ProbabilityOfMargin);
        Assert.Equal(ShapScale.ProbabilityScaled, scaled.Scale);
        Assert.Equal(trees.ProbabilityOfMargin(shap.BaseValue), scaled.BaseValue, 12);
        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal(trees.ProbabilityOfMargin(shap.Total(r)), scaled.Total(r), 12);
            for (var j = 0; j < 6; j++) Assert.Equal(Math.Sign(shap.Row(r)[j]), Math.Sign(scaled.Row(r)[j]));
        }
    }

    [Fact]
    public void Inconsistent_trees_and_rows_are_refused_with_what_is_wrong()
    {
        var childOutside = Assert.Throws<ArgumentException>(() => new TreeEnsemble([0], [0, 0], [0.5f, 0], [SplitRule.LessOrEqual, SplitRule.Leaf],
            [true, false], [1, -1], [5, -1], [0, 1], 0, average: false, link: []));
        Assert.Contains("split node 0", childOutside.Message);
        var trees = RandomTrees.Ensemble(new Random(2), 3, trees: 2, maxDepth: 3);
        Assert.Contains("features", Assert.Throws<ArgumentException>(() => trees.Margins(new float[4], 2, 0)).Message);
        Assert.Contains("CountCover", Assert.Throws<ArgumentException>(() => trees.WithCover([1, 2])).Message);
    }

    [Fact]
    public void Explaining_trees_without_cover_says_how_to_get_it()
    {
        var trees = RandomTrees.Ensemble(new Random(1), 3, trees: 1, maxDepth: 2);
        var e = Assert.Throws<InvalidOperationException>(() => TreeShap.Explain(trees, [[0f, 0f, 0f]]));
        Assert.Contains("CountCover", e.Message);
    }
}

[Trait("Category", "Unit")]
public class TreeCoverTests
{
    [Fact]
    public void Counted_cover_is_the_rows_reaching_each_node()
    {
        var random = new Random(5);
        var trees = RandomTrees.Ensemble(random, 5, trees: 3, maxDepth: 5);
        var rows = RandomTrees.Rows(random, 500, 5);
        var cover = trees.CountCover(rows);
        var expected = new double[trees.Nodes];
        foreach (var row in rows)
            foreach (var root in trees.Roots)
                for (var node = root; node >= 0; node = trees.Rule[node] == SplitRule.Leaf ? -1 : BruteForce.Route(trees, node, row))
                    expected[node]++;
        Assert.Equal(expected, cover);
        Assert.All(trees.Roots, root => Assert.Equal(500, cover[root]));
    }

    [Fact]
    public void Saved_cover_loads_onto_the_same_trees_and_refuses_others()
    {
        using var temp = Repo.Temp();
        var random = new Random(8);
        var trees = RandomTrees.Ensemble(random, 4, trees: 2, maxDepth: 3);
        var saved = TreeCover.Count(trees, RandomTrees.Rows(random, 100, 4));
        saved.Save(temp.Path);
        Assert.Equal(saved.Cover, TreeCover.Load(temp.Path, trees).Cover);

        var other = RandomTrees.Ensemble(new Random(9), 4, trees: 2, maxDepth: 3);
        var mismatch = Assert.Throws<InvalidDataException>(() => TreeCover.Load(temp.Path, other));
        Assert.Contains(TreeCover.FileName, mismatch.Message);
        Assert.Contains("other trees", mismatch.Message);

        File.WriteAllText(temp.File(TreeCover.FileName), "{\"Fingerprint\": ");
        var corrupt = Assert.Throws<InvalidDataException>(() => TreeCover.Load(temp.Path, trees));
        Assert.Contains(TreeCover.FileName, corrupt.Message);

        File.Delete(temp.File(TreeCover.FileName));
        var missing = Assert.Throws<FileNotFoundException>(() => TreeCover.Load(temp.Path, trees));
        Assert.Contains(TreeCover.FileName, missing.Message);
    }
}

/// <summary>Seeded random trees (features repeat along paths, random missing directions and rules) and rows with NaN.</summary>
internal static class RandomTrees
{
    /// <param name="lessOrEqualOnly">Every split "≤", as ML.NET exports them (else each split's rule is drawn at random).</param>
    public static TreeEnsemble Ensemble(Random random, int features, int trees, int maxDepth, bool lessOrEqualOnly = false)
    {
        var (feature, threshold, rule, missing, whenTrue, whenFalse, leaf) = (new List<int>(), new List<float>(), new List<SplitRule>(),
            new List<bool>(), new List<int>(), new List<int>(), new List<double>());
        int Grow(int depth)
        {
            var node = feature.Count;
            var split = depth < maxDepth && (depth == 0 || random.NextDouble() < 0.8);
            feature.Add(split ? random.Next(features) : 0);
            threshold.Add(MathF.Round((float)random.NextDouble(), 1)); // coarse, so rows land on thresholds too
            rule.Add(!split ? SplitRule.Leaf : lessOrEqualOnly ? SplitRule.LessOrEqual : (SplitRule)random.Next(1, 5));
            missing.Add(random.NextDouble() < 0.5);
            whenTrue.Add(-1);
            whenFalse.Add(-1);
            leaf.Add(split ? 0 : Math.Round(random.NextDouble() * 4 - 2, 3));
            if (split)
            {
                whenTrue[node] = Grow(depth + 1);
                whenFalse[node] = Grow(depth + 1);
            }
            return node;
        }
        var roots = Enumerable.Range(0, trees).Select(_ => Grow(0)).ToArray();
        var average = random.NextDouble() < 0.3;
        LinkStep[] link = [new(LinkOp.Multiply, 0.5 + random.NextDouble()), new(LinkOp.Add, random.NextDouble() - 0.5), new(LinkOp.Sigmoid)];
        return new TreeEnsemble(roots, [.. feature], [.. threshold], [.. rule], [.. missing], [.. whenTrue], [.. whenFalse], [.. leaf],
            baseValue: random.NextDouble() - 0.5, average, link);
    }

    public static float[][] Rows(Random random, int count, int features) => Enumerable.Range(0, count)
        .Select(_ => Enumerable.Range(0, features).Select(_ => random.NextDouble() < 0.15 ? float.NaN : MathF.Round((float)random.NextDouble(), 1))
            .ToArray())
        .ToArray();
}

/// <summary>
/// The definition TreeSHAP computes, evaluated directly: v(S) = the margin when features in S take the row's values and
/// every other split is averaged over its children by cover (equal weights where no row reached it); Shapley values
/// from all 2^k subsets.
/// </summary>
internal static class BruteForce
{
    /// <summary>The ONNX TreeEnsemble routing, written out again here: NaN follows the missing direction.</summary>
    public static int Route(TreeEnsemble trees, int node, float[] row)
    {
        var (x, t) = (row[trees.Feature[node]], trees.Threshold[node]);
        var goTrue = float.IsNaN(x) ? trees.MissingGoesTrue[node] : trees.Rule[node] switch
        {
            SplitRule.LessOrEqual => x <= t, SplitRule.Less => x < t, SplitRule.GreaterOrEqual => x >= t, SplitRule.Greater => x > t,
            _ => throw new InvalidOperationException("a leaf has no children"),
        };
        return goTrue ? trees.WhenTrue[node] : trees.WhenFalse[node];
    }

    public static double Value(TreeEnsemble trees, float[] row, bool[] known)
    {
        double Expect(int node)
        {
            if (trees.Rule[node] == SplitRule.Leaf) return trees.LeafValue[node];
            if (known[trees.Feature[node]]) return Expect(Route(trees, node, row));
            var (t, f, c) = (trees.WhenTrue[node], trees.WhenFalse[node], trees.Cover![node]);
            return c > 0 ? (trees.Cover[t] * Expect(t) + trees.Cover[f] * Expect(f)) / c : (Expect(t) + Expect(f)) / 2;
        }
        var sum = trees.Roots.Sum(Expect);
        var output = (trees.Average ? sum / trees.Trees : sum) + trees.BaseValue;
        return trees.MarginScale * output + trees.MarginOffset;
    }

    public static double[] Shapley(TreeEnsemble trees, float[] row)
    {
        var k = row.Length;
        var values = new double[1 << k];
        for (var s = 0; s < values.Length; s++) values[s] = Value(trees, row, Enumerable.Range(0, k).Select(j => (s >> j & 1) == 1).ToArray());
        var phi = new double[k];
        for (var i = 0; i < k; i++)
            for (var s = 0; s < values.Length; s++)
            {
                if ((s >> i & 1) == 1) continue;
                var size = System.Numerics.BitOperations.PopCount((uint)s);
                phi[i] += Factorial(size) * Factorial(k - size - 1) / Factorial(k) * (values[s | 1 << i] - values[s]);
            }
        return phi;
    }

    private static double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
}

/// <summary>TreeSHAP on a model of the whole real 2016 extract.</summary>
[Trait("Category", "RealData")]
public class RealTreeShapTests
{
    [Fact]
    public async Task A_lightgbm_model_on_real_2016_data_adds_up_on_every_row()
    {
        using var temp = Repo.Temp();
        var features = await FeatureBuilder.BuildAsync(await RealData.Interim2016(), Recipe.Improved);
        var matrix = ModelMatrix.From(features);
        var random = new Random(2016);
        var picks = Enumerable.Range(0, 6000).Select(_ => random.Next(matrix.Count)).ToArray();
        var training = matrix.Subset(picks[..3000]);
        var model = TrainedModel.Fit(training, new ModelSpec(TrainerKind.LightGbm, 40, 14), seed: 7);
        var path = temp.File("model.onnx");
        OnnxModel.Export(model, path);
        var compiled = CompiledTrees.TryCompile(path)!;
        var trees = compiled.Trees.WithCover(compiled.Trees.CountCover(training.Rows));

        var rows = matrix.Subset(picks).Rows; // the training rows and as many others
        Assert.Contains(rows, r => r.Any(float.IsNaN)); // the improved recipe keeps unknown answers
        var shap = TreeShap.Explain(trees, rows);
        var (buffer, width) = ModelMatrix.RowMajor(rows);
        var margins = compiled.Margins(buffer, rows.Length, width);
        var probabilities = compiled.Score(buffer, rows.Length, width);
        Assert.Equal(matrix.FeatureNames.Count, shap.Features);
        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal(margins[r], shap.Total(r), 1e-6);
            Assert.InRange(trees.ProbabilityOfMargin(shap.Total(r)) - probabilities[r], -1e-6, 1e-6);
        }
        // Every feature the trees split on gets a non-zero contribution somewhere.
        var used = Enumerable.Range(0, trees.Nodes).Where(i => trees.Rule[i] != SplitRule.Leaf).Select(i => trees.Feature[i]).ToHashSet();
        Assert.All(used, j => Assert.Contains(Enumerable.Range(0, rows.Length), r => shap.Row(r)[j] != 0));
    }
}
