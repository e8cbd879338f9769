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

    /// <summary>The graph's probability before the prior shift: an internal value, not an output (exports before it existed lack it).</summary>
    public const string RawProbability = "raw_probability";

    /// <summary>
    /// Exports <paramref name="model"/> to <paramref name="path"/>, atomically, so that the file alone gives the workbook's
    /// answer: <c>probability</c> is the population-level probability (the model's prior shift, if any, is inside the
    /// graph: p·r / (p·r + 1 − p) for odds factor r) and <c>predicted_label</c> is that probability at or above the
    /// model's threshold; <c>score</c> is the trees' raw score.
    /// </summary>
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
        ValueInfoProto Original(string prefix) => graph.Output.FirstOrDefault(o => o.Name.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"ML.NET's ONNX export has no {prefix} output " +
                $"(outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}).");
        var (probability, score, label) = (Original("Probability"), Original("Score"), Original("PredictedLabel"));
        graph.Node.Add(Node("Identity", "rename_score", [score.Name], "score"));
        graph.Node.Add(Node("Identity", "rename_probability", [probability.Name], RawProbability));
        AddPopulationProbability(graph, model.PriorShift);
        AddLabel(graph, (float)model.Threshold, label.Type.TensorType.ElemType);
        graph.Output.Clear();
        graph.Output.AddRange(new[] { (probability, "probability"), (score, "score"), (label, "predicted_label") }.Select(o =>
        {
            var renamed = o.Item1.Clone();
            renamed.Name = o.Item2;
            return renamed;
        }));
        if (graph.Input.Count != 1 || graph.Input[0].Name != InputName)
            throw new InvalidOperationException($"Expected one ONNX input '{InputName}', " +
                $"found {string.Join(", ", graph.Input.Select(i => i.Name))}.");
        AtomicFile.Write(path, (Stream stream) => onnx.WriteTo(stream));
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output) =>
        new() { OpType = op, Name = name, Input = { inputs }, Output = { output } };

    private static string Constant(GraphProto graph, string name, float value)
    {
        graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { value } });
        return name;
    }

    /// <summary>probability = raw · r / (raw · r + 1 − raw), the prior shift's Bayes update on the odds (identity without a shift).</summary>
    private static void AddPopulationProbability(GraphProto graph, PriorShift? shift)
    {
        if (shift is null) { graph.Node.Add(Node("Identity", "population_probability", [RawProbability], "probability")); return; }
        var r = Constant(graph, "prior_shift_odds_factor", (float)shift.OddsFactor);
        var one = Constant(graph, "prior_shift_one", 1f);
        graph.Node.Add(Node("Mul", "prior_shift_numerator", [RawProbability, r], "prior_shift_numerator"));
        graph.Node.Add(Node("Sub", "prior_shift_complement", [one, RawProbability], "prior_shift_complement"));
        graph.Node.Add(Node("Add", "prior_shift_denominator", ["prior_shift_numerator", "prior_shift_complement"], "prior_shift_denominator"));
        graph.Node.Add(Node("Div", "population_probability", ["prior_shift_numerator", "prior_shift_denominator"], "probability"));
    }

    /// <summary>predicted_label = probability ≥ threshold, in the element type ML.NET's label output had.</summary>
    private static void AddLabel(GraphProto graph, float threshold, int elementType)
    {
        var t = Constant(graph, "chosen_threshold", threshold);
        graph.Node.Add(Node("Less", "below_threshold", ["probability", t], "below_threshold"));
        var boolean = (int)TensorProto.Types.DataType.Bool;
        graph.Node.Add(Node("Not", "at_or_above_threshold", ["below_threshold"],
            elementType == boolean ? "predicted_label" : "at_or_above_threshold"));
        if (elementType != boolean)
            graph.Node.Add(new NodeProto
            {
                OpType = "Cast", Name = "label_type", Input = { "at_or_above_threshold" }, Output = { "predicted_label" },
                Attribute = { new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = elementType } },
            });
    }

    /// <summary>The graph's outputs with their element types as numpy names (float32, bool, int64 …), for MLflow's signature.</summary>
    public static IReadOnlyList<(string Name, string Dtype)> OutputTypes(string path) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Output
            .Select(o => (o.Name, ((TensorProto.Types.DataType)o.Type.TensorType.ElemType) switch
            {
                TensorProto.Types.DataType.Float => "float32", TensorProto.Types.DataType.Double => "float64",
                TensorProto.Types.DataType.Bool => "bool", TensorProto.Types.DataType.Int64 => "int64",
                TensorProto.Types.DataType.Int32 => "int32", TensorProto.Types.DataType.Uint32 => "uint32",
                var other => throw new InvalidDataException(
                    $"{path}: output '{o.Name}' has element type {other}, which MLflow's signature cannot name."),
            })).ToArray();

    /// <summary>Whether the file's <c>probability</c> already carries the prior shift (exports since it moved into the graph).</summary>
    public static bool CarriesPriorShift(string path) => TryParse(File.ReadAllBytes(path)) is { } model && CarriesPriorShift(model);

    /// <summary>Whether a parsed export's <c>probability</c> already carries the prior shift.</summary>
    public static bool CarriesPriorShift(ModelProto model) => model.Graph?.Node.Any(n => n.Output.Contains(RawProbability)) ?? false;

    /// <summary>
    /// An export read once for scoring: its bytes (for ONNX Runtime), its trees compiled when the graph is the shape ML.NET
    /// exports for tree models, and whether its probability carries the prior shift; one read and one parse.
    /// </summary>
    public static OnnxExport Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var model = TryParse(bytes);
        return new OnnxExport(path, bytes, model is null ? null : CompiledTrees.TryCompile(model), model is not null && CarriesPriorShift(model));
    }

    /// <summary>The ONNX model in <paramref name="bytes"/>, or null when they are not an ONNX protobuf.</summary>
    public static ModelProto? TryParse(byte[] bytes)
    {
        try { return ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException) { return null; }
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

/// <summary>An export as <see cref="OnnxModel.Read"/> read it.</summary>
public sealed record OnnxExport(string Path, byte[] Bytes, CompiledTrees? Compiled, bool CarriesPriorShift);

/// <summary>An ONNX Runtime session over an exported model, for scoring row-major feature buffers in batches.</summary>
public sealed class OnnxScorer : IDisposable
{
    private readonly InferenceSession session;

    /// <param name="threads">Threads one scoring call uses (0 = ONNX Runtime's default, all cores).</param>
    public OnnxScorer(string path, int threads = 0) : this(File.ReadAllBytes(path), path, threads) { }

    /// <summary>A session over an export already read into memory (<paramref name="path"/> names it in errors).</summary>
    public OnnxScorer(byte[] model, string path, int threads = 0)
    {
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: not a loadable ONNX model ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Probabilities (before any prior shift) of <paramref name="rows"/> rows of <paramref name="features"/> floats
    /// each, row-major; NaN = unknown.
    /// </summary>
    public float[] Score(float[] buffer, int rows, int features)
    {
        if (rows == 0) return [];
        var tensor = new DenseTensor<float>(buffer.AsMemory(0, rows * features), [rows, features]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxModel.InputName, tensor)], ["probability"]);
        return results[0].AsEnumerable<float>().ToArray();
    }

    public void Dispose() => session.Dispose();
}

/// <summary>
/// The registered ONNX model's trees compiled into flat arrays and evaluated in C#, for batch scoring. It reads the
/// graph ML.NET exports for tree models — one <c>TreeEnsembleRegressor</c> over the input, then scalar
/// <c>Mul</c>/<c>Add</c>, <c>Sigmoid</c> and <c>Identity</c> up to <c>probability</c> — following the ONNX operator's
/// semantics (branch modes, missing values tracking the true branch or not, SUM/AVERAGE, base value). Any other graph
/// is not compiled (<see cref="TryCompile(string)"/> returns null) and ONNX Runtime scores it. Tested equal to ONNX Runtime.
/// </summary>
public sealed class CompiledTrees
{
    private CompiledTrees(TreeEnsemble trees) => Trees = trees;

    /// <summary>The trees as plain arrays with their link to the probability (what <see cref="TreeShap"/> explains).</summary>
    public TreeEnsemble Trees { get; }

    /// <summary>The number of input features the trees read (the highest feature index + 1).</summary>
    public int Features => Trees.Features;

    /// <summary>
    /// The trees of an ML.NET tree-model export, up to its raw probability (before the prior shift, which scorers apply
    /// as the graph does); null when the file is not that shape (ONNX Runtime then scores it).
    /// </summary>
    public static CompiledTrees? TryCompile(string path) => OnnxModel.TryParse(File.ReadAllBytes(path)) is { } model ? TryCompile(model) : null;

    /// <summary>The trees of a parsed export (see <see cref="TryCompile(string)"/>); null when it is not that shape.</summary>
    public static CompiledTrees? TryCompile(ModelProto model)
    {
        var graph = model.Graph;
        if (graph is null) return null;
        var ensembles = graph.Node.Where(n => n.OpType == "TreeEnsembleRegressor").ToArray();
        if (ensembles.Length != 1 || ensembles[0].Input.Count != 1 || ensembles[0].Input[0] != OnnxModel.InputName) return null;
        var tree = ensembles[0];
        var target = graph.Node.Any(n => n.Output.Contains(OnnxModel.RawProbability)) ? OnnxModel.RawProbability : "probability";
        if (ReadNodes(tree) is not { } nodes || ReadLink(graph, tree.Output[0], target) is not { } link) return null;
        var baseValue = tree.Attribute.FirstOrDefault(a => a.Name == "base_values") is { Floats.Count: 1 } b ? b.Floats[0] : 0;
        try
        {
            return new CompiledTrees(new TreeEnsemble(nodes.Roots, nodes.Feature, nodes.Threshold, nodes.Mode, nodes.MissingTrue,
                nodes.WhenTrue, nodes.WhenFalse, nodes.LeafValue, baseValue, nodes.Average, link));
        }
        catch (ArgumentException)
        {
            return null; // inconsistent node arrays: ONNX Runtime scores (or rejects) the file
        }
    }

    private sealed record Nodes(int[] Roots, int[] Feature, float[] Threshold, SplitRule[] Mode, bool[] MissingTrue, int[] WhenTrue, int[] WhenFalse,
        double[] LeafValue, bool Average);

    /// <summary>The TreeEnsembleRegressor's node arrays (ONNX's operator semantics), or null for a shape this compiler does not take.</summary>
    private static Nodes? ReadNodes(NodeProto tree)
    {
        AttributeProto? A(string name) => tree.Attribute.FirstOrDefault(a => a.Name == name);
        if ((A("post_transform")?.S.ToStringUtf8() ?? "NONE") != "NONE" || (A("n_targets")?.I ?? 1) != 1) return null;
        var aggregate = A("aggregate_function")?.S.ToStringUtf8() ?? "SUM";
        if (aggregate is not ("SUM" or "AVERAGE")) return null;
        var (treeIds, nodeIds, trueIds, falseIds) = (A("nodes_treeids")!.Ints, A("nodes_nodeids")!.Ints, A("nodes_truenodeids")!.Ints,
            A("nodes_falsenodeids")!.Ints);
        var tracks = A("nodes_missing_value_tracks_true")?.Ints;
        var n = treeIds.Count;
        var index = new Dictionary<(long Tree, long Node), int>();
        for (var i = 0; i < n; i++) index[(treeIds[i], nodeIds[i])] = i;
        var mode = A("nodes_modes")!.Strings.Select(m => m.ToStringUtf8() switch
        {
            "LEAF" => SplitRule.Leaf, "BRANCH_LEQ" => SplitRule.LessOrEqual, "BRANCH_LT" => SplitRule.Less,
            "BRANCH_GTE" => SplitRule.GreaterOrEqual, "BRANCH_GT" => SplitRule.Greater, _ => (SplitRule?)null,
        }).ToArray();
        if (mode.Any(m => m is null)) return null;
        var rules = mode.Select(m => m!.Value).ToArray();
        var leafValue = new double[n];
        var (targetTrees, targetNodes, targetIds, weights) = (A("target_treeids")!.Ints, A("target_nodeids")!.Ints, A("target_ids")!.Ints,
            A("target_weights")!.Floats);
        for (var t = 0; t < targetTrees.Count; t++)
        {
            if (targetIds[t] != 0 || !index.TryGetValue((targetTrees[t], targetNodes[t]), out var leaf)) return null;
            leafValue[leaf] += weights[t];
        }
        int Child(int i, long id) => rules[i] == SplitRule.Leaf ? -1 : index.TryGetValue((treeIds[i], id), out var c) ? c : -2;
        var whenTrue = Enumerable.Range(0, n).Select(i => Child(i, trueIds[i])).ToArray();
        var whenFalse = Enumerable.Range(0, n).Select(i => Child(i, falseIds[i])).ToArray();
        var roots = treeIds.Distinct().Select(t => index.TryGetValue((t, 0), out var r) ? r : -1).ToArray();
        if (whenTrue.Contains(-2) || whenFalse.Contains(-2) || roots.Contains(-1)) return null;
        return new Nodes(roots, A("nodes_featureids")!.Ints.Select(f => (int)f).ToArray(), A("nodes_values")!.Floats.ToArray(), rules,
            Enumerable.Range(0, n).Select(i => tracks is not null && i < tracks.Count && tracks[i] != 0).ToArray(), whenTrue, whenFalse, leafValue,
            aggregate == "AVERAGE");
    }

    /// <summary>The path from the ensemble's output to <paramref name="target"/>: scalar Mul/Add, Sigmoid, Identity only (else null).</summary>
    private static List<LinkStep>? ReadLink(GraphProto graph, string start, string target)
    {
        var constants = graph.Initializer.Where(i => i.Dims.Count == 0 || i.Dims.All(d => d == 1))
            .ToDictionary(i => i.Name,
                i => i.FloatData.Count == 1 ? (double?)i.FloatData[0] : i.RawData.Length == 4 ? BitConverter.ToSingle(i.RawData.Span) : null);
        var post = new List<LinkStep>();
        var current = start;
        for (var guard = 0; current != target && guard < 32; guard++)
        {
            var next = graph.Node.Where(x => x.Input.Contains(current) && x.OpType is "Mul" or "Add" or "Sigmoid" or "Identity").ToArray();
            // Follow the branch that leads to the target (Binarizer/Cast go to the label).
            var step = next.FirstOrDefault(x => Leads(graph, x.Output[0], target));
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
        return current == target ? post : null;

        static bool Leads(GraphProto graph, string output, string target, int depth = 0) =>
            output == target || depth < 32 && graph.Node.Where(x => x.Input.Contains(output) && x.OpType is "Mul" or "Add" or "Sigmoid" or "Identity")
                .Any(x => Leads(graph, x.Output[0], target, depth + 1));
    }

    /// <summary>Probabilities of <paramref name="rows"/> row-major rows of <paramref name="width"/> floats (NaN = missing), in parallel.</summary>
    public float[] Score(float[] buffer, int rows, int width) =>
        // Rows narrower than the trees read cannot be scored here: NaN makes the scorer's check against ONNX Runtime fail.
        width < Features ? Enumerable.Repeat(float.NaN, rows).ToArray() : Trees.Probabilities(buffer, rows, width);

    /// <summary>
    /// Margins (log-odds before the sigmoid, in double precision) of the rows: what <see cref="TreeShap"/>
    /// contributions add up to.
    /// </summary>
    public double[] Margins(float[] buffer, int rows, int width) => Trees.Margins(buffer, rows, width);
}
