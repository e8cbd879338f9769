using PopHealth.Modeling;

namespace PopHealth.Tests.Modeling;

[Trait("Category", "Unit")]
public class ModelingTests
{
    [Fact]
    public void The_originals_split_keeps_a_quarter_of_negatives_and_every_positive()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i % 5 == 0).ToArray(); // 200 positives, 800 negatives
        var split = Splits.OriginalBalanced(labels, seed: 1);
        Assert.Equal(400, split.Train.Length + split.Test.Length);
        Assert.Equal(320, split.Train.Length);
        Assert.Equal(200, split.Train.Concat(split.Test).Count(i => labels[i]));
        Assert.Empty(split.Train.Intersect(split.Test));
        Assert.Equal(split.Train, Splits.OriginalBalanced(labels, seed: 1).Train);
        Assert.NotEqual(split.Train, Splits.OriginalBalanced(labels, seed: 2).Train);
    }

    [Fact]
    public void Stratified_split_subsample_and_folds_keep_the_prevalence()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i % 5 == 0).ToArray();
        var split = Splits.Stratified(labels, seed: 3);
        Assert.Equal(200, split.Test.Length);
        Assert.Equal(40, split.Test.Count(i => labels[i]));
        var sub = Splits.Subsample(split.Train, labels, 400, seed: 3);
        Assert.Equal(400, sub.Length);
        Assert.Equal(80, sub.Count(i => labels[i]));
        var folds = Splits.Folds(split.Train, labels, 4, seed: 3);
        Assert.All(Enumerable.Range(0, 4),
            f => Assert.Equal(40, Enumerable.Range(0, split.Train.Length).Count(k => folds[k] == f && labels[split.Train[k]])));
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.Folds(split.Train, labels, 1, 3));
    }

    [Fact]
    public void With_several_years_the_latest_is_split_into_test_a_recalibration_sample_and_training()
    {
        var years = Enumerable.Range(0, 3000).Select(i => i < 1000 ? 2023 : 2024).ToArray();
        var labels = Enumerable.Range(0, 3000).Select(i => i % 5 == 0).ToArray(); // 400 of 2,000 in 2024 positive
        var split = Splits.LatestYearHoldout(labels, years, seed: 4);
        Assert.Equal(400, split.Test.Length); // 20 % of 2024, stratified
        Assert.Equal(80, split.Test.Count(i => labels[i]));
        Assert.Equal(100, split.Recalibration.Length); // 5 % of 2024, stratified
        Assert.Equal(20, split.Recalibration.Count(i => labels[i]));
        Assert.All(split.Test.Concat(split.Recalibration), i => Assert.Equal(2024, years[i]));
        Assert.Equal(3000, split.Train.Concat(split.Test).Concat(split.Recalibration).Distinct().Count()); // disjoint, and all rows
        Assert.Equal(Splits.Stratified(labels[1000..], seed: 4).Test.Select(k => k + 1000), split.Test); // the test rows are the 20 % holdout's
        Assert.Empty(Splits.Stratified(labels, seed: 4).Recalibration);
    }

    [Fact]
    public void Prior_shift_maps_balanced_probabilities_to_the_population()
    {
        var shift = new PriorShift(TrainingPrevalence: 0.5, PopulationPrevalence: 0.2);
        Assert.Equal(0.2, shift.Apply(0.5), 12); // a coin-flip at 50 % is the base rate at 20 %
        Assert.Equal(0.5, new PriorShift(0.2, 0.2).Apply(0.5), 12);
        Assert.True(shift.Apply(0.9) < 0.9 && shift.Apply(0.9) > shift.Apply(0.8));
    }

    [Fact]
    public void Same_seed_same_leaderboard_and_the_signal_beats_chance()
    {
        var data = ModelFixtures.Matrix(2400);
        var rows = Enumerable.Range(0, data.Count).ToArray();
        var specs = new[] { new ModelSpec(TrainerKind.LightGbm, 30, 8), new ModelSpec(TrainerKind.FastTree, 30, 8),
            ModelSpec.FromDepth(TrainerKind.FastForest, 30, 4) };
        var reported = new List<SweepProgress>();
        var a = Sweeper.Run(data, rows, specs, seed: 5, progress: new SynchronousProgress<SweepProgress>(reported.Add));
        var b = Sweeper.Run(data, rows, specs, seed: 5);
        Assert.Equal(a.Leaderboard.Select(r => (r.Name, r.CvAuc, r.CvAucSd)), b.Leaderboard.Select(r => (r.Name, r.CvAuc, r.CvAucSd)));
        Assert.All(a.Trials, t => Assert.InRange(t.MeanAuc, 0.7, 1));
        Assert.Equal(9, reported.Count);
        Assert.Equal(3, reported.Count(p => p.Finished is not null));
        Assert.Equal(data.Count, a.OutOfFold(a.Best)!.Length);
        Assert.Equal(16, ModelSpec.FromDepth(TrainerKind.FastForest, 100, 4).Leaves);
        Assert.Equal(6, ModelSpec.FromDepth(TrainerKind.LightGbm, 20, 6).MaxDepth);
    }

    [Theory]
    [InlineData(TrainerKind.LightGbm)]
    [InlineData(TrainerKind.FastTree)]
    public void Boosted_settings_read_from_a_larger_fit_equal_their_own_fits(TrainerKind trainer)
    {
        var data = ModelFixtures.Matrix(2400); // has unknown (NaN) values, routed as in scoring
        var rows = Enumerable.Range(0, data.Count).ToArray();
        var family = new[] { 20, 40, 60 }.Select(t => new ModelSpec(trainer, t, 8)).ToArray();
        var staged = Sweeper.Run(data, rows, family, seed: 7);
        Assert.Equal([60, 60, null], staged.Trials.OrderBy(t => t.Spec.Trees).Select(t => t.StagedFrom));
        foreach (var spec in family.Take(2))
        {
            var own = Sweeper.Run(data, rows, [spec], seed: 7).Best;
            var read = staged.Trials.Single(t => t.Spec.Trees == spec.Trees);
            Assert.Null(own.StagedFrom);
            Assert.Equal(own.FoldAuc.Count, read.FoldAuc.Count);
            // Same trees; own fits rank float probabilities, staged ones double scores, so only float ties can differ.
            for (var f = 0; f < own.FoldAuc.Count; f++) Assert.Equal(own.FoldAuc[f], read.FoldAuc[f], 4);
            Assert.Null(staged.OutOfFold(read));
        }
    }

    [Fact]
    public void Halving_rungs_grow_by_the_rate_up_to_all_rows_and_stop_at_one_setting_or_the_smallest_rung()
    {
        var halving = new HalvingOptions(Rate: 3, MinRungRows: 300);
        Assert.Equal([333, 1000, 3000], halving.RungRows(3000, 9));
        Assert.Equal([1000, 3000], halving.RungRows(3000, 3)); // 3 → 1: nothing left to halve
        Assert.Equal([3000], halving.RungRows(3000, 1));
        Assert.Equal([333, 1000], halving.RungRows(1000, 45)); // a third of 333 is under the smallest rung
        Assert.Equal([800], halving.RungRows(800, 45));
        Assert.Equal([6_666, 20_000, 60_000], new HalvingOptions().RungRows(60_000, 24));
        Assert.Equal([8, 3, 1], new[] { 24, 8, 3 }.Select(new HalvingOptions().Survivors));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HalvingOptions(Rate: 1).RungRows(1000, 5));
    }

    [Fact]
    public void Successive_halving_drops_weak_settings_on_few_rows_and_cross_validates_the_best_on_all()
    {
        var data = ModelFixtures.Matrix(3000);
        var rows = Enumerable.Range(0, data.Count).ToArray();
        ModelSpec Stump(int trees) => new(TrainerKind.LightGbm, trees, 2, LearningRate: 0.01, Origin: "search");
        ModelSpec Boosted(int trees, int leaves) => new(TrainerKind.LightGbm, trees, leaves, Origin: "search");
        var specs = new[] { Stump(1), Boosted(60, 8), Stump(2), Boosted(40, 4), Boosted(80, 16), Stump(3), Boosted(30, 8), Boosted(50, 6),
            Boosted(70, 4) };
        var reported = new List<SweepProgress>();
        var halving = new HalvingOptions(Rate: 3, MinRungRows: 300);
        var run = Sweeper.Halve(data, rows, specs, seed: 9, halving: halving, progress: new SynchronousProgress<SweepProgress>(reported.Add),
            namePrefix: "s");

        Assert.Equal([9, 3, 1], run.Rungs.Select(r => r.Trials.Count));
        Assert.Equal([333, 1000, 3000], run.Rungs.Select(r => r.Rows.Length));
        Assert.True(run.Rungs[0].Rows.All(run.Rungs[1].Rows.Contains) && run.Rungs[1].Rows.All(run.Rungs[2].Rows.Contains)); // nested samples
        // Every setting once, under its own name, with the result of the last rung it reached; the winner first, on all rows.
        Assert.Equal(Enumerable.Range(0, 9), run.Trials.Select(t => t.Trial).Order());
        Assert.All(run.Trials, t => Assert.Equal($"s-{t.Trial + 1:D2}", t.Name));
        Assert.Equal(3000, run.Best.CvRows);
        Assert.Equal(run.Rungs[2].Best.Trial, run.Best.Trial);
        Assert.Equal(3000, run.OutOfFold(run.Best)!.Length);
        // Each rung passes on its own best third; the stumps never get past the first.
        Assert.Equal(run.Rungs[0].Trials.Take(3).Select(t => t.Trial).Order(), run.Rungs[1].Trials.Select(t => t.Trial).Order());
        Assert.Equal(run.Rungs[1].Best.Trial, run.Best.Trial);
        Assert.All(run.Trials.Where(t => t.Spec.Leaves == 2), t => Assert.Equal(333, t.CvRows));
        Assert.Equal([1000, 333], run.Trials.Skip(1).Select(t => t.CvRows).Distinct());
        Assert.Equal("9 on 333 rows → 3 on 1,000 → 1 on 3,000", run.RungSummary);
        // Progress names the rung; 9, 3 and 1 settings × 3 folds.
        Assert.Equal(39, reported.Count);
        Assert.StartsWith("rung 3/3 (1 settings on 3,000 rows): 3/3 fits", reported[^1].ToString());
        // Deterministic; and with one rung it is the plain sweep.
        Assert.Equal(run.Leaderboard, Sweeper.Halve(data, rows, specs, seed: 9, halving: halving, namePrefix: "s").Leaderboard,
            new LeaderboardComparer());
        var single = Sweeper.Halve(data, rows, specs.Take(3).ToArray(), seed: 9, halving: new HalvingOptions(MinRungRows: 5000), namePrefix: "s");
        Assert.Equal(Sweeper.Run(data, rows, specs.Take(3).ToArray(), seed: 9, namePrefix: "s").Leaderboard, single.Leaderboard,
            new LeaderboardComparer());
    }

    [Fact]
    public void FastTree_family_trainers_do_not_force_full_collections_as_they_start()
    {
        static bool? AllowGc(object trainer)
        {
            for (var type = trainer.GetType(); type is not null; type = type.BaseType)
                if (type.GetField("AllowGC", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic
                        | System.Reflection.BindingFlags.DeclaredOnly) is { } field)
                    return (bool)field.GetValue(trainer)!;
            return null;
        }
        var context = new Microsoft.ML.MLContext(1);
        Assert.True(AllowGc(Microsoft.ML.TreeExtensions.FastTree(context.BinaryClassification.Trainers))); // ML.NET's own default: forced collections
        Assert.False(AllowGc(new ModelSpec(TrainerKind.FastTree, 10, 4).Estimator(context, 1, 1)));
        var forest = ModelSpec.FromDepth(TrainerKind.FastForest, 10, 2).Estimator(context, 1, 1); // the forest, then Platt's calibrator
        var steps = (Microsoft.ML.IEstimator<Microsoft.ML.ITransformer>[])forest.GetType()
            .GetField("_estimators", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(forest)!;
        Assert.False(AllowGc(steps[0]));
        Assert.Null(AllowGc(new ModelSpec(TrainerKind.LightGbm, 10, 4).Estimator(context, 1, 1)));
    }

    /// <summary>Leaderboards equal but for the seconds the fits took.</summary>
    private sealed class LeaderboardComparer : IEqualityComparer<LeaderboardRow>
    {
        public bool Equals(LeaderboardRow? x, LeaderboardRow? y) => x! with { Seconds = 0 } == y! with { Seconds = 0 };
        public int GetHashCode(LeaderboardRow obj) => (obj with { Seconds = 0 }).GetHashCode();
    }

    [Fact]
    public void A_forest_grid_reads_smaller_forests_from_the_largest()
    {
        var data = ModelFixtures.Matrix(2400);
        var grid = Sweeper.Run(data, Enumerable.Range(0, data.Count).ToArray(),
            [ModelSpec.FromDepth(TrainerKind.FastForest, 20, 4), ModelSpec.FromDepth(TrainerKind.FastForest, 40, 4)], seed: 7);
        var small = grid.Trials.Single(t => t.Spec.Trees == 20);
        Assert.Equal(40, small.StagedFrom);
        Assert.InRange(small.MeanAuc, 0.7, 1);
        Assert.Equal("first 20 trees of the 40-tree fit", small.Row(1).Fit);
    }

    [Fact]
    public void Permutation_importance_ranks_the_noise_feature_last()
    {
        var data = ModelFixtures.Matrix(3000);
        var model = TrainedModel.Fit(data, new ModelSpec(TrainerKind.LightGbm, 60, 8), seed: 1);
        var importance = PermutationImportance.Measure(model, ModelFixtures.Matrix(1500, seed: 4), seed: 1, repeats: 2);
        Assert.Equal(["a", "b"], importance.Take(2).Select(i => i.Feature).Order()); // the two strong signals (similar logit spread)
        Assert.Equal("noise", importance[^1].Feature);
        // The trees compiled from the model's ONNX export, as 04 scores the shuffled rows: the same drops but for float rounding.
        var trees = PopHealth.Tracking.ModelExport.Create(model).Trees!;
        var compiled = PermutationImportance.Measure((buffer, n) => Array.ConvertAll(trees.Probabilities(buffer, n, 4), p => (double)p),
            ModelFixtures.Matrix(1500, seed: 4), seed: 1, repeats: 2);
        Assert.Equal(importance.Select(i => i.Feature), compiled.Select(i => i.Feature));
        Assert.All(importance.Zip(compiled), pair => Assert.Equal(pair.First.AucDrop, pair.Second.AucDrop, 3));
        Assert.True(importance[0].AucDrop > 0.05);
    }

    [Fact]
    public void Model_files_round_trip_and_a_corrupt_artifact_is_named()
    {
        using var temp = Repo.Temp();
        var data = ModelFixtures.Matrix(800);
        var model = TrainedModel.Fit(data, new ModelSpec(TrainerKind.FastTree, 20, 8), seed: 1, priorShift: new PriorShift(0.5, 0.2));
        model.Save(temp.File("model"));
        var loaded = TrainedModel.Load(temp.File("model"));
        Assert.Equal(model.Probabilities(data.Rows), loaded.Probabilities(data.Rows));
        Assert.Equal(model.FeatureNames, loaded.FeatureNames);
        File.WriteAllText(temp.File("model/mlnet_model.zip"), "not a model");
        Assert.Contains("mlnet_model.zip", Assert.Throws<InvalidDataException>(() => TrainedModel.Load(temp.File("model"))).Message);
        Assert.Throws<FileNotFoundException>(() => TrainedModel.Load(temp.File("nothing")));
    }
}

/// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts asynchronously).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly object gate = new();
    public void Report(T value) { lock (gate) report(value); }
}
