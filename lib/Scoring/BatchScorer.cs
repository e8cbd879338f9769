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
    string ModelName, int ModelVersion, IReadOnlyList<string> IgnoredColumns, TimeSpan Elapsed)
{
    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("input", Input), new("model", $"models:/{ModelName}/{ModelVersion}"), new("rows in", Rows.ToString("N0")),
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
        TrainedModel model;
        try { model = ModelArtifacts.Load(version); }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InvalidDataException($"{options.ModelUri} (version {version.Version}) cannot be loaded: {e.Message}", e);
        }

        if (!File.Exists(input)) throw new FileNotFoundException($"Scoring input not found: {input}", input);
        ParquetReader reader;
        try { reader = await ParquetReader.CreateAsync(input); }
        catch (Exception e) when (e is not (FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{input}: not a readable Parquet file ({e.Message}).", e);
        }
        await using var _ = reader;
        var fields = reader.Schema.GetDataFields();
        var problems = new List<string>();
        var featureFields = new DataField[model.FeatureNames.Count];
        for (var j = 0; j < model.FeatureNames.Count; j++)
        {
            var field = fields.FirstOrDefault(f => f.Name == model.FeatureNames[j]);
            if (field is null) { problems.Add($"missing column '{model.FeatureNames[j]}'"); continue; }
            if (!IsNumber(field)) { problems.Add($"column '{field.Name}' is {TypeName(field)}, expected numbers"); continue; }
            featureFields[j] = field;
        }
        var totalRows = Enumerable.Range(0, reader.RowGroupCount).Sum(g => reader.OpenRowGroupReader(g).RowCount);
        if (totalRows == 0) problems.Add("it has no rows");
        if (problems.Count > 0) throw new ScoringInputException(input, problems);
        var idField = fields.FirstOrDefault(f => f.Name == FeatureSet.RespondentId && IsNumber(f));
        var ignored = fields.Select(f => f.Name).Except(model.FeatureNames).Where(n => n != FeatureSet.RespondentId).ToArray();
        var domains = model.Domains.ToDictionary(d => d.Feature);

        var outFields = new DataField[]
        {
            new DataField<long>(FeatureSet.RespondentId), new DataField<double?>("probability"), new DataField<int?>("predicted_label"),
            new DataField<string>("risk_tier"), new DataField<string>("model_name"), new DataField<int>("model_version"), new DataField<string>("reason"),
        };
        long done = 0, scored = 0;
        var unscored = new Dictionary<string, long>();
        await AtomicFile.WriteAsync(output, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(outFields), stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
            writer.CustomMetadata = new Dictionary<string, string>
            {
                ["pophealth.model"] = $"models:/{version.Name}/{version.Version}", ["pophealth.model_uri"] = options.ModelUri,
                ["pophealth.input"] = Path.GetFullPath(input), ["pophealth.threshold"] = model.Threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            };
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                var columns = new double?[featureFields.Length][];
                for (var j = 0; j < featureFields.Length; j++) columns[j] = await ReadNumbers(group, featureFields[j], n);
                var ids = idField is null ? Enumerable.Range(0, n).Select(i => (double?)(done + i + 1)).ToArray() : await ReadNumbers(group, idField, n);

                var reasons = new string?[n];
                var rows = new float[n][];
                for (var i = 0; i < n; i++)
                {
                    var row = new float[featureFields.Length];
                    for (var j = 0; j < featureFields.Length && reasons[i] is null; j++)
                    {
                        var value = columns[j][i];
                        reasons[i] = domains.TryGetValue(model.FeatureNames[j], out var domain) ? domain.Problem(value)
                            : value is { } v && !double.IsFinite(v) ? $"{model.FeatureNames[j]} is {(double.IsNaN(v) ? "NaN" : "infinite")}" : null;
                        row[j] = value is { } x ? (float)x : float.NaN;
                    }
                    rows[i] = row;
                }
                var scoreable = Enumerable.Range(0, n).Where(i => reasons[i] is null).ToArray();
                var probabilities = new double?[n];
                if (scoreable.Length > 0)
                {
                    var p = model.Probabilities(scoreable.Select(i => rows[i]).ToArray());
                    for (var k = 0; k < scoreable.Length; k++) probabilities[scoreable[k]] = p[k];
                }
                foreach (var reason in reasons.Where(r => r is not null)) unscored[reason!] = unscored.GetValueOrDefault(reason!) + 1;

                using var outGroup = writer.CreateRowGroup();
                await outGroup.WriteAsync<long>(outFields[0], ids.Select((id, i) => (long)(id ?? done + i + 1)).ToArray());
                await outGroup.WriteAsync(outFields[1], new ReadOnlyMemory<double?>(probabilities));
                await outGroup.WriteAsync(outFields[2], new ReadOnlyMemory<int?>(probabilities.Select(p => p is { } v ? (int?)(v >= model.Threshold ? 1 : 0) : null).ToArray()));
                await outGroup.WriteAsync(outFields[3], probabilities.Select(p => p is { } v ? RiskTiers.Of(v) : null).ToArray());
                await outGroup.WriteAsync(outFields[4], Enumerable.Repeat(version.Name, n).ToArray());
                await outGroup.WriteAsync<int>(outFields[5], Enumerable.Repeat(version.Version, n).ToArray());
                await outGroup.WriteAsync(outFields[6], reasons);
                scored += scoreable.Length;
                done += n;
                progress?.Report(done);
            }
        });
        return new ScoringReport(Path.GetFullPath(input), Path.GetFullPath(output), done, scored, unscored, version.Name, version.Version, ignored, watch.Elapsed);
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
        if (t == typeof(double)) return await As<double>(v => v);
        if (t == typeof(float)) return await As<float>(v => v);
        if (t == typeof(int)) return await As<int>(v => v);
        if (t == typeof(long)) return await As<long>(v => v);
        if (t == typeof(short)) return await As<short>(v => v);
        return await As<byte>(v => v);
    }
}
