using System.Collections;
using PopHealth.Modeling;
using PopHealth.Steps;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// The refit's tree count on large data (<see cref="RefitTrees"/>): a boosted setting with too few trees for its rows
/// gets more, chosen on held-out training rows by the staged scores of one longer fit; forests are left alone.
/// </summary>
[Trait("Category", "Unit")]
public class RefitTreesTests
{
    [Fact]
    public void A_boosted_setting_with_too_few_trees_gets_the_count_that_ranks_held_out_rows_best()
    {
        var data = ModelFixtures.Matrix(6000);
        var train = Enumerable.Range(0, 5000).ToArray();
        var spec = new ModelSpec(TrainerKind.LightGbm, 10, 8, LearningRate: 0.05, MinLeaf: 20, Origin: "search");

        var choice = RefitTrees.Choose(data, train, spec, seed: 3, maxMultiple: 4, heldOutRows: 400)!;

        Assert.Equal(10, choice.SweptTrees);
        Assert.Equal([10, 15, 20, 25, 30, 35, 40], choice.Curve.Select(c => c.Trees));
        Assert.Equal(400, choice.HeldOutRows, 1.0); // at most a tenth of the rows, here fewer: 400 (stratified: within a row)
        Assert.Equal(5000, choice.FitRows + choice.HeldOutRows);
        // The chosen count is the curve's best; at learning rate 0.05, 10 trees are far from enough on this signal.
        Assert.Equal(choice.Curve.MaxBy(c => c.Auc).Trees, choice.Trees);
        Assert.True(choice.Trees > 10, choice.Describe());
        Assert.True(choice.Curve[^1].Auc > choice.Curve[0].Auc, choice.Describe());

        // The curve is the staged score of the held-out rows: the same AUC as a model fitted with that many trees.
        var labels = train.Select(i => data.Labels[i]).ToArray();
        var split = Splits.Stratified(labels, 3, testShare: 400 / 5000.0);
        var held = data.Subset(split.Test.Select(i => train[i]).ToArray());
        var direct = TrainedModel.Fit(data.Subset(split.Train.Select(i => train[i]).ToArray()), spec with { Trees = 20 }, 3);
        Assert.Equal(Statistics.Auc(direct.Probabilities(held.Rows), held.Labels), choice.Curve.Single(c => c.Trees == 20).Auc, 4);
    }

    [Fact]
    public void Forests_keep_their_trees()
    {
        var data = ModelFixtures.Matrix(2000);
        var spec = new ModelSpec(TrainerKind.FastForest, 20, 16, MinLeaf: 10, FeatureFraction: 0.7);
        Assert.Null(RefitTrees.Choose(data, Enumerable.Range(0, 2000).ToArray(), spec, seed: 3));
    }

    [Fact]
    public async Task The_train_step_refits_with_the_chosen_count_only_when_the_training_rows_outgrow_the_sweep_rows()
    {
        using var temp = Repo.Temp();
        var parameters = WorkbookParameters.FromEnvironment(new Hashtable { ["POPHEALTH_DATA"] = temp.Path }, temp.Path);
        await SweepRowsTests.Features(5000).WriteAsync(parameters.ProcessedFeatures);
        // 4,000 training rows, 1,000 swept: four times as many.
        var options = new TrainOptions(SearchTrials: 4, Sizing: new SweepSizing(Rows: 1000, Share: 0.2, MaxRows: 1000));
        var plan = await TrainStep.PlanAsync(parameters, options);
        var sweeps = TrainStep.Sweep(plan);

        var grown = TrainStep.Choose(plan, sweeps);
        var asSwept = TrainStep.Choose(await TrainStep.PlanAsync(parameters, options with { RefitTreesGrowth = 5 }), sweeps);

        Assert.Null(asSwept.RefitTrees); // 4,000 < 5 × 1,000
        Assert.Equal(asSwept.Trial.Spec, asSwept.Model.Spec);
        Assert.Equal(grown.Trial, asSwept.Trial); // the same setting chosen; only the refit differs
        if (grown.Trial.Spec.Trainer == TrainerKind.FastForest) Assert.Null(grown.RefitTrees);
        else
        {
            Assert.NotNull(grown.RefitTrees);
            Assert.Equal(grown.Trial.Spec with { Trees = grown.RefitTrees!.Trees }, grown.Model.Spec);
            Assert.Contains("refit with", grown.Summary);
        }
    }
}
