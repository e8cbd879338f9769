using System.Collections;
using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Scoring;
using PopHealth.Tests.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Tests.Scoring;

/// <summary>A registry holding one model trained on the fixture problem (features a, b, c, noise; b coded 1–5), alias prod.</summary>
public sealed class ScoringFixture : IDisposable
{
    private readonly TempFolder temp = Repo.Temp();
    public MlflowStore Store { get; }
    public TrainedModel Model { get; }
    public string Folder => temp.Path;

    public ScoringFixture()
    {
        Store = new MlflowStore(temp.File("mlruns"));
        var training = ModelFixtures.Matrix(3000);
        Model = TrainedModel.Fit(training, new ModelSpec(TrainerKind.LightGbm, 40, 16), seed: 2).WithScoringInfo(0.5, training);
        var run = Store.StartRun(Store.GetOrCreateExperiment("pophealth"), "final");
        ModelArtifacts.LogModel(run, Model, trainingRows: training.Rows);
        run.End();
        Store.SetAlias(WorkbookModel.Name, WorkbookModel.Alias, Store.RegisterModel(WorkbookModel.Name, run).Version);
    }

    /// <summary>Writes a parquet of the fixture's features (optionally altered) and returns its path.</summary>
    public async Task<string> Input(string name, int rows, Action<DataFrame>? alter = null)
    {
        var m = ModelFixtures.Matrix(rows, seed: 8);
        var frame = new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, m.Ids.Select(i => i + 1000)));
        for (var j = 0; j < m.FeatureNames.Count; j++)
            frame.Columns.Add(new DoubleDataFrameColumn(m.FeatureNames[j], m.Rows.Select(r => float.IsNaN(r[j]) ? (double?)null : r[j])));
        frame.Columns.Add(new DoubleDataFrameColumn(FeatureSet.Target, m.Labels.Select(l => (double?)(l ? 1 : 0))));
        alter?.Invoke(frame);
        var path = Path.Combine(Folder, name);
        await ParquetFrames.WriteAsync(frame, path, rowGroupSize: 700);
        return path;
    }

    /// <summary>The workbook's parameters for scoring <paramref name="input"/>, with <paramref name="data"/> as the data root.</summary>
    internal static WorkbookParameters Parameters(TempFolder data, string input) =>
        WorkbookParameters.FromEnvironment(new Hashtable { ["POPHEALTH_DATA"] = data.Path, ["POPHEALTH_SCORE_INPUT"] = input }, data.Path);

    public void Dispose() => temp.Dispose();
}

[Trait("Category", "Unit")]
public class BatchScorerTests(ScoringFixture fixture) : IClassFixture<ScoringFixture>
{
    private string Output(string name) => Path.Combine(fixture.Folder, "predictions", name);

    [Fact]
    public async Task Every_input_row_is_in_the_output_scored_or_with_a_reason()
    {
        var input = await fixture.Input("mixed.parquet", 2000, frame =>
        {
            var b = (DoubleDataFrameColumn)frame.Columns["b"];
            b[3] = 9;          // a code the model never saw
            b[4] = double.NaN; // NaN instead of null
            ((DoubleDataFrameColumn)frame.Columns["a"])[5] = double.PositiveInfinity;
            b[6] = null;       // unknown: fine
            frame.Columns.Add(new StringDataFrameColumn("comment", Enumerable.Repeat("x", 2000))); // extra column: ignored
        });
        var output = Output("mixed.parquet");
        var report = await BatchScorer.ScoreAsync(input, output, fixture.Store);
        Assert.Equal(2000, report.Rows);
        Assert.Equal(1997, report.Scored);
        Assert.StartsWith("the ONNX export's trees, compiled", report.Engine);
        Assert.Equal(["comment", FeatureSet.Target], report.IgnoredColumns.Order());
        var predictions = await ParquetFrames.ReadAsync(output);
        Assert.Equal(2000, predictions.Rows.Count);
        Assert.Equal(BatchScorer.OutputColumns.Concat(
                new[] { 1, 2, 3 }.SelectMany(d => new[] { $"driver_{d}", $"driver_{d}_value", $"driver_{d}_contribution" })),
            predictions.Columns.Select(c => c.Name));
        Assert.Equal(1001L, predictions.Columns[FeatureSet.RespondentId][0]); // ids come from the input, in order
        Assert.Equal(3000L, predictions.Columns[FeatureSet.RespondentId][1999]);
        Assert.Contains("b=9 is not a code the model was trained on (1, 2, 3, 4, 5)", (string)predictions.Columns["reason"][3]);
        Assert.Contains("b is NaN", (string)predictions.Columns["reason"][4]);
        Assert.Contains("a is infinite", (string)predictions.Columns["reason"][5]);
        Assert.Null(predictions.Columns["probability"][3]);
        Assert.NotNull(predictions.Columns["probability"][6]);
        Assert.Null(predictions.Columns["reason"][6]);
        Assert.Equal("pophealth-rfhlth", predictions.Columns["model_name"][0]);
        Assert.Equal(1, predictions.Columns["model_version"][0]);
        var tiers = Enumerable.Range(0, 2000).Select(i => (string?)predictions.Columns["risk_tier"][i]).Where(t => t is not null).Distinct()
            .ToArray();
        Assert.All(tiers, t => Assert.Contains(t, RiskTiers.All.Select(r => r.Name)));
        // Probabilities are the model's own (scored by ONNX Runtime on the registered export; ML.NET agrees within 1e-5).
        var m = ModelFixtures.Matrix(2000, seed: 8);
        var expected = fixture.Model.Probabilities(m.Rows.Take(100).ToArray());
        foreach (var i in Enumerable.Range(0, 100).Where(i => i is < 3 or > 6)) // rows 3–6 were altered above
            Assert.InRange((double)predictions.Columns["probability"][i]! - expected[i], -1e-5, 1e-5);
    }

    [Fact]
    public async Task Missing_and_mistyped_columns_are_all_listed_and_nothing_is_written()
    {
        var input = await fixture.Input("bad-schema.parquet", 100, frame =>
        {
            frame.Columns.Remove("c");
            frame.Columns.Remove("noise");
            frame.Columns.Remove("a");
            frame.Columns.Add(new StringDataFrameColumn("a", Enumerable.Repeat("high", 100)));
        });
        var output = Output("bad-schema.parquet");
        var e = await Assert.ThrowsAsync<ScoringInputException>(() => BatchScorer.ScoreAsync(input, output, fixture.Store));
        Assert.Contains("bad-schema.parquet", e.Message);
        Assert.Equal(["column 'a' is text, expected numbers", "missing column 'c'", "missing column 'noise'"], e.Problems.Order());
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.Exists(Path.GetDirectoryName(output)) ? Directory.GetFiles(Path.GetDirectoryName(output)!, "*bad-schema*") : []);
    }

    [Fact]
    public async Task An_empty_file_and_a_file_that_is_not_parquet_are_clear_errors()
    {
        var empty = await fixture.Input("empty.parquet", 0);
        var e = await Assert.ThrowsAsync<ScoringInputException>(() => BatchScorer.ScoreAsync(empty, Output("empty.parquet"), fixture.Store));
        Assert.Contains("it has no rows", e.Message);
        var text = Path.Combine(fixture.Folder, "text.parquet");
        File.WriteAllText(text, "id,a\n1,2\n");
        Assert.Contains("text.parquet",
            (await Assert.ThrowsAsync<InvalidDataException>(() => BatchScorer.ScoreAsync(text, Output("text.parquet"), fixture.Store))).Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() =>
            BatchScorer.ScoreAsync(Path.Combine(fixture.Folder, "absent.parquet"), Output("absent.parquet"), fixture.Store));
        Assert.False(File.Exists(Output("empty.parquet")));
    }

    [Fact]
    public async Task An_unknown_alias_or_version_and_a_corrupt_model_are_named()
    {
        var input = await fixture.Input("ok.parquet", 50);
        Assert.Contains("no alias 'staging'", (await Assert.ThrowsAsync<ModelNotFoundException>(() =>
            BatchScorer.ScoreAsync(input, Output("a.parquet"), fixture.Store, new ScoringOptions("models:/pophealth-rfhlth@staging")))).Message);
        Assert.Contains("no version 7", (await Assert.ThrowsAsync<ModelNotFoundException>(() =>
            BatchScorer.ScoreAsync(input, Output("b.parquet"), fixture.Store, new ScoringOptions("models:/pophealth-rfhlth/7")))).Message);

        // Versions whose model files are damaged: the ONNX export, the signature, the ML.NET model when there is no export.
        foreach (var (file, content) in new[] { (OnnxModel.FileName, "not onnx"), (TrainedModel.SignatureFile, "{ not json"),
            (TrainedModel.ModelFile, "not a zip") })
        {
            var run = fixture.Store.StartRun(fixture.Store.GetOrCreateExperiment("pophealth"), "broken");
            var folder = ModelArtifacts.LogModel(run, fixture.Model);
            if (file == TrainedModel.ModelFile) File.Delete(Path.Combine(folder, OnnxModel.FileName));
            File.WriteAllText(Path.Combine(folder, file), content);
            var broken = fixture.Store.RegisterModel(WorkbookModel.Name, run);
            var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
                BatchScorer.ScoreAsync(input, Output("c.parquet"), fixture.Store, new ScoringOptions($"models:/pophealth-rfhlth/{broken.Version}")));
            Assert.Contains($"version {broken.Version}", e.Message);
            Assert.Contains(file, e.Message);
            Assert.False(File.Exists(Output("c.parquet")));
        }
    }

    [Fact]
    public async Task Onnx_from_the_registry_matches_mlnet_on_scored_rows()
    {
        var prod = fixture.Store.Resolve("models:/pophealth-rfhlth@prod");
        var rows = ModelFixtures.Matrix(1000, seed: 12).Rows;
        var onnx = OnnxModel.Score(Path.Combine(prod.ArtifactDirectory, OnnxModel.FileName), rows);
        var mlnet = ModelArtifacts.Load(prod).RawProbabilities(rows);
        Assert.All(onnx.Zip(mlnet), p => Assert.InRange(p.First - p.Second, -1e-5f, 1e-5f));
    }

    [Fact]
    public async Task Each_scored_row_carries_its_top_three_exact_drivers()
    {
        var input = await fixture.Input("drivers.parquet", 600);
        var output = Output("drivers.parquet");
        await BatchScorer.ScoreAsync(input, output, fixture.Store);
        var predictions = await ParquetFrames.ReadAsync(output);
        var m = ModelFixtures.Matrix(600, seed: 8);
        // The drivers are TreeSHAP contributions rescaled to the probability: they add up to p − p(base) over all features,
        // so the top three (largest magnitudes) can never exceed that in total magnitude ordering, and are sorted by magnitude.
        for (var i = 0; i < 600; i += 37)
        {
            var c = new[] { 1, 2, 3 }.Select(d => (double)predictions.Columns[$"driver_{d}_contribution"][i]!).ToArray();
            Assert.True(Math.Abs(c[0]) >= Math.Abs(c[1]) && Math.Abs(c[1]) >= Math.Abs(c[2]));
            var feature = (string)predictions.Columns["driver_1"][i]!;
            Assert.Contains(feature, m.FeatureNames);
            var value = predictions.Columns["driver_1_value"][i];
            var j = m.FeatureNames.ToList().IndexOf(feature);
            Assert.Equal(float.IsNaN(m.Rows[i][j]) ? null : (double?)m.Rows[i][j], (double?)value);
        }
        // The signal features drive the riskiest rows; the noise feature rarely leads.
        var leaders = Enumerable.Range(0, 600).Select(i => (string?)predictions.Columns["driver_1"][i]).ToArray();
        Assert.True(leaders.Count(f => f == "noise") < 60, $"noise leads {leaders.Count(f => f == "noise")} rows");
    }

    [Fact]
    public async Task Drivers_of_the_riskiest_rows_add_up_to_their_probability()
    {
        using var model = ScoringModel.Load(fixture.Store);
        Assert.NotNull(model.ExplainableTrees);
        var m = ModelFixtures.Matrix(400, seed: 3);
        var p = fixture.Model.Probabilities(m.Rows);
        var top = Enumerable.Range(0, m.Count).OrderByDescending(i => p[i]).Take(5).ToArray();
        var all = new RowDrivers(model.ExplainableTrees!, model.Signature, top: m.FeatureNames.Count)
            .Drivers(top.Select(i => m.Rows[i]).ToArray(), top.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                top.Select(i => p[i]).ToArray());
        var baseline = TreeShap.Explain(model.ExplainableTrees!, [m.Rows[0]])
            .ToProbabilityScale(x => model.Signature.Population(model.ExplainableTrees!.ProbabilityOfMargin(x))).BaseValue;
        foreach (var group in all.GroupBy(d => d.RespondentId))
            Assert.Equal(group.First().Probability - baseline, group.Sum(d => d.Contribution), 4);
        Assert.All(all.Where(d => d.Feature is "a" or "b").GroupBy(d => d.RespondentId), g => Assert.True(g.Sum(d => d.Contribution) > 0));
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData(0.05, "low")]
    [InlineData(0.10, "moderate")]
    [InlineData(0.3, "high")]
    [InlineData(0.5, "very high")]
    [InlineData(1.0, "very high")]
    public void Risk_tiers_have_documented_cut_points(double p, string tier) => Assert.Equal(tier, RiskTiers.Of(p));
}
