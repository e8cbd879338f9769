using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
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
    private static readonly RiskTier[] Tiers =
        [new("low", 0, 0.10), new("moderate", 0.10, 0.25), new("high", 0.25, 0.50), new("very high", 0.50, 1.0000001)];

    public static IReadOnlyList<RiskTier> All { get; } = Tiers;

    public static string Of(double probability)
    {
        for (var t = 0; t < Tiers.Length; t++)
            if (probability >= Tiers[t].Lower && probability < Tiers[t].Upper) return Tiers[t].Name;
        throw new InvalidOperationException($"No risk tier holds the probability {probability}.");
    }
}

/// <summary>
/// The input does not fit the model's signature; every problem is listed. A refusal of bad input, which the runner shows
/// as one (its message, no stack trace), as it shows the <see cref="InvalidDataException"/> other readers raise for bad files.
/// </summary>
public sealed class ScoringInputException(string file, IReadOnlyList<string> problems)
    : Exception($"{file} cannot be scored by this model: {string.Join("; ", problems)}.")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Options for <see cref="BatchScorer"/>.</summary>
/// <param name="Drivers">Top drivers (exact TreeSHAP) written per scored row; 0 writes none (fastest).</param>
/// <param name="MissingShare">When a feature is missing in far more of the input than of the training rows (see
/// <see cref="MissingShareLimit"/>; null: the defaults).</param>
public sealed record ScoringOptions(string ModelUri = WorkbookModel.ProductionUri, int Drivers = 3, MissingShareLimit? MissingShare = null);

/// <summary>What a batch scoring did: every input row is in the output, scored or with the reason it was not.</summary>
/// <param name="OutOfRange">Rows refused because a measured feature lies beyond its training range and margin (flagged
/// in <c>out_of_range</c>).</param>
/// <param name="DuplicateIds">Rows whose respondent id repeats an earlier row's (both are scored; ids are reported, not changed).</param>
public sealed record ScoringReport(string Input, string Output, long Rows, long Scored, IReadOnlyDictionary<string, long> Unscored,
    string ModelName, int ModelVersion, IReadOnlyList<string> IgnoredColumns, TimeSpan Elapsed, string Engine,
    long OutOfRange = 0, long DuplicateIds = 0, IReadOnlyList<string>? DuplicateExamples = null, ScoringStages? Stages = null)
{
    /// <summary>
    /// This scoring's id, written into the output's metadata (<see cref="BatchScorer.RunKey"/>): a file re-read later
    /// is checked to be this run's.
    /// </summary>
    public string RunId { get; init; } = "";
    /// <summary>The input as it was checked and read (every open of it was held to this).</summary>
    public InputIdentity? InputIdentity { get; init; }
    /// <summary>Features missing in far more of the input than of the training rows: their rows were given a reason, not a score.</summary>
    public IReadOnlyList<MissingFeature> MissingBeyondTraining { get; init; } = [];
    /// <summary>The rows as written, when the caller asked to keep them (the infer step does); null otherwise.</summary>
    public ScoredRows? Written { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("input", Input), new("model", $"models:/{ModelName}/{ModelVersion}"), new("scored by", Engine),
        new("rows in", Rows.ToString("N0", CultureInfo.InvariantCulture)),
        new("rows scored", Scored.ToString("N0", CultureInfo.InvariantCulture)),
        new("rows with a reason instead of a score", (Rows - Scored).ToString("N0", CultureInfo.InvariantCulture)),
        new("features missing far more than in training (their rows not scored)", MissingBeyondTraining.Count == 0 ? "(none)"
            : string.Join("; ",
                MissingBeyondTraining.Select(m =>
                    string.Create(CultureInfo.InvariantCulture, $"{m.Feature}: {m.InputShare:P1} of rows against {m.TrainingShare:P1}")))),
        new("rows out of the training range (refused, flagged)", OutOfRange.ToString("N0", CultureInfo.InvariantCulture)),
        new("duplicate respondent ids",
            DuplicateIds == 0 ? "0"
                : string.Create(CultureInfo.InvariantCulture, $"{DuplicateIds:N0} (e.g. {string.Join(", ", DuplicateExamples ?? [])})")),
        new("columns ignored (not model features)", IgnoredColumns.Count == 0 ? "(none)" : string.Join(", ", IgnoredColumns)),
        new("output", Output), new("seconds", Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)),
        new("rows per second", (Rows / Math.Max(1e-9, Elapsed.TotalSeconds)).ToString("N0", CultureInfo.InvariantCulture)),
    ];
}

/// <summary>
/// Time each stage of a batch scoring spent on its row groups, summed: reading (decoding the input, checking values),
/// scoring (the model, tiers and drivers) and writing (encoding the output). The stages overlap, so together they take
/// more than the elapsed time; the largest bounds it.
/// </summary>
public sealed class ScoringStages
{
    private long reading, scoring, writing;

    public TimeSpan Reading => Stopwatch.GetElapsedTime(0, reading);
    public TimeSpan Scoring => Stopwatch.GetElapsedTime(0, scoring);
    public TimeSpan Writing => Stopwatch.GetElapsedTime(0, writing);

    internal void AddReading(long since) => Interlocked.Add(ref reading, Stopwatch.GetTimestamp() - since);
    internal void AddScoring(long since) => Interlocked.Add(ref scoring, Stopwatch.GetTimestamp() - since);
    internal void AddWriting(long since) => Interlocked.Add(ref writing, Stopwatch.GetTimestamp() - since);

    public override string ToString() =>
        $"reading {Reading.TotalSeconds:F2} s, scoring {Scoring.TotalSeconds:F2} s, writing {Writing.TotalSeconds:F2} s";
}

/// <summary>
/// An input checked against a model's signature: the fields to read, the id column, the columns ignored, every column
/// (<paramref name="Fields"/>).
/// </summary>
/// <param name="Identity">The file as checked: every later open must find the same (<see cref="InputIdentity"/>).</param>
/// <param name="MissingCounts">Nulls per feature (in <paramref name="FeatureFields"/> order), as the check counted
/// them; scoring counts them again.</param>
/// <param name="MissingBeyondTraining">Features missing in far more rows than in training
/// (<see cref="MissingShareLimit"/>): rows lacking them get a reason.</param>
public sealed record CheckedInput(string Path, DataField[] FeatureFields, DataField? IdField, IReadOnlyList<string> Ignored, long Rows,
    FeatureDomain[] Domains, ValueCheck[] Accepts, DataField[] Fields, InputIdentity Identity, long[] MissingCounts,
    IReadOnlyList<MissingFeature> MissingBeyondTraining)
{
    /// <summary>Per feature (in order), the reason a row lacking it gets, or null when unknowns are scored as usual.</summary>
    internal string?[] MissingReasons { get; } = FeatureFields.Select(f => MissingBeyondTraining.FirstOrDefault(m => m.Feature == f?.Name)?.Reason)
        .ToArray();
}

/// <summary>
/// Scores a Parquet file with a registered model, one row group at a time (memory follows the row group, not the
/// file), in two stages: <see cref="CheckAsync"/> holds the input against the model's signature (a missing column or a
/// non-numeric feature is an error listing all of them, and nothing is written),
/// <see cref="ScoreAsync(CheckedInput, string, ScoringModel, IProgress{long}?, int, bool)"/> scores it. A row whose
/// value the model cannot take (NaN, infinity, a code it was not trained on) gets a reason instead of a score. Output
/// rows = input rows, in order; written atomically.
/// </summary>
public static class BatchScorer
{
    /// <summary>The output's metadata key holding the scoring's id (<see cref="ScoringReport.RunId"/>).</summary>
    public const string RunKey = "pophealth.scoring_run";

    public static readonly IReadOnlyList<string> OutputColumns =
        [FeatureSet.RespondentId, "probability", "predicted_label", "risk_tier", "model_name", "model_version", "reason", "out_of_range"];

    /// <summary>Resolves the model, checks the input and scores it: the three stages in one call.</summary>
    public static async Task<ScoringReport> ScoreAsync(string input, string output, MlflowStore store, ScoringOptions? options = null,
        IProgress<long>? progress = null)
    {
        options ??= new ScoringOptions();
        // The input's page checksums are checked while the model loads (both before anything is written).
        var pages = Task.Run(() => ParquetFrames.VerifyPages(input));
        using var model = ScoringModel.Load(store, options.ModelUri);
        await pages;
        return await ScoreAsync(await CheckInputAsync(input, model.Signature, pagesVerified: true, options.MissingShare), output, model, progress,
            options.Drivers);
    }

    /// <summary>
    /// Checks <paramref name="input"/> against the signature; every problem is listed in one <see cref="ScoringInputException"/>.
    /// Features missing in far more rows than in training (<paramref name="missingShare"/>, default <see cref="MissingShareLimit"/>) are found here.
    /// </summary>
    public static Task<CheckedInput> CheckAsync(string input, ModelSignature signature, MissingShareLimit? missingShare = null) =>
        CheckInputAsync(input, signature, pagesVerified: false, missingShare);

    private static async Task<CheckedInput> CheckInputAsync(string input, ModelSignature signature, bool pagesVerified,
        MissingShareLimit? missingShare)
    {
        await using var reader = await ParquetFrames.OpenAsync(input);
        if (!pagesVerified) ParquetFrames.VerifyPages(input); // a damaged page is refused here, before anything is written
        var features = signature.Features;
        var fields = reader.Schema.GetDataFields();
        var problems = new List<string>();
        var featureFields = new DataField[features.Length];
        for (var j = 0; j < features.Length; j++)
        {
            var field = fields.FirstOrDefault(f => f.Name == features[j]);
            if (field is null) { problems.Add(Missing(features[j], fields)); continue; }
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
        var domains = features
            .Select(f => signature.Domains?.FirstOrDefault(d => d.Feature == f) ?? new FeatureDomain(f, double.NaN, double.NaN, null)).ToArray();
        var missing = await MissingCounts.CountAsync(reader, featureFields);
        return new CheckedInput(input, featureFields, idField, ignored, totalRows, domains, domains.Select(d => d.Check()).ToArray(), fields,
            InputIdentity.Of(reader), missing, MissingCounts.Beyond(missing, totalRows, domains, missingShare ?? new MissingShareLimit()));
    }

    /// <summary>
    /// A missing feature column, with the input's column that differs from it only in case, if there is one (column
    /// names are exact).
    /// </summary>
    private static string Missing(string feature, DataField[] fields) =>
        fields.FirstOrDefault(f => string.Equals(f.Name, feature, StringComparison.OrdinalIgnoreCase)) is { } near
            ? $"missing column '{feature}' (the input has '{near.Name}': did you mean it? Column names are case-sensitive; rename it to '{feature}')"
            : $"missing column '{feature}'";

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

    /// <summary>
    /// Scores a checked input into <paramref name="output"/> (atomically), several row groups at once: while one is written,
    /// the next are scored (the trees over both cores) and read, on their own threads.
    /// </summary>
    /// <param name="drivers">Top drivers per scored row (exact TreeSHAP, probability terms), when the model has
    /// compiled trees and saved cover.</param>
    /// <param name="keepRows">Keep the rows as written (<see cref="ScoringReport.Written"/>), for a summary that must not re-read the output.</param>
    public static async Task<ScoringReport> ScoreAsync(CheckedInput input, string output, ScoringModel model, IProgress<long>? progress = null,
        int drivers = 3, bool keepRows = false)
    {
        var explainer = RowDrivers.For(model, drivers);
        var watch = Stopwatch.StartNew();
        var ids = new RespondentIds(input.IdField, input.Rows);
        var fields = OutFields(ids, explainer?.Top ?? 0);
        var tally = new Tally(input.FeatureFields.Length);
        var written = keepRows ? new ScoredRows(input.Rows) : null;
        var pool = new RowGroupWorkPool(input.FeatureFields.Length);
        var stages = new ScoringStages();
        var runId = Guid.NewGuid().ToString("N");
        await ParquetFrames.WriteAsync(output, new ParquetSchema(fields), async writer =>
        {
            var constants = new ConstantColumns(model.Version);
            await foreach (var work in ScoredGroupsAsync(input, ids, model, explainer, pool, stages))
            {
                var since = Stopwatch.GetTimestamp();
                ids.CountDuplicates(work); // here the row groups are back in input order
                await WriteAsync(writer, fields, work, constants);
                stages.AddWriting(since);
                tally.Add(work);
                written?.Add(work);
                pool.Return(work);
                progress?.Report(tally.Rows);
            }
            tally.Require(input); // before the output is committed: the pages held what the check counted
        }, new Dictionary<string, string>
        {
            ["pophealth.model"] = $"models:/{model.Version.Name}/{model.Version.Version}", ["pophealth.model_uri"] = model.Uri,
            ["pophealth.input"] = Path.GetFullPath(input.Path),
            ["pophealth.threshold"] = model.Signature.Threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture), [RunKey] = runId,
        });
        return new ScoringReport(Path.GetFullPath(input.Path), Path.GetFullPath(output), tally.Rows, tally.Scored, tally.Unscored, model.Version.Name,
            model.Version.Version, input.Ignored, watch.Elapsed, model.Engine, tally.OutOfRange, ids.Duplicates, ids.DuplicateExamples, stages)
        {
            RunId = runId, InputIdentity = input.Identity, MissingBeyondTraining = input.MissingBeyondTraining, Written = written,
        };
    }

    /// <summary>What the scored groups add up to, for the report.</summary>
    private sealed class Tally(int features)
    {
        public long Rows, Scored, OutOfRange;
        public Dictionary<string, long> Unscored { get; } = [];
        private readonly long[] missing = new long[features];

        public void Add(RowGroupWork work)
        {
            (Rows, Scored) = (Rows + work.Rows, Scored + work.ScoredCount);
            for (var j = 0; j < missing.Length; j++) missing[j] += work.Missing[j];
            for (var i = 0; i < work.Rows; i++)
            {
                if (work.OutOfRange[i]) OutOfRange++;
                if (work.Reasons[i] is { } reason) Unscored[reason] = Unscored.GetValueOrDefault(reason) + 1;
            }
        }

        /// <summary>
        /// The rows and each feature's nulls as the check counted them (it may take null counts from the footer's statistics,
        /// which decide which rows are refused): a file whose statistics disagree with its pages is refused, nothing written.
        /// </summary>
        public void Require(CheckedInput input)
        {
            if (Rows != input.Rows)
                throw new InvalidDataException($"{input.Path}: {Rows:N0} rows were read, but its footer says {input.Rows:N0}; " +
                    $"the file is inconsistent: write it again.");
            for (var j = 0; j < missing.Length; j++)
                if (missing[j] != input.MissingCounts[j])
                    throw new InvalidDataException($"{input.Path}: column '{input.FeatureFields[j].Name}' has {missing[j]:N0} nulls in its pages, " +
                        $"but its footer's statistics say {input.MissingCounts[j]:N0}; the file is inconsistent: write it again.");
        }
    }

    /// <summary>The model's name and version repeated down a row group (the same arrays for every group).</summary>
    private sealed class ConstantColumns(RegisteredVersion version)
    {
        private string[] names = [];
        private int[] versions = [];

        public ArraySegment<string> Names(int rows) =>
            new(names.Length >= rows ? names : names = Enumerable.Repeat(version.Name, rows).ToArray(), 0, rows);
        public ReadOnlyMemory<int> Versions(int rows) =>
            (versions.Length >= rows ? versions : versions = Enumerable.Repeat(version.Version, rows).ToArray()).AsMemory(0, rows);
    }

    /// <summary>The input's row groups, scored, in order: read on one thread and scored on others, up to two ahead of the caller.</summary>
    private static async IAsyncEnumerable<RowGroupWork> ScoredGroupsAsync(CheckedInput input, RespondentIds ids, ScoringModel model,
        RowDrivers? explainer, RowGroupWorkPool pool, ScoringStages stages)
    {
        using var stop = new CancellationTokenSource();
        var ahead = Channel.CreateBounded<Task<RowGroupWork>>(2);
        var reading = Task.Run(() => ReadAheadAsync(input, ids, model, explainer, pool, stages, ahead.Writer, stop.Token));
        try
        {
            await foreach (var scoring in ahead.Reader.ReadAllAsync()) yield return await scoring;
            await reading;
        }
        finally
        {
            stop.Cancel(); // the caller stopped early (a write failed): the reader stops too
        }
    }

    /// <summary>
    /// Reads the row groups on two lanes (each its own reader of the file, taking every other group), hands their scoring
    /// to the channel in input order, and stops when the caller does.
    /// </summary>
    private static async Task ReadAheadAsync(CheckedInput input, RespondentIds ids, ScoringModel model, RowDrivers? explainer, RowGroupWorkPool pool,
        ScoringStages stages, ChannelWriter<Task<RowGroupWork>> ahead, CancellationToken stop)
    {
        try
        {
            await using var one = await ParquetFrames.OpenAsync(input.Path);
            await using var two = await ParquetFrames.OpenAsync(input.Path);
            // Each lane reads the file the check saw (another run may have replaced it since).
            input.Identity.Require(InputIdentity.Of(one), input.Path, "read for scoring");
            input.Identity.Require(InputIdentity.Of(two), input.Path, "read for scoring");
            ParquetReader[] lanes = [one, two];
            Task[] previous = [Task.CompletedTask, Task.CompletedTask];
            var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long offset = 0;
            for (var g = 0; g < one.RowGroupCount; g++)
            {
                var (lane, group, at) = (g % 2, g, offset);
                var work = await pool.TakeAsync(checked((int)one.Metadata!.RowGroups[g].NumRows), stop);
                offset += work.Rows;
                var reading = previous[lane].ContinueWith(_ => ReadGroupAsync(lanes[lane], group, input, ids, at, work, stages), stop,
                    TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
                previous[lane] = reading;
                await ahead.WriteAsync(ScoreAsync(reading, work, model, explainer, stages, g == 0 ? firstStarted : null, firstStarted.Task), stop);
            }
            await Task.WhenAll(previous);
            ahead.Complete();
        }
        catch (Exception e)
        {
            ahead.TryComplete(e);
        }
    }

    private static async Task ReadGroupAsync(ParquetReader reader, int g, CheckedInput input, RespondentIds ids, long offset, RowGroupWork work,
        ScoringStages stages)
    {
        var since = Stopwatch.GetTimestamp();
        using var group = reader.OpenRowGroupReader(g);
        await PrepareAsync(group, input, ids, offset, work);
        stages.AddReading(since);
    }

    private static async Task PrepareAsync(ParquetRowGroupReader group, CheckedInput input, RespondentIds ids, long offset, RowGroupWork work)
    {
        // The id's own problem comes first: a row that cannot be linked back is not scored.
        await ids.ReadAsync(group, offset, work);
        for (var j = 0; j < input.FeatureFields.Length; j++)
        {
            work.Missing[j] = work.Rows - await ParquetFrames.ReadNumbersAsync(group, input.FeatureFields[j], work.Values, work.Defined);
            work.Fill(j, input.Domains[j], input.Accepts[j], input.MissingReasons[j]);
        }
    }

    /// <summary>
    /// Scores a row group once it is read. The first row group starts first (<paramref name="starts"/>; the others wait for
    /// <paramref name="firstStarted"/>), so the compiled trees are checked against ONNX Runtime on the input's first rows.
    /// </summary>
    private static async Task<RowGroupWork> ScoreAsync(Task reading, RowGroupWork work, ScoringModel model, RowDrivers? explainer,
        ScoringStages stages, TaskCompletionSource? starts, Task firstStarted)
    {
        try { await reading; }
        catch (Exception e) { starts?.TrySetException(e); throw; }
        if (starts is null) await firstStarted;
        var since = Stopwatch.GetTimestamp();
        var probabilities = model.ProbabilitiesAsync(work.Buffer, work.Rows, work.Features);
        starts?.TrySetResult();
        var population = await probabilities;
        work.Score(population, (float)model.Signature.Threshold);
        if (explainer is not null)
        {
            var scored = Enumerable.Range(0, work.Rows).Select(i => work.Scored[i] == 1 ? population[i] : (double?)null).ToArray();
            work.Drivers = await Task.Run(() => explainer.Explain(work.Buffer, work.Rows, work.Features, scored));
        }
        stages.AddScoring(since);
        return work;
    }

    private static async Task WriteAsync(ParquetWriter writer, DataField[] fields, RowGroupWork work, ConstantColumns constants)
    {
        var n = work.Rows;
        using var group = writer.CreateRowGroup();
        if (work.TextIds is { } text) await group.WriteAsync(fields[0], new ArraySegment<string>(text!, 0, n));
        else await group.WriteAllPartsAsync<long>(fields[0], work.Ids.AsMemory(0, work.IdCount), work.IdDefined.AsMemory(0, n), null, default);
        await group.WriteAllPartsAsync<double>(fields[1], work.Probability.AsMemory(0, work.ScoredCount), work.Scored.AsMemory(0, n), null, default);
        await group.WriteAllPartsAsync<int>(fields[2], work.Label.AsMemory(0, work.ScoredCount), work.Scored.AsMemory(0, n), null, default);
        await group.WriteAsync(fields[3], new ArraySegment<string>(work.Tier!, 0, n));
        await group.WriteAsync(fields[4], constants.Names(n));
        await group.WriteAsync<int>(fields[5], constants.Versions(n));
        await group.WriteAsync(fields[6], new ArraySegment<string>(work.Reasons!, 0, n));
        await group.WriteAsync<bool>(fields[7], work.OutOfRange.AsMemory(0, n));
        for (var d = 0; 8 + 3 * d < fields.Length; d++) await WriteDriverAsync(group, fields, work.Drivers!, d, n);
    }

    private static async Task WriteDriverAsync(ParquetRowGroupWriter outGroup, DataField[] fields,
        (string Feature, double? Value, double Contribution)[]?[] top, int d, int n)
    {
        (string Feature, double? Value, double Contribution)? At(int i) => top[i] is { } row && d < row.Length ? row[d] : null;
        await outGroup.WriteAsync(fields[8 + 3 * d], Enumerable.Range(0, n).Select(i => At(i)?.Feature).ToArray());
        await outGroup.WriteAsync(fields[9 + 3 * d], new ReadOnlyMemory<double?>(Enumerable.Range(0, n).Select(i => At(i)?.Value).ToArray()));
        await outGroup.WriteAsync(fields[10 + 3 * d],
            new ReadOnlyMemory<double?>(Enumerable.Range(0, n).Select(i => At(i) is { } x ? Math.Round(x.Contribution, 6) : (double?)null)
                .ToArray()));
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
}
