using PopHealth.Modeling;
using PopHealth.Tracking;

namespace PopHealth.Scoring;

/// <summary>
/// A registered model resolved once and loaded for batch scoring: its version, its signature and the engine that
/// scores it. Batches are scored from the registered ONNX export (equal to ML.NET's probabilities within 1e-5, a tested
/// property): its trees compiled to flat arrays when the graph is the tree-ensemble shape ML.NET exports and they agree
/// with ONNX Runtime on the first rows, else by ONNX Runtime itself; a model logged without an export is scored by ML.NET.
/// </summary>
public sealed class ScoringModel : IDisposable
{
    private readonly Task<OnnxScorer>? onnxStarting;
    private CompiledTrees? compiled;
    private readonly TrainedModel? mlnet;
    private readonly object gate = new();
    private Task<OnnxScorer?>? compiledChecked;
    private readonly bool shiftInGraph;

    private ScoringModel(string uri, RegisteredVersion version, ModelSignature signature, OnnxExport? export, TrainedModel? mlnet)
    {
        (Uri, Version, Signature, this.mlnet) = (uri, version, signature, mlnet);
        // ONNX Runtime's session starts from the export's bytes while the input is read; compiled trees need it only to be checked against.
        onnxStarting = export is null ? null : Task.Run(() => new OnnxScorer(export.Bytes, export.Path));
        (compiled, shiftInGraph) = (export?.Compiled, export?.CarriesPriorShift ?? false);
        var coverFile = Path.Combine(version.ArtifactDirectory, TreeCover.FileName);
        ExplainableTrees = compiled is not null && File.Exists(coverFile) ? TreeCover.Load(version.ArtifactDirectory, compiled.Trees) : null;
    }

    /// <summary>The compiled trees with their saved cover, for exact explanations; null for a model registered without them.</summary>
    public TreeEnsemble? ExplainableTrees { get; }

    /// <summary>The URI it was resolved from (an alias URI stays as given; <see cref="Version"/> is what it resolved to).</summary>
    public string Uri { get; }
    public RegisteredVersion Version { get; }
    public ModelSignature Signature { get; }

    /// <summary>Which engine scored (after the first batch).</summary>
    public string Engine =>
        compiled is not null ? "the ONNX export's trees, compiled (checked against ONNX Runtime)" : onnxStarting is not null ? "ONNX Runtime"
            : "ML.NET";

    /// <summary>
    /// Resolves <paramref name="modelUri"/> once and loads what scoring needs; a model that cannot be loaded is an
    /// error naming the URI and version.
    /// </summary>
    public static ScoringModel Load(MlflowStore store, string modelUri = WorkbookModel.ProductionUri)
    {
        var version = store.Resolve(modelUri);
        try
        {
            var signature = TrainedModel.LoadSignature(version.ArtifactDirectory);
            var onnxPath = Path.Combine(version.ArtifactDirectory, OnnxModel.FileName);
            return File.Exists(onnxPath)
                ? new ScoringModel(modelUri, version, signature, OnnxModel.Read(onnxPath), null) // read and parsed once
                : new ScoringModel(modelUri, version, signature, null, ModelArtifacts.Load(version));
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw Unloadable(modelUri, version, e);
        }
    }

    private static InvalidDataException Unloadable(string uri, RegisteredVersion version, Exception e) =>
        new($"{uri} (version {version.Version}) cannot be loaded: {e.Message}", e);

    /// <summary>ONNX Runtime's session, once started (null for a model without an ONNX export).</summary>
    private async Task<OnnxScorer?> OnnxAsync()
    {
        if (onnxStarting is null) return null;
        try { return await onnxStarting; }
        catch (InvalidDataException e) { throw Unloadable(Uri, Version, e); }
    }

    /// <summary>
    /// Population-level probabilities of <paramref name="rows"/> row-major rows of <paramref name="width"/> values: the
    /// compiled trees' raw probability with the prior shift applied as the graph applies it, ONNX Runtime's
    /// <c>probability</c> output (which carries the shift in exports since it moved into the graph), or ML.NET's.
    /// </summary>
    public async Task<double[]> ProbabilitiesAsync(float[] buffer, int rows, int width)
    {
        // The first call (batches may be scored concurrently) checks the compiled trees; every call waits for that check.
        Task<OnnxScorer?> checking;
        lock (gate) checking = compiledChecked ??= CheckCompiledAsync(buffer, rows, width);
        var onnx = await checking;
        if (compiled is { } trees) return await Task.Run(() => Population(trees.Score(buffer, rows, width)));
        if (onnx is not null) return await Task.Run(() => FromOnnx(onnx.Score(buffer, rows, width)));
        return mlnet!.Probabilities(Enumerable.Range(0, rows).Select(i => buffer.AsSpan(i * width, width).ToArray()).ToArray());
    }

    /// <summary>The compiled trees are used only if they give ONNX Runtime's probabilities (within 1e-6) on the first rows.</summary>
    private async Task<OnnxScorer?> CheckCompiledAsync(float[] buffer, int rows, int width)
    {
        var onnx = await OnnxAsync();
        if (compiled is not null && !await Task.Run(() => CompiledAgrees(onnx!, buffer, Math.Min(rows, 5000), width))) compiled = null;
        return onnx;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private double[] Population(float[] raw)
    {
        var p = new double[raw.Length];
        for (var i = 0; i < raw.Length; i++) p[i] = Signature.Population(raw[i]);
        return p;
    }

    /// <summary>ONNX Runtime's output, with the shift applied here only for exports that predate it being in the graph.</summary>
    private double[] FromOnnx(float[] probability) => shiftInGraph ? probability.Select(p => (double)p).ToArray() : Population(probability);

    private bool CompiledAgrees(OnnxScorer onnx, float[] buffer, int rows, int width)
    {
        if (compiled!.Features > width) return false;
        var expected = FromOnnx(onnx.Score(buffer, rows, width));
        var actual = Population(compiled.Score(buffer, rows, width));
        return expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) <= 1e-6);
    }

    public void Dispose()
    {
        if (onnxStarting is { IsCompletedSuccessfully: true }) onnxStarting.Result.Dispose();
        else onnxStarting?.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);
    }
}
