using System.Collections;
using PopHealth.Steps;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Tests.Modeling;

/// <summary>
/// The whole train step on the real 2016 extract with the seed recipe (scikit-learn's gradient boosting: 0.843 on the
/// same rows and split rule).
/// </summary>
[Trait("Category", "RealData")]
public class RealTrainingTests
{
    [Fact]
    public async Task Seed_recipe_on_2016_reaches_the_originals_accuracy_and_registers_the_model()
    {
        using var temp = Repo.Temp();
        var parameters = WorkbookParameters.FromEnvironment(new Hashtable { ["POPHEALTH_DATA"] = temp.Path, ["POPHEALTH_RECIPE"] = "seed" },
            temp.Path);
        var features = await FeatureBuilder.BuildAsync(await RealData.Interim2016(), Recipe.Original);
        await features.WriteAsync(parameters.ProcessedFeatures);

        var result = await TrainStep.RunAsync(parameters, new TrainOptions(SearchTrials: 6, ImportanceRows: 4000, ImportanceRepeats: 1));

        Assert.Equal(34_922, result.Plan.Split.Train.Length); // the reference's training set size
        Assert.Equal(21, result.Sweeps.Grid.Trials.Count);
        Assert.True(result.Headline.Auc >= 0.835, $"test AUC {result.Headline.Auc:F4}");
        Assert.True(result.Sweeps.Grid.Best.MeanAuc >= 0.840, $"grid CV AUC {result.Sweeps.Grid.Best.MeanAuc:F4}");
        Assert.InRange(result.Headline.Prevalence, 0.45, 0.55); // the original's balanced test set
        Assert.Equal(8_731, result.Headline.Rows);
        var store = new MlflowStore(parameters.MlRuns);
        var prod = store.Resolve("models:/pophealth-rfhlth@prod");
        Assert.Equal(result.Registered.Version, prod.Version);
        Assert.Equal(result.Registration.FinalRunId, prod.RunId);
        foreach (var artifact in new[] { "leaderboard.csv", "metrics.csv", "importance.csv", "subgroups.csv", "charts/roc.json", "charts/sweep.json",
            "charts/roc.html", "model/MLmodel", "model/model.onnx" })
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(prod.ArtifactDirectory)!, artifact)), artifact);
        var loaded = ModelArtifacts.Load(prod);
        var rows = ModelMatrix.From(features).Rows.Take(200).ToArray();
        Assert.Equal(result.Chosen.Model.RawProbabilities(rows), loaded.RawProbabilities(rows));
        // The seed model carries the prior shift that maps its balanced probabilities back to the population.
        Assert.NotNull(loaded.PriorShift);
        Assert.InRange(loaded.PriorShift!.PopulationPrevalence, 0.17, 0.18); // 20,015 / 114,567
        Assert.Contains(result.Card.Importance.Take(3), i => i.Feature is "num_conditions" or "INCOME_clean" or "income_adj_pov");
    }
}
