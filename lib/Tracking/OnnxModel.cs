using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using PopHealth.Modeling;
using PopHealth.Workbook;

namespace PopHealth.Tracking;

/// <summary>
/// ONNX form of a trained model, shaped for MLflow's <c>onnx</c> / <c>python_function</c> flavours and Spark UDFs:
/// one input <c>features</c> (float [N, k]) and outputs <c>probability</c>, <c>score</c>, <c>predicted_label</c>,
/// each [N, 1], probability first. ML.NET exports its own column names; Identity nodes give them these.
/// </summary>
public static class OnnxModel
{
    public const string FileName = "model.onnx";
    public const string InputName = "features";
    public static readonly IReadOnlyList<string> OutputNames = ["probability", "score", "predicted_label"];

    private sealed class ScoringRow
    {
        [ColumnName(ModelRow.FeaturesColumn)] public float[] Features { get; set; } = [];
    }

    /// <summary>Exports <paramref name="model"/> (without any prior shift, which scorers apply themselves) to <paramref name="path"/>, atomically.</summary>
    public static void Export(TrainedModel model, string path)
    {
        var context = model.Context;
        var schema = SchemaDefinition.Create(typeof(ScoringRow));
        schema[ModelRow.FeaturesColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, model.FeatureNames.Count);
        var input = context.Data.LoadFromEnumerable(new[] { new ScoringRow { Features = new float[model.FeatureNames.Count] } }, schema);
        using var exported = new MemoryStream();
        context.Model.ConvertToOnnx(model.Transformer, input, exported, "Probability", "Score", "PredictedLabel");
        var onnx = ModelProto.Parser.ParseFrom(exported.ToArray());
        var graph = onnx.Graph;
        var byPrefix = new Dictionary<string, string> { ["probability"] = "Probability", ["score"] = "Score", ["predicted_label"] = "PredictedLabel" };
        var outputs = OutputNames.Select(name =>
        {
            var original = graph.Output.FirstOrDefault(o => o.Name.StartsWith(byPrefix[name], StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"ML.NET's ONNX export has no {byPrefix[name]} output (outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}).");
            graph.Node.Add(new NodeProto { OpType = "Identity", Name = "rename_" + name, Input = { original.Name }, Output = { name } });
            var renamed = original.Clone();
            renamed.Name = name;
            return renamed;
        }).ToArray();
        graph.Output.Clear();
        graph.Output.AddRange(outputs);
        if (graph.Input.Count != 1 || graph.Input[0].Name != InputName)
            throw new InvalidOperationException($"Expected one ONNX input '{InputName}', found {string.Join(", ", graph.Input.Select(i => i.Name))}.");
        AtomicFile.Write(path, (Stream stream) => onnx.WriteTo(stream));
    }

    /// <summary>Scores <paramref name="rows"/> with ONNX Runtime: the model's probabilities (before any prior shift).</summary>
    public static float[] Score(string path, IReadOnlyList<float[]> rows)
    {
        if (rows.Count == 0) return [];
        using var session = new InferenceSession(path);
        var k = rows[0].Length;
        var data = new float[rows.Count * k];
        for (var i = 0; i < rows.Count; i++) rows[i].CopyTo(data, i * k);
        var tensor = new DenseTensor<float>(data, [rows.Count, k]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(InputName, tensor)], ["probability"]);
        return results.First().AsEnumerable<float>().ToArray();
    }

    /// <summary>The input and output names and shapes of an ONNX file, as ONNX Runtime reads them.</summary>
    public static (IReadOnlyList<(string Name, int[] Shape)> Inputs, IReadOnlyList<(string Name, int[] Shape)> Outputs) Describe(string path)
    {
        using var session = new InferenceSession(path);
        return (session.InputMetadata.Select(kv => (kv.Key, kv.Value.Dimensions)).ToArray(),
                session.OutputNames.Select(n => (n, session.OutputMetadata[n].Dimensions)).ToArray());
    }
}
