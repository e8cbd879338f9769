using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Tests.Modeling;

namespace PopHealth.Tests.Tracking;

[Trait("Category", "Unit")]
public class OnnxModelTests
{
    public static TheoryData<TrainerKind> Trainers => new(Enum.GetValues<TrainerKind>());

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Onnx_export_has_mlflows_shape_and_matches_mlnet(TrainerKind trainer)
    {
        using var temp = Repo.Temp();
        var data = ModelFixtures.Matrix(3000);
        var model = TrainedModel.Fit(data, new ModelSpec(trainer, 40, 16), seed: 3);
        var path = temp.File("model/model.onnx");
        OnnxModel.Export(model, path);

        var (inputs, outputs) = OnnxModel.Describe(path);
        var input = Assert.Single(inputs);
        Assert.Equal("features", input.Name);
        Assert.Equal(4, input.Shape[^1]);
        Assert.Equal(["probability", "score", "predicted_label"], outputs.Select(o => o.Name));
        Assert.All(outputs, o => Assert.Equal(1, o.Shape[^1]));

        var rows = ModelFixtures.Matrix(500, seed: 9).Rows;
        var mlnet = model.RawProbabilities(rows);
        var onnx = OnnxModel.Score(path, rows);
        Assert.Equal(mlnet.Length, onnx.Length);
        Assert.All(mlnet.Zip(onnx), p => Assert.InRange(p.First - p.Second, -1e-5f, 1e-5f));
    }
}

[Trait("Category", "Unit")]
public class CompiledTreesTests
{
    public static TheoryData<TrainerKind> Trainers => new(Enum.GetValues<TrainerKind>());

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Compiled_trees_give_onnx_runtimes_probabilities(TrainerKind trainer)
    {
        using var temp = Repo.Temp();
        var model = TrainedModel.Fit(ModelFixtures.Matrix(3000), new ModelSpec(trainer, 50, 32), seed: 5);
        var path = temp.File("model.onnx");
        OnnxModel.Export(model, path);
        var compiled = CompiledTrees.TryCompile(path);
        Assert.NotNull(compiled);
        var rows = ModelFixtures.Matrix(2000, seed: 6).Rows; // with unknown (NaN) values
        var buffer = rows.SelectMany(r => r).ToArray();
        using var onnx = new OnnxScorer(path);
        var expected = onnx.Score(buffer, rows.Length, 4);
        var actual = compiled!.Score(buffer, rows.Length, 4);
        Assert.All(expected.Zip(actual), p => Assert.InRange(p.First - p.Second, -1e-6f, 1e-6f));
    }

    [Fact]
    public void A_file_that_is_not_a_tree_model_is_not_compiled()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("x.onnx"), "not a model");
        Assert.Null(CompiledTrees.TryCompile(temp.File("x.onnx")));
    }
}
