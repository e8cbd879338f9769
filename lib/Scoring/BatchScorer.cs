using System.Diagnostics;
using Parquet;
using Parquet.Schema;
using PopHealth.Features;
using PopHealth.Modeling;
using PopHealth.Tracking;
using PopHealth.Workbook;

namespace PopHealth.Scoring;

/// <summary>A band of population-level risk.</summary>
public sealed record RiskTier(string Name, double Lower, double Upper);

/// <summary>
/// The risk tiers predictions are put in, by probability of fair or poor health: low below 10 %, moderate 10–25 %
/// (around the adult population's ~20 %), high 25–50 %, very high 50 % and above.
/// </summary>
public static class RiskTiers
{
    public static IReadOnlyList<RiskTier> All { get; } =
        [new("low", 0, 0.10), new("moderate", 0.10, 0.25), new("high", 0.25, 0.50), new("very high", 0.50, 1.0000001)];

    public static string Of(double probability) => All.First(t => probability >= t.Lower && probability < t.Upper).Name;
}

/// <summary>The input does not fit the model's signature; every problem is listed.</summary>
public sealed class ScoringInputException(string file, IReadOnlyList<string> problems)
    : Exception($"{file} cannot be scored by this model: {string.Join("; ", problems)}.")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Options for <see cref="BatchScorer"/>.</summary>
public sealed record ScoringOptions(string ModelUri = "models:/" + TrainStep.ModelName + "@prod");

/// <summary>What a batch scoring did: every input row is in the output, scored or with the reason it was not.</summary>
public sealed record ScoringReport(string Input, string Output, long Rows, long Scored, IReadOnlyDictionary<string, long> Unscored,
    string ModelName, int ModelVersion, IReadOnlyList<string> IgnoredColumns, TimeSpan Elapsed, string Engine)
{
    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("input", Input), new("model", $"models:/{ModelName}/{ModelVersion}"), new("scored by", Engine), new("rows in", Rows.ToString("N0")),
        new("rows scored", Scored.ToString("N0")), new("rows with a reason instead of a score", (Rows - Scored).ToString("N0")),
        new("columns ignored (not model features)", IgnoredColumns.Count == 0 ? "(none)" : string.Join(", ", IgnoredColumns)),
        new("output", Output), new("seconds", Elapsed.TotalSeconds.ToString("F1")),
        new("rows per second", (Rows / Math.Max(1e-9, Elapsed.TotalSeconds)).ToString("N0")),
    ];
}

/// <summary>
/// Scores a Parquet file with a registered model, one row group at a time (memory follows the row group, not the
/// file). The input is checked against the model's signature first: a missing column or a non-numeric feature is an
/// error listing all of them, and nothing is written. A row whose value the model cannot take (NaN, infinity, a code
/// it was not trained on) gets a reason instead of a score. Output rows = input rows, in order; written atomically.
/// </summary>
public static class BatchScorer
{
    public static readonly IReadOnlyList<string> OutputColumns =
        [FeatureSet.RespondentId, "probability", "predicted_label", "risk_tier", "model_name", "model_version", "reason"];

    public static async Task<ScoringReport> ScoreAsync(string input, string output, MlflowStore store, ScoringOptions? options = null, IProgress<long>? progress = null)
    {
        options ??= new ScoringOptions();
        var watch = Stopwatch.StartNew();
        var version = store.Resolve(options.ModelUri);
        // Batches are scored from the registered ONNX export (equal to ML.NET's probabilities within 1e-5, a tested property):
        // its trees compiled to flat arrays when the graph is the tree-ensemble shape ML.NET exports and they agree with
        // ONNX Runtime on the first rows, else by ONNX Runtime itself; a model logged without an export is scored by ML.NET.
        ModelSignature signature;
        OnnxScorer? onnx = null;
        CompiledTrees? compiled = null;
        Task<OnnxScorer>? onnxStarting = null;
        TrainedModel? mlnet = null;
        try
        {
            signature = TrainedModel.LoadSignature(version.ArtifactDirectory);
            var onnxPath = Path.Combine(version.ArtifactDirectory, OnnxModel.FileName);
            if (File.Exists(onnxPath))
            {
                // ONNX Runtime's session starts while the input is read; compiled trees need it only to be checked against.
                onnxStarting = Task.Run(() => new OnnxScorer(onnxPath));
                compiled = CompiledTrees.TryCompile(onnxPath);
            }
            else mlnet = ModelArtifacts.Load(version);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InvalidDataException($"{options.ModelUri} (version {version.Version}) cannot be loaded: {e.Message}", e);
        }

        try
        {
            return await Run();
        }
        finally
        {
            if (onnxStarting is not null) (await onnxStarting.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null))?.Dispose();
        }

        async Task<ScoringReport> Run()
        {
            await using var reader = await ParquetFrames.OpenAsync(input);
            var features = signature.Features;
            var fields = reader.Schema.GetDataFields();
            var problems = new List<string>();
            var featureFields = new DataField[features.Length];
            for (var j = 0; j < features.Length; j++)
            {
                var field = fields.FirstOrDefault(f => f.Name == features[j]);
                if (field is null) { problems.Add($"missing column '{features[j]}'"); continue; }
                if (!IsNumber(field)) { problems.Add($"column '{field.Name}' is {TypeName(field)}, expected numbers"); continue; }
                featureFields[j] = field;
            }
            var totalRows = Enumerable.Range(0, reader.RowGroupCount).Sum(g => reader.OpenRowGroupReader(g).RowCount);
            if (totalRows == 0) problems.Add("it has no rows");
            if (problems.Count > 0) throw new ScoringInputException(input, problems);
            var idField = fields.FirstOrDefault(f => f.Name == FeatureSet.RespondentId && IsNumber(f));
            var ignored = fields.Select(f => f.Name).Except(features).Where(n => n != FeatureSet.RespondentId).ToArray();
            // A model saved without training domains still refuses NaN and infinity.
            var domains = features.Select(f => signature.Domains?.FirstOrDefault(d => d.Feature == f) ?? new FeatureDomain(f, double.NaN, double.NaN, null)).ToArray();
            var accepts = domains.Select(d => d.Acceptor()).ToArray();

            var outFields = new DataField[]
            {
                new DataField<long>(FeatureSet.RespondentId), new DataField<double?>("probability"), new DataField<int?>("predicted_label"),
                new DataField<string>("risk_tier"), new DataField<string>("model_name"), new DataField<int>("model_version"), new DataField<string>("reason"),
            };
            try { if (onnxStarting is not null) onnx = await onnxStarting; }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{options.ModelUri} (version {version.Version}) cannot be loaded: {e.Message}", e);
            }
            long done = 0, scored = 0;
            var unscored = new Dictionary<string, long>();
            await AtomicFile.WriteAsync(output, async stream =>
            {
                await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(outFields), stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
                writer.CustomMetadata = new Dictionary<string, string>
                {
                    ["pophealth.model"] = $"models:/{version.Name}/{version.Version}", ["pophealth.model_uri"] = options.ModelUri,
                    ["pophealth.input"] = Path.GetFullPath(input), ["pophealth.threshold"] = signature.Threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                };
                // A pipeline: while one row group is scored (on every core), the previous one is written and the next one read.
                Task<double?[]>? scoring = null;
                PreparedGroup? previous = null;
                for (var g = 0; g <= reader.RowGroupCount; g++)
                {
                    PreparedGroup? current = null;
                    if (g < reader.RowGroupCount)
                    {
                        using var group = reader.OpenRowGroupReader(g);
                        current = await Prepare(group, featureFields, idField, domains, accepts, done + (previous?.Rows ?? 0));
                    }
                    var previousProbabilities = scoring is null ? null : await scoring;
                    if (current is not null)
                    {
                        var c = current;
                        if (compiled is not null && g == 0 && !CompiledAgrees(compiled, onnx!, c)) compiled = null;
                        var engine = compiled;
                        scoring = Task.Run(() => Score(c, signature, engine, onnx, mlnet));
                    }
                    if (previous is not null)
                    {
                        await Write(writer, outFields, previous, previousProbabilities!, signature.Threshold, version);
                        foreach (var reason in previous.Reasons.Where(r => r is not null)) unscored[reason!] = unscored.GetValueOrDefault(reason!) + 1;
                        scored += previousProbabilities!.Count(p => p is not null);
                        done += previous.Rows;
                        progress?.Report(done);
                    }
                    previous = current;
                }
            });
            var engineName = compiled is not null ? "the ONNX export's trees, compiled (checked against ONNX Runtime)" : onnx is not null ? "ONNX Runtime" : "ML.NET";
            return new ScoringReport(Path.GetFullPath(input), Path.GetFullPath(output), done, scored, unscored, version.Name, version.Version, ignored, watch.Elapsed, engineName);
        }
    }

    /// <summary>One row group read into a row-major float buffer (NaN = unknown), with a reason for each row that cannot be scored.</summary>
    private sealed record PreparedGroup(int Rows, int Features, float[] Buffer, string?[] Reasons, long[] Ids);

    private static async Task<PreparedGroup> Prepare(ParquetRowGroupReader group, DataField[] featureFields, DataField? idField,
        FeatureDomain[] domains, Func<double, bool>[] accepts, long offset)
    {
        var n = checked((int)group.RowCount);
        var k = featureFields.Length;
        var buffer = new float[n * k];
        var reasons = new string?[n];
        for (var j = 0; j < k; j++)
        {
            var column = await ReadNumbers(group, featureFields[j], n);
            var accept = accepts[j];
            for (var i = 0; i < n; i++)
            {
                if (column[i] is not { } v) { buffer[i * k + j] = float.NaN; continue; }
                buffer[i * k + j] = (float)v;
                if (reasons[i] is null && !accept(v)) reasons[i] = domains[j].Problem(v);
            }
        }
        var ids = new long[n];
        var idValues = idField is null ? null : await ReadNumbers(group, idField, n);
        for (var i = 0; i < n; i++) ids[i] = idValues?[i] is { } id ? (long)id : offset + i + 1;
        return new PreparedGroup(n, k, buffer, reasons, ids);
    }

    /// <summary>The compiled trees are used only if they give ONNX Runtime's probabilities (within 1e-6) on the first rows.</summary>
    private static bool CompiledAgrees(CompiledTrees compiled, OnnxScorer onnx, PreparedGroup group)
    {
        var rows = Math.Min(group.Rows, 5000);
        var expected = onnx.Score(group.Buffer, rows, group.Features);
        var actual = compiled.Score(group.Buffer, rows, group.Features);
        return compiled.Features <= group.Features && expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) <= 1e-6);
    }

    private static double?[] Score(PreparedGroup group, ModelSignature signature, CompiledTrees? compiled, OnnxScorer? onnx, TrainedModel? mlnet)
    {
        var (n, k) = (group.Rows, group.Features);
        var raw = compiled is not null ? compiled.Score(group.Buffer, n, k)
            : onnx is not null ? onnx.Score(group.Buffer, n, k)
            : mlnet!.RawProbabilities(Enumerable.Range(0, n).Select(i => group.Buffer.AsSpan(i * k, k).ToArray()).ToArray());
        var probabilities = new double?[n];
        for (var i = 0; i < n; i++)
            if (group.Reasons[i] is null) probabilities[i] = signature.Population(raw[i]);
        return probabilities;
    }

    private static async Task Write(ParquetWriter writer, DataField[] fields, PreparedGroup group, double?[] probabilities, double threshold, RegisteredVersion version)
    {
        var n = group.Rows;
        var labels = new int?[n];
        var tiers = new string?[n];
        for (var i = 0; i < n; i++)
            if (probabilities[i] is { } p) { labels[i] = p >= threshold ? 1 : 0; tiers[i] = RiskTiers.Of(p); }
        using var outGroup = writer.CreateRowGroup();
        await outGroup.WriteAsync<long>(fields[0], group.Ids);
        await outGroup.WriteAsync(fields[1], new ReadOnlyMemory<double?>(probabilities));
        await outGroup.WriteAsync(fields[2], new ReadOnlyMemory<int?>(labels));
        await outGroup.WriteAsync(fields[3], tiers);
        await outGroup.WriteAsync(fields[4], Enumerable.Repeat(version.Name, n).ToArray());
        await outGroup.WriteAsync<int>(fields[5], Enumerable.Repeat(version.Version, n).ToArray());
        await outGroup.WriteAsync(fields[6], group.Reasons);
    }

    private static bool IsNumber(DataField field)
    {
        var t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        return t == typeof(double) || t == typeof(float) || t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte);
    }

    private static string TypeName(DataField field) => (Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType) switch
    {
        var t when t == typeof(string) || t == typeof(ReadOnlyMemory<char>) => "text",
        var t => t.Name,
    };

    private static async Task<double?[]> ReadNumbers(ParquetRowGroupReader group, DataField field, int n)
    {
        var t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        async Task<double?[]> As<T>(Func<T, double> convert) where T : struct
        {
            var values = new T?[n];
            await group.ReadAsync<T>(field, values.AsMemory());
            return values.Select(v => v is { } x ? convert(x) : (double?)null).ToArray();
        }
        if (t == typeof(double))
        {
            var direct = new double?[n];
            await group.ReadAsync<double>(field, direct.AsMemory());
            return direct;
        }
        if (t == typeof(float)) return await As<float>(v => v);
        if (t == typeof(int)) return await As<int>(v => v);
        if (t == typeof(long)) return await As<long>(v => v);
        if (t == typeof(short)) return await As<short>(v => v);
        return await As<byte>(v => v);
    }
}
