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
        using var scorer = new OnnxScorer(path);
        var (data, k) = ModelMatrix.RowMajor(rows);
        return scorer.Score(data, rows.Count, k);
    }

    /// <summary>The input and output names and shapes of an ONNX file, as ONNX Runtime reads them.</summary>
    public static (IReadOnlyList<(string Name, int[] Shape)> Inputs, IReadOnlyList<(string Name, int[] Shape)> Outputs) Describe(string path)
    {
        using var session = new InferenceSession(path);
        return (session.InputMetadata.Select(kv => (kv.Key, kv.Value.Dimensions)).ToArray(),
                session.OutputNames.Select(n => (n, session.OutputMetadata[n].Dimensions)).ToArray());
    }
}

/// <summary>An ONNX Runtime session over an exported model, for scoring row-major feature buffers in batches.</summary>
public sealed class OnnxScorer : IDisposable
{
    private readonly InferenceSession session;

    /// <param name="threads">Threads one scoring call uses (0 = ONNX Runtime's default, all cores).</param>
    public OnnxScorer(string path, int threads = 0)
    {
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: not a loadable ONNX model ({e.Message}).", e);
        }
    }

    /// <summary>Probabilities (before any prior shift) of <paramref name="rows"/> rows of <paramref name="features"/> floats each, row-major; NaN = unknown.</summary>
    public float[] Score(float[] buffer, int rows, int features)
    {
        if (rows == 0) return [];
        var tensor = new DenseTensor<float>(buffer.AsMemory(0, rows * features), [rows, features]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxModel.InputName, tensor)], ["probability"]);
        return results.First().AsEnumerable<float>().ToArray();
    }

    public void Dispose() => session.Dispose();
}

/// <summary>
/// The registered ONNX model's trees compiled into flat arrays and evaluated in C#, for batch scoring. It reads the
/// graph ML.NET exports for tree models — one <c>TreeEnsembleRegressor</c> over the input, then scalar
/// <c>Mul</c>/<c>Add</c>, <c>Sigmoid</c> and <c>Identity</c> up to <c>probability</c> — following the ONNX operator's
/// semantics (branch modes, missing values tracking the true branch or not, SUM/AVERAGE, base value). Any other graph
/// is not compiled (<see cref="TryCompile"/> returns null) and ONNX Runtime scores it. Tested equal to ONNX Runtime.
/// </summary>
public sealed class CompiledTrees
{
    private CompiledTrees(TreeEnsemble trees) => Trees = trees;

    /// <summary>The trees as plain arrays with their link to the probability (what <see cref="TreeShap"/> explains).</summary>
    public TreeEnsemble Trees { get; }

    /// <summary>The number of input features the trees read (the highest feature index + 1).</summary>
    public int Features => Trees.Features;

    public static CompiledTrees? TryCompile(string path)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)); }
        catch (InvalidProtocolBufferException) { return null; }
        var graph = model.Graph;
        var ensembles = graph.Node.Where(n => n.OpType == "TreeEnsembleRegressor").ToArray();
        if (ensembles.Length != 1 || ensembles[0].Input.Count != 1 || ensembles[0].Input[0] != OnnxModel.InputName) return null;
        var tree = ensembles[0];
        AttributeProto? A(string name) => tree.Attribute.FirstOrDefault(a => a.Name == name);
        if ((A("post_transform")?.S.ToStringUtf8() ?? "NONE") != "NONE" || (A("n_targets")?.I ?? 1) != 1) return null;
        var aggregate = A("aggregate_function")?.S.ToStringUtf8() ?? "SUM";
        if (aggregate is not ("SUM" or "AVERAGE")) return null;
        var treeIds = A("nodes_treeids")!.Ints;
        var nodeIds = A("nodes_nodeids")!.Ints;
        var featureIds = A("nodes_featureids")!.Ints;
        var modes = A("nodes_modes")!.Strings.Select(s => s.ToStringUtf8()).ToArray();
        var values = A("nodes_values")!.Floats;
        var trueIds = A("nodes_truenodeids")!.Ints;
        var falseIds = A("nodes_falsenodeids")!.Ints;
        var tracks = A("nodes_missing_value_tracks_true")?.Ints;
        var n = treeIds.Count;
        var index = new Dictionary<(long Tree, long Node), int>();
        for (var i = 0; i < n; i++) index[(treeIds[i], nodeIds[i])] = i;
        var mode = new SplitRule[n];
        for (var i = 0; i < n; i++)
        {
            SplitRule? rule = modes[i] switch
            {
                "LEAF" => SplitRule.Leaf, "BRANCH_LEQ" => SplitRule.LessOrEqual, "BRANCH_LT" => SplitRule.Less,
                "BRANCH_GTE" => SplitRule.GreaterOrEqual, "BRANCH_GT" => SplitRule.Greater, _ => null,
            };
            if (rule is null) return null;
            mode[i] = rule.Value;
        }
        var leafValue = new double[n];
        var targetTrees = A("target_treeids")!.Ints;
        var targetNodes = A("target_nodeids")!.Ints;
        var targetIds = A("target_ids")!.Ints;
        var weights = A("target_weights")!.Floats;
        for (var t = 0; t < targetTrees.Count; t++)
        {
            if (targetIds[t] != 0 || !index.TryGetValue((targetTrees[t], targetNodes[t]), out var leaf)) return null;
            leafValue[leaf] += weights[t];
        }
        int Child(int i, long id) => mode[i] == SplitRule.Leaf ? -1 : index.TryGetValue((treeIds[i], id), out var c) ? c : -2;
        var whenTrue = Enumerable.Range(0, n).Select(i => Child(i, trueIds[i])).ToArray();
        var whenFalse = Enumerable.Range(0, n).Select(i => Child(i, falseIds[i])).ToArray();
        if (whenTrue.Contains(-2) || whenFalse.Contains(-2)) return null;
        var roots = treeIds.Distinct().Select(t => index.TryGetValue((t, 0), out var r) ? r : -1).ToArray();
        if (roots.Contains(-1)) return null;

        // The path from the ensemble's output to "probability": scalar Mul/Add, Sigmoid, Identity only.
        var constants = graph.Initializer.Where(i => i.Dims.Count == 0 || i.Dims.All(d => d == 1))
            .ToDictionary(i => i.Name, i => i.FloatData.Count == 1 ? (double?)i.FloatData[0] : i.RawData.Length == 4 ? BitConverter.ToSingle(i.RawData.Span) : null);
        var post = new List<LinkStep>();
        var current = tree.Output[0];
        for (var guard = 0; current != "probability" && guard < 32; guard++)
        {
            var next = graph.Node.Where(x => x.Input.Contains(current) && x.OpType is "Mul" or "Add" or "Sigmoid" or "Identity").ToArray();
            // Follow the branch that leads to the probability (Binarizer/Cast go to the label).
            var step = next.FirstOrDefault(x => Leads(graph, x.Output[0]));
            if (step is null) return null;
            switch (step.OpType)
            {
                case "Mul" or "Add":
                    var other = step.Input.First(i => i != current);
                    if (!constants.TryGetValue(other, out var c) || c is null) return null;
                    post.Add(new LinkStep(step.OpType == "Mul" ? LinkOp.Multiply : LinkOp.Add, c.Value));
                    break;
                case "Sigmoid": post.Add(new LinkStep(LinkOp.Sigmoid)); break;
            }
            current = step.Output[0];
        }
        if (current != "probability") return null;
        var baseValue = A("base_values") is { Floats.Count: 1 } b ? b.Floats[0] : 0;
        try
        {
            return new CompiledTrees(new TreeEnsemble(roots, featureIds.Select(f => (int)f).ToArray(), values.ToArray(), mode,
                Enumerable.Range(0, n).Select(i => tracks is not null && i < tracks.Count && tracks[i] != 0).ToArray(),
                whenTrue, whenFalse, leafValue, baseValue, aggregate == "AVERAGE", post));
        }
        catch (ArgumentException)
        {
            return null; // inconsistent node arrays: ONNX Runtime scores (or rejects) the file
        }

        static bool Leads(GraphProto graph, string output, int depth = 0) =>
            output == "probability" || depth < 32 && graph.Node.Where(x => x.Input.Contains(output) && x.OpType is "Mul" or "Add" or "Sigmoid" or "Identity")
                .Any(x => Leads(graph, x.Output[0], depth + 1));
    }

    /// <summary>Probabilities of <paramref name="rows"/> row-major rows of <paramref name="width"/> floats (NaN = missing), in parallel.</summary>
    public float[] Score(float[] buffer, int rows, int width) =>
        // Rows narrower than the trees read cannot be scored here: NaN makes the scorer's check against ONNX Runtime fail.
        width < Features ? Enumerable.Repeat(float.NaN, rows).ToArray() : Trees.Probabilities(buffer, rows, width);

    /// <summary>Margins (log-odds before the sigmoid, in double precision) of the rows: what <see cref="TreeShap"/> contributions add up to.</summary>
    public double[] Margins(float[] buffer, int rows, int width) => Trees.Margins(buffer, rows, width);
}
