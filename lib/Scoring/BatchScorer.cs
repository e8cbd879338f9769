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
/// <param name="Drivers">Top drivers (exact TreeSHAP) written per scored row; 0 writes none (fastest).</param>
public sealed record ScoringOptions(string ModelUri = WorkbookModel.ProductionUri, int Drivers = 3);

/// <summary>What a batch scoring did: every input row is in the output, scored or with the reason it was not.</summary>
/// <param name="OutOfRange">Rows refused because a measured feature lies beyond its training range and margin (flagged in <c>out_of_range</c>).</param>
/// <param name="DuplicateIds">Rows whose respondent id repeats an earlier row's (both are scored; ids are reported, not changed).</param>
public sealed record ScoringReport(string Input, string Output, long Rows, long Scored, IReadOnlyDictionary<string, long> Unscored,
    string ModelName, int ModelVersion, IReadOnlyList<string> IgnoredColumns, TimeSpan Elapsed, string Engine,
    long OutOfRange = 0, long DuplicateIds = 0, IReadOnlyList<string>? DuplicateExamples = null)
{
    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("input", Input), new("model", $"models:/{ModelName}/{ModelVersion}"), new("scored by", Engine), new("rows in", Rows.ToString("N0")),
        new("rows scored", Scored.ToString("N0")), new("rows with a reason instead of a score", (Rows - Scored).ToString("N0")),
        new("rows out of the training range (refused, flagged)", OutOfRange.ToString("N0")),
        new("duplicate respondent ids", DuplicateIds == 0 ? "0" : $"{DuplicateIds:N0} (e.g. {string.Join(", ", DuplicateExamples ?? [])})"),
        new("columns ignored (not model features)", IgnoredColumns.Count == 0 ? "(none)" : string.Join(", ", IgnoredColumns)),
        new("output", Output), new("seconds", Elapsed.TotalSeconds.ToString("F1")),
        new("rows per second", (Rows / Math.Max(1e-9, Elapsed.TotalSeconds)).ToString("N0")),
    ];
}

/// <summary>An input checked against a model's signature: the fields to read, the id column, the columns ignored.</summary>
public sealed record CheckedInput(string Path, DataField[] FeatureFields, DataField? IdField, IReadOnlyList<string> Ignored, long Rows,
    FeatureDomain[] Domains, Func<double, bool>[] Accepts);

/// <summary>
/// Scores a Parquet file with a registered model, one row group at a time (memory follows the row group, not the
/// file), in two stages: <see cref="CheckAsync"/> holds the input against the model's signature (a missing column or a
/// non-numeric feature is an error listing all of them, and nothing is written), <see cref="ScoreAsync(CheckedInput, string, ScoringModel, IProgress{long}?, int)"/>
/// scores it. A row whose value the model cannot take (NaN, infinity, a code it was not trained on) gets a reason
/// instead of a score. Output rows = input rows, in order; written atomically.
/// </summary>
public static class BatchScorer
{
    public static readonly IReadOnlyList<string> OutputColumns =
        [FeatureSet.RespondentId, "probability", "predicted_label", "risk_tier", "model_name", "model_version", "reason", "out_of_range"];

    /// <summary>Resolves the model, checks the input and scores it: the three stages in one call.</summary>
    public static async Task<ScoringReport> ScoreAsync(string input, string output, MlflowStore store, ScoringOptions? options = null, IProgress<long>? progress = null)
    {
        options ??= new ScoringOptions();
        using var model = ScoringModel.Load(store, options.ModelUri);
        return await ScoreAsync(await CheckAsync(input, model.Signature), output, model, progress, options.Drivers);
    }

    /// <summary>Checks <paramref name="input"/> against the signature; every problem is listed in one <see cref="ScoringInputException"/>.</summary>
    public static async Task<CheckedInput> CheckAsync(string input, ModelSignature signature)
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
        long totalRows = Enumerable.Range(0, reader.RowGroupCount).Sum(g => reader.OpenRowGroupReader(g).RowCount);
        if (totalRows == 0) problems.Add("it has no rows");
        if (problems.Count > 0) throw new ScoringInputException(input, problems);
        var idField = fields.FirstOrDefault(f => f.Name == FeatureSet.RespondentId);
        if (idField is not null && !IsNumber(idField) && TypeName(idField) != "text")
            throw new ScoringInputException(input, [$"column '{FeatureSet.RespondentId}' is {TypeName(idField)}, expected whole numbers or text"]);
        var ignored = fields.Select(f => f.Name).Except(features).Where(n => n != FeatureSet.RespondentId).ToArray();
        // A model saved without training domains still refuses NaN and infinity.
        var domains = features.Select(f => signature.Domains?.FirstOrDefault(d => d.Feature == f) ?? new FeatureDomain(f, double.NaN, double.NaN, null)).ToArray();
        return new CheckedInput(input, featureFields, idField, ignored, totalRows, domains, domains.Select(d => d.Acceptor()).ToArray());
    }

    /// <summary>The output's columns; the id's type follows the input's (see <see cref="RespondentIds"/>).</summary>
    private static DataField[] OutFields(RespondentIds ids, int drivers) =>
    [
        ids.OutputField, new DataField<double?>("probability"), new DataField<int?>("predicted_label"),
        new DataField<string>("risk_tier"), new DataField<string>("model_name"), new DataField<int>("model_version"), new DataField<string>("reason"),
        new DataField<bool>("out_of_range"),
        .. Enumerable.Range(1, drivers).SelectMany(d => new DataField[]
        {
            new DataField<string>($"driver_{d}"), new DataField<double?>($"driver_{d}_value"), new DataField<double?>($"driver_{d}_contribution"),
        }),
    ];

    /// <summary>Scores a checked input into <paramref name="output"/> (atomically): while one row group is scored, the previous is written and the next read.</summary>
    /// <param name="drivers">Top drivers per scored row (exact TreeSHAP, probability terms), when the model has compiled trees and saved cover.</param>
    public static async Task<ScoringReport> ScoreAsync(CheckedInput input, string output, ScoringModel model, IProgress<long>? progress = null, int drivers = 3)
    {
        var explainer = RowDrivers.For(model, drivers);
        var watch = Stopwatch.StartNew();
        long done = 0, scored = 0, outOfRange = 0;
        var unscored = new Dictionary<string, long>();
        var ids = new RespondentIds(input.IdField);
        var fields = OutFields(ids, explainer?.Top ?? 0);
        await using var reader = await ParquetFrames.OpenAsync(input.Path);
        await AtomicFile.WriteAsync(output, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
            writer.CustomMetadata = new Dictionary<string, string>
            {
                ["pophealth.model"] = $"models:/{model.Version.Name}/{model.Version.Version}", ["pophealth.model_uri"] = model.Uri,
                ["pophealth.input"] = Path.GetFullPath(input.Path), ["pophealth.threshold"] = model.Signature.Threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            };
            Task<double?[]>? scoring = null;
            PreparedGroup? previous = null;
            for (var g = 0; g <= reader.RowGroupCount; g++)
            {
                PreparedGroup? current = null;
                if (g < reader.RowGroupCount)
                {
                    using var group = reader.OpenRowGroupReader(g);
                    current = await Prepare(group, input, ids, done + (previous?.Rows ?? 0));
                }
                var previousProbabilities = scoring is null ? null : await scoring;
                if (current is not null) scoring = Score(current, model, explainer);
                if (previous is not null)
                {
                    await Write(writer, fields, previous, previousProbabilities!, model);
                    outOfRange += previous.OutOfRange.Count(f => f);
                    foreach (var reason in previous.Reasons.Where(r => r is not null)) unscored[reason!] = unscored.GetValueOrDefault(reason!) + 1;
                    scored += previousProbabilities!.Count(p => p is not null);
                    done += previous.Rows;
                    progress?.Report(done);
                }
                previous = current;
            }
        });
        return new ScoringReport(Path.GetFullPath(input.Path), Path.GetFullPath(output), done, scored, unscored, model.Version.Name, model.Version.Version,
            input.Ignored, watch.Elapsed, model.Engine, outOfRange, ids.Duplicates, ids.DuplicateExamples);
    }

    /// <summary>One row group read into a row-major float buffer (NaN = unknown), with a reason for each row that cannot be scored.</summary>
    private sealed record PreparedGroup(int Rows, int Features, float[] Buffer, string?[] Reasons, Array Ids, bool[] OutOfRange)
    {
        public (string Feature, double? Value, double Contribution)[]?[]? Drivers { get; set; }
    }

    private static async Task<PreparedGroup> Prepare(ParquetRowGroupReader group, CheckedInput input, RespondentIds respondentIds, long offset)
    {
        var (featureFields, domains, accepts) = (input.FeatureFields, input.Domains, input.Accepts);
        var n = checked((int)group.RowCount);
        var k = featureFields.Length;
        var buffer = new float[n * k];
        var reasons = new string?[n];
        var outOfRange = new bool[n];
        // The id's own problem comes first: a row that cannot be linked back is not scored.
        var ids = await respondentIds.ReadAsync(group, n, offset, reasons);
        for (var j = 0; j < k; j++)
        {
            var column = await ReadNumbers(group, featureFields[j], n);
            var accept = accepts[j];
            for (var i = 0; i < n; i++)
            {
                if (column[i] is not { } v) { buffer[i * k + j] = float.NaN; continue; }
                buffer[i * k + j] = (float)v;
                if (accept(v)) continue;
                reasons[i] ??= domains[j].Problem(v);
                if (domains[j].IsOutOfRange(v)) outOfRange[i] = true;
            }
        }
        return new PreparedGroup(n, k, buffer, reasons, ids, outOfRange);
    }

    private static async Task<double?[]> Score(PreparedGroup group, ScoringModel model, RowDrivers? explainer)
    {
        var population = await model.ProbabilitiesAsync(group.Buffer, group.Rows, group.Features);
        var probabilities = new double?[group.Rows];
        for (var i = 0; i < group.Rows; i++)
            if (group.Reasons[i] is null) probabilities[i] = population[i];
        if (explainer is not null) group.Drivers = await Task.Run(() => explainer.Explain(group.Buffer, group.Rows, group.Features, probabilities));
        return probabilities;
    }

    private static async Task Write(ParquetWriter writer, DataField[] fields, PreparedGroup group, double?[] probabilities, ScoringModel model)
    {
        var (threshold, version) = (model.Signature.Threshold, model.Version);
        var n = group.Rows;
        var labels = new int?[n];
        var tiers = new string?[n];
        for (var i = 0; i < n; i++)
            // Compared in single precision, as the ONNX graph compares its probability with the threshold.
            if (probabilities[i] is { } p) { labels[i] = (float)p >= (float)threshold ? 1 : 0; tiers[i] = RiskTiers.Of(p); }
        using var outGroup = writer.CreateRowGroup();
        if (group.Ids is string?[] text) await outGroup.WriteAsync(fields[0], text);
        else await outGroup.WriteAsync(fields[0], new ReadOnlyMemory<long?>((long?[])group.Ids));
        await outGroup.WriteAsync(fields[1], new ReadOnlyMemory<double?>(probabilities));
        await outGroup.WriteAsync(fields[2], new ReadOnlyMemory<int?>(labels));
        await outGroup.WriteAsync(fields[3], tiers);
        await outGroup.WriteAsync(fields[4], Enumerable.Repeat(version.Name, n).ToArray());
        await outGroup.WriteAsync<int>(fields[5], Enumerable.Repeat(version.Version, n).ToArray());
        await outGroup.WriteAsync(fields[6], group.Reasons);
        await outGroup.WriteAsync<bool>(fields[7], group.OutOfRange);
        for (var d = 0; 8 + 3 * d < fields.Length; d++)
        {
            var top = group.Drivers!;
            (string Feature, double? Value, double Contribution)? At(int i) => top[i] is { } row && d < row.Length ? row[d] : null;
            await outGroup.WriteAsync(fields[8 + 3 * d], Enumerable.Range(0, n).Select(i => At(i)?.Feature).ToArray());
            await outGroup.WriteAsync(fields[9 + 3 * d], new ReadOnlyMemory<double?>(Enumerable.Range(0, n).Select(i => At(i)?.Value).ToArray()));
            await outGroup.WriteAsync(fields[10 + 3 * d], new ReadOnlyMemory<double?>(Enumerable.Range(0, n).Select(i => At(i) is { } x ? Math.Round(x.Contribution, 6) : (double?)null).ToArray()));
        }
    }

    /// <summary>Whether a Parquet field holds numbers the scorer reads.</summary>
    public static bool IsNumber(DataField field)
    {
        var t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        return t == typeof(double) || t == typeof(float) || t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte);
    }

    /// <summary>A field's type in words, for error messages.</summary>
    public static string TypeName(DataField field) => (Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType) switch
    {
        var t when t == typeof(string) || t == typeof(ReadOnlyMemory<char>) => "text",
        var t => t.Name,
    };

    /// <summary>A numeric column of any width as nullable doubles.</summary>
    public static async Task<double?[]> ReadNumbers(ParquetRowGroupReader group, DataField field, int n)
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
