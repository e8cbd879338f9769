using PopHealth.Modeling;
using PopHealth.Tracking;

namespace PopHealth.Tests.Modeling;

[Trait("Category", "Unit")]
public class ShapSummaryTests
{
    private static ShapSummary Summary()
    {
        using var temp = Repo.Temp();
        var training = ModelFixtures.Matrix(3000);
        var model = TrainedModel.Fit(training, new ModelSpec(TrainerKind.LightGbm, 40, 16), seed: 2);
        OnnxModel.Export(model, temp.File("m.onnx"));
        var trees = CompiledTrees.TryCompile(temp.File("m.onnx"))!.Trees;
        trees = trees.WithCover(TreeCover.Count(trees, training.Rows).Cover);
        return ShapSummary.Explain(trees, training.FeatureNames, ModelFixtures.Matrix(800, seed: 5).Rows);
    }

    [Fact]
    public void The_ranking_puts_the_signal_first_and_the_noise_last_and_is_the_mean_absolute_value()
    {
        var shap = Summary();
        Assert.Equal(Enumerable.Range(1, 4), shap.Ranking.Select(r => r.Rank));
        Assert.Equal("noise", shap.Ranking[^1].Feature);
        var a = shap.Features.ToList().IndexOf(shap.Ranking[0].Feature);
        Assert.Equal(shap.Column(a).Average(Math.Abs), shap.Ranking[0].MeanAbsoluteLogOdds, 4);
        Assert.True(shap.Ranking[0].MeanAbsoluteLogOdds > 5 * shap.Ranking[^1].MeanAbsoluteLogOdds);
    }

    [Fact]
    public void The_comparison_names_features_whose_ranks_differ_and_says_when_they_agree()
    {
        var shap = Summary();
        var same = shap.Ranking.Select(r => new FeatureImportance(r.Feature, 1.0 / r.Rank, 0)).ToArray();
        Assert.StartsWith("The two rankings agree", shap.CompareWith(same, minShift: 3));
        var reversed = shap.Ranking.Select(r => new FeatureImportance(r.Feature, r.Rank, 0)).ToArray();
        var sentence = shap.CompareWith(reversed, minShift: 3);
        Assert.Contains($"{shap.Ranking[0].Feature} (SHAP #1, permutation #4)", sentence);
    }
}
