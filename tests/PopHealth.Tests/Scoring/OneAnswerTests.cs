using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PopHealth.Modeling;
using PopHealth.Scoring;
using PopHealth.Tests.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Tests.Scoring;

/// <summary>
/// One model, one answer: the registered model.onnx, run by ONNX Runtime with nothing of the workbook around it, gives
/// the workbook's published probability (prior shift inside the graph) and label (at the model's threshold).
/// </summary>
[Trait("Category", "Unit")]
public class OneAnswerTests
{
    [Theory]
    [InlineData(true)]  // a seed-recipe model: trained balanced, with a prior shift back to the population
    [InlineData(false)] // an improved-recipe model: trained at the natural prevalence
    public async Task Our_scorer_and_onnx_runtime_on_the_bare_file_agree_on_every_row(bool withPriorShift)
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        var training = ModelFixtures.Matrix(3000);
        var shift = withPriorShift ? new PriorShift(0.5, 0.18) : null;
        var model = TrainedModel.Fit(training, new ModelSpec(TrainerKind.LightGbm, 40, 16), seed: 2, priorShift: shift)
            .WithScoringInfo(0.31, training);
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        ModelArtifacts.LogModel(run, model, trainingRows: training.Rows);
        run.End();
        store.SetAlias(WorkbookModel.Name, WorkbookModel.Alias, store.RegisterModel(WorkbookModel.Name, run).Version);

        var rows = ModelFixtures.Matrix(4000, seed: 21);
        var input = temp.File("input.parquet");
        await ParquetFrames.WriteAsync(new Microsoft.Data.Analysis.DataFrame(
            rows.FeatureNames.Select((f, j) => (Microsoft.Data.Analysis.DataFrameColumn)new Microsoft.Data.Analysis.DoubleDataFrameColumn(f,
                rows.Rows.Select(r => float.IsNaN(r[j]) ? (double?)null : r[j])))), input);
        await BatchScorer.ScoreAsync(input, temp.File("predictions.parquet"), store, new ScoringOptions(Drivers: 0));
        var ours = await ParquetFrames.ReadAsync(temp.File("predictions.parquet"));

        var prod = store.Resolve(WorkbookModel.ProductionUri);
        using var session = new InferenceSession(Path.Combine(prod.ArtifactDirectory, OnnxModel.FileName));
        var (buffer, width) = ModelMatrix.RowMajor(rows.Rows);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("features", new DenseTensor<float>(buffer, [rows.Count, width]))]);
        var probability = results.First(r => r.Name == "probability").AsEnumerable<float>().ToArray();
        var label = results.First(r => r.Name == "predicted_label").AsTensor<bool>().ToArray();

        var maxDifference = Enumerable.Range(0, rows.Count).Max(i => Math.Abs((double)ours.Columns["probability"][i]! - probability[i]));
        Assert.True(maxDifference <= 1e-5, $"largest difference {maxDifference:E2}");
        Assert.All(Enumerable.Range(0, rows.Count), i => Assert.Equal((int)ours.Columns["predicted_label"][i]! == 1, label[i]));
        // The graph's probability is the population-level one: with a prior shift it is not the trees' raw probability.
        var raw = model.RawProbabilities(rows.Rows.Take(200).ToArray());
        Assert.Equal(withPriorShift, raw.Zip(probability).Any(p => Math.Abs(p.First - p.Second) > 0.01));
        Assert.Contains(label, l => l);
        Assert.Contains(label, l => !l);
    }

    [Fact]
    public void The_mlmodel_signature_names_every_output()
    {
        using var temp = Repo.Temp();
        var store = new MlflowStore(temp.File("mlruns"));
        var training = ModelFixtures.Matrix(1500);
        var model = TrainedModel.Fit(training, new ModelSpec(TrainerKind.FastTree, 20, 8), seed: 2).WithScoringInfo(0.4, training);
        var run = store.StartRun(store.GetOrCreateExperiment("pophealth"), "final");
        var folder = ModelArtifacts.LogModel(run, model);
        run.End();
        var mlmodel = new YamlDotNet.Serialization.Deserializer()
            .Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(folder, "MLmodel")));
        var outputs = System.Text.Json.JsonDocument.Parse((string)((Dictionary<object, object>)mlmodel["signature"])["outputs"]).RootElement;
        Assert.Equal(OnnxModel.OutputNames, outputs.EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.Equal("float32", outputs[0].GetProperty("tensor-spec").GetProperty("dtype").GetString());
        Assert.Equal(OnnxModel.OutputNames, OnnxModel.OutputTypes(Path.Combine(folder, OnnxModel.FileName)).Select(o => o.Name));
    }
}
