using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using PopHealth.Ingest.Xpt;
using PopHealth.Workbook;

namespace PopHealth.Ingest;

/// <summary>Options for <see cref="BrfssConverter.ConvertAsync"/>.</summary>
/// <param name="Year">Year profile to use; null detects it from the variables present.</param>
/// <param name="RowGroupSize">Rows per Parquet row group and per read batch: memory follows this, not the file.</param>
/// <param name="Synthetic">Whether the source is generated data (recorded in the file's metadata).</param>
public sealed record ConversionOptions(int? Year = null, int RowGroupSize = 50_000, bool Synthetic = false);

/// <summary>What a conversion did.</summary>
public sealed record ConversionReport(
    string Source, string Output, BrfssYearProfile Profile, long Rows, int Columns, string Sha256, bool Synthetic,
    TimeSpan Elapsed, IReadOnlyDictionary<string, string> Renamed, IReadOnlyList<string> Dropped,
    IReadOnlyDictionary<string, Dictionary<char, long>> SasMissing, IReadOnlyList<string> OutputColumns)
{
    /// <summary>The report as rows for a notebook table.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Describe() =>
    [
        new("source", Source),
        new("sha256", Sha256),
        new("synthetic", Synthetic ? "yes" : "no"),
        new("year profile", $"{Profile.Name}: {Profile.Notes}"),
        new("rows", Rows.ToString("N0", CultureInfo.InvariantCulture)),
        new("columns", Columns.ToString(CultureInfo.InvariantCulture)),
        new("renamed to 2024 names", Renamed.Count == 0 ? "(none)" : string.Join(", ", Renamed.Select(r => $"{r.Key}→{r.Value}"))),
        new("dropped", Dropped.Count == 0 ? "(none)" : string.Join(", ", Dropped)),
        new("output", Output),
        new("seconds", Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)),
    ];

    /// <summary>Which workbook features this source supports, and how.</summary>
    public IReadOnlyList<FeatureAvailability> Features() => Profile.Features(OutputColumns);
}

/// <summary>
/// Converts a BRFSS source (XPT, CSV, zip) to Parquet: numeric columns as nullable double, text as string,
/// columns renamed to the 2024 names by the year profile, bounded row groups, provenance in the file's
/// key-value metadata (<c>pophealth.*</c>), and an atomic write.
/// </summary>
public static class BrfssConverter
{
    public const string MetadataPrefix = "pophealth.";

    public static async Task<ConversionReport> ConvertAsync(string input, string output, ConversionOptions? options = null, IProgress<long>? progress = null)
    {
        options ??= new ConversionOptions();
        if (options.RowGroupSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), "RowGroupSize must be positive.");
        var watch = Stopwatch.StartNew();
        var hashing = Task.Run(() => Sha256(input));
        using var source = BrfssSources.Open(input);
        if (source is XptReader xpt) xpt.ReuseBatchArrays = true; // two array sets: one batch is written while the next is read
        var profile = BrfssYearProfile.Detect(source.Columns.Select(c => c.Name), options.Year, source.SourceName);

        var kept = source.Columns.Select((c, i) => (Column: c, Index: i)).Where(x => !profile.Dropped.Contains(x.Column.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var fields = kept.Select(x => x.Column.Kind == ColumnKind.Numeric
            ? (DataField)new DataField<double?>(profile.TargetName(x.Column.Name))
            : new DataField<string>(profile.TargetName(x.Column.Name))).ToArray();
        var duplicate = fields.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidDataException($"{source.SourceName}: after renaming by profile {profile.Name}, column '{duplicate.Key}' appears twice.");
        var schema = new ParquetSchema(fields);
        var renamed = kept.Where(x => profile.TargetName(x.Column.Name) != x.Column.Name).ToDictionary(x => x.Column.Name, x => profile.TargetName(x.Column.Name));
        var dropped = source.Columns.Select(c => c.Name).Except(kept.Select(k => k.Column.Name)).ToArray();
        IReadOnlyDictionary<string, Dictionary<char, long>> sasMissing = new Dictionary<string, Dictionary<char, long>>();

        long rows = 0;
        await ParquetFrames.WriteAsync(output, schema, async writer =>
        {
            // Reading the next batch overlaps writing this one (the reader alternates two sets of arrays).
            var reading = Task.Run(() => source.ReadBatch(options.RowGroupSize));
            try
            {
                while (await reading is { } batch)
                {
                    reading = Task.Run(() => source.ReadBatch(options.RowGroupSize));
                    using var group = writer.CreateRowGroup();
                    for (var k = 0; k < kept.Count; k++)
                    {
                        var values = batch.Values[kept[k].Index];
                        if (values is double?[] numbers) await group.WriteAsync(fields[k], new ReadOnlyMemory<double?>(numbers, 0, batch.RowCount));
                        else await group.WriteAsync(fields[k], new ArraySegment<string>((string[])values, 0, batch.RowCount));
                    }
                    rows += batch.RowCount;
                    progress?.Report(rows);
                }
            }
            finally
            {
                // A failed write must not leave a read running on a source about to be closed.
                await reading.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            if (source is XptReader reader) sasMissing = reader.MissingCounts; // counted while reading
            writer.CustomMetadata = Provenance(source, profile, kept.Select(k => k.Column).ToArray(), options, rows, await hashing, renamed, dropped, sasMissing);
        });
        return new ConversionReport(source.SourceName, Path.GetFullPath(output), profile, rows, kept.Count, await hashing, options.Synthetic,
            watch.Elapsed, renamed, dropped, sasMissing, fields.Select(f => f.Name).ToArray());
    }

    /// <summary>The converted file's provenance, as <c>pophealth.*</c> key-value metadata.</summary>
    private static Dictionary<string, string> Provenance(IColumnSource source, BrfssYearProfile profile, IReadOnlyList<SourceColumn> kept, ConversionOptions options,
        long rows, string sha256, Dictionary<string, string> renamed, string[] dropped, IReadOnlyDictionary<string, Dictionary<char, long>> sasMissing) => new()
    {
        [MetadataPrefix + "source"] = source.SourceName,
        [MetadataPrefix + "source_sha256"] = sha256,
        [MetadataPrefix + "year_profile"] = profile.Name,
        [MetadataPrefix + "year"] = profile.Year.ToString(CultureInfo.InvariantCulture),
        [MetadataPrefix + "rows"] = rows.ToString(CultureInfo.InvariantCulture),
        [MetadataPrefix + "synthetic"] = options.Synthetic ? "true" : "false",
        [MetadataPrefix + "renamed"] = JsonSerializer.Serialize(renamed),
        [MetadataPrefix + "dropped"] = JsonSerializer.Serialize(dropped),
        [MetadataPrefix + "labels"] = JsonSerializer.Serialize(kept.Where(c => c.Label is not null).ToDictionary(c => profile.TargetName(c.Name), c => c.Label)),
        [MetadataPrefix + "formats"] = JsonSerializer.Serialize(kept.Where(c => c.Format is not null).ToDictionary(c => profile.TargetName(c.Name), c => c.Format)),
        [MetadataPrefix + "sas_missing"] = JsonSerializer.Serialize(sasMissing.ToDictionary(kv => profile.TargetName(kv.Key), kv => kv.Value.ToDictionary(m => m.Key == '.' ? "." : "." + m.Key, m => m.Value))),
    };

    /// <summary>The <c>pophealth.*</c> metadata of a converted file.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string parquet)
    {
        return (await ParquetFrames.ReadMetadataAsync(parquet)).Where(kv => kv.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal)).ToDictionary();
    }

    private static string Sha256(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return System.Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
