using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Parquet;
using Parquet.Schema;
using PopHealth.Ingest.Xpt;
using PopHealth.Workbook;

namespace PopHealth.Ingest;

/// <summary>Options for <see cref="BrfssConverter.ConvertAsync"/>.</summary>
/// <param name="Year">Survey year (<c>POPHEALTH_YEAR</c>); null takes the year the file states
/// (<see cref="StatedYear"/>), and refuses a file that states none.</param>
/// <param name="RowGroupSize">Rows per Parquet row group and per read batch: memory follows this, not the file.</param>
/// <param name="Synthetic">Whether the source is generated data (recorded in the file's metadata).</param>
public sealed record ConversionOptions(int? Year = null, int RowGroupSize = 25_000, bool Synthetic = false);

/// <summary>What a conversion did.</summary>
public sealed record ConversionReport(
    string Source, string Output, BrfssYearProfile Profile, long Rows, int Columns, string Sha256, bool Synthetic,
    TimeSpan Elapsed, IReadOnlyDictionary<string, string> Renamed, IReadOnlyList<string> Dropped,
    IReadOnlyDictionary<string, Dictionary<char, long>> SasMissing, IReadOnlyList<string> OutputColumns, MissingCodeTally KeyMissing)
{
    /// <summary>
    /// Respondents per CDC missing code (and blanks) of the profile's <see cref="BrfssYearProfile.KeyVariables"/>,
    /// counted while converting: nothing reads the table again for them.
    /// </summary>
    public IReadOnlyList<MissingCodeCount> MissingCodes => KeyMissing.Counts();

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

    /// <summary>
    /// Converts <paramref name="input"/> to <paramref name="output"/>. The survey year is <see cref="ConversionOptions.Year"/>
    /// or the one the file states (<see cref="StatedYear"/>: read while converting); a file with neither, no data rows, or
    /// codes its profile does not allow (<see cref="ProfileCodes"/>) is refused before <paramref name="output"/> is replaced,
    /// so an earlier good table stays.
    /// </summary>
    public static async Task<ConversionReport> ConvertAsync(string input, string output, ConversionOptions? options = null,
        IProgress<long>? progress = null)
    {
        options ??= new ConversionOptions();
        if (options.RowGroupSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), "RowGroupSize must be positive.");
        var watch = Stopwatch.StartNew();
        var hashing = Task.Run(() => Sha256(input)); // on its own thread: the third task for two cores, beside reading and writing
        using var source = BrfssSources.Open(input);
        var names = source.Columns.Select(c => c.Name).ToArray();
        // The names tell the kind of file (its renames and columns); its year, and so its profile, is known once it is read.
        var profile = options.Year is { } given ? BrfssYearProfile.Detect(names, given, source.SourceName)
            : BrfssYearProfile.Fitting(names, source.SourceName)[0];
        var layout = Layout.Of(source, profile);
        var tally = new MissingCodeTally(profile.KeyVariables.Where(v => layout.Fields.Any(f => f.Name == v && f.ClrType == typeof(double))));
        var stated = new StatedYear(source.Columns, source.SourceName);
        IReadOnlyDictionary<string, Dictionary<char, long>> sasMissing = new Dictionary<string, Dictionary<char, long>>();
        long rows = 0;
        await ParquetFrames.WriteAsync(output, layout.Schema, async writer =>
        {
            rows = await WriteRowGroupsAsync(source, layout, writer, tally, stated, options.RowGroupSize, progress);
            if (rows == 0)
                throw new InvalidDataException($"{source.SourceName}: no data rows (only the names of its columns): there is nothing to convert. " +
                    $"Point {WorkbookVariables.Input} at a file with respondents.");
            profile = YearProfile(names, profile, stated, options.Year, source.SourceName);
            if (source is XptReader reader) sasMissing = reader.MissingCounts; // counted while reading
            writer.CustomMetadata = Provenance(source, profile, layout.Kept.Select(k => k.Column).ToArray(), options, rows, await hashing,
                layout.Renamed, layout.Dropped, sasMissing);
        }, options: WriterOptions, check: written => ProfileCodes.VerifyAsync(written, profile, source.SourceName));
        return new ConversionReport(source.SourceName, Path.GetFullPath(output), profile, rows, layout.Kept.Count, await hashing, options.Synthetic,
            watch.Elapsed, layout.Renamed, layout.Dropped, sasMissing, layout.Fields.Select(f => f.Name).ToArray(), tally);
    }

    /// <summary>
    /// The profile of the survey year given (then already chosen, and the file must agree: <see cref="StatedYear.Resolve"/>)
    /// or stated by the file, of the kind its columns were laid out for.
    /// </summary>
    private static BrfssYearProfile YearProfile(string[] names, BrfssYearProfile laidOut, StatedYear stated, int? given, string source)
    {
        var year = stated.Resolve(given, BrfssYearProfile.KnownYears);
        if (given is not null) return laidOut;
        var ofKind = BrfssYearProfile.Fitting(names, source);
        return ofKind.FirstOrDefault(p => p.Year == year)
            ?? throw new InvalidDataException($"{source} states survey year {year}, but the workbook has profiles for files like it only for " +
                $"{string.Join(", ", ofKind.Select(p => p.Year).Order())}: it does not know {year}'s codes for them. " +
                $"Convert a file of one of those years.");
    }

    /// <summary>Which source columns are written, under which names and Parquet types.</summary>
    private sealed record Layout(IReadOnlyList<(SourceColumn Column, int Index)> Kept, DataField[] Fields, ParquetSchema Schema,
        Dictionary<string, string> Renamed, string[] Dropped)
    {
        public static Layout Of(IColumnSource source, BrfssYearProfile profile)
        {
            var kept = source.Columns.Select((c, i) => (Column: c, Index: i))
                .Where(x => !profile.Dropped.Contains(x.Column.Name, StringComparer.OrdinalIgnoreCase)).ToList();
            var fields = kept.Select(x => x.Column.Kind == ColumnKind.Numeric
                ? (DataField)new DataField<double?>(profile.TargetName(x.Column.Name))
                : new DataField<string>(profile.TargetName(x.Column.Name))).ToArray();
            var duplicate = fields.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new InvalidDataException($"{source.SourceName}: after renaming by profile {profile.Name}, " +
                    $"column '{duplicate.Key}' appears twice.");
            var renamed = kept.Where(x => profile.TargetName(x.Column.Name) != x.Column.Name)
                .ToDictionary(x => x.Column.Name, x => profile.TargetName(x.Column.Name));
            var dropped = source.Columns.Select(c => c.Name).Except(kept.Select(k => k.Column.Name)).ToArray();
            return new Layout(kept, fields, new ParquetSchema(fields), renamed, dropped);
        }
    }

    /// <summary>
    /// Snappy, as before: every Parquet reader has it, and it costs little here (writing uncompressed saved about a third
    /// of the writer's time, 0.2 s, for a file six times larger; Parquet.Net's managed zstd and LZ4 took minutes). The writer's
    /// buffer pools keep at most a few MB free between row groups, not the 80 MB they would: memory is what the
    /// notebook's kernel is measured by.
    /// </summary>
    private static ParquetOptions WriterOptions => new()
    {
        CompressionMethod = CompressionMethod.Snappy,
        MaximumSmallPoolFreeBytes = 1 << 20,
        MaximumLargePoolFreeBytes = 4 << 20,
    };

    /// <summary>Blocks in flight: one being read, one being written, one ready between them.</summary>
    private const int BlocksInFlight = 3;

    /// <summary>
    /// A bounded producer/consumer pipeline: one task decodes the source into row blocks, this one writes each as a row
    /// group (Parquet encoding and compression) and counts the key variables' missing codes; the same few blocks go round.
    /// </summary>
    private static async Task<long> WriteRowGroupsAsync(IColumnSource source, Layout layout, ParquetWriter writer, MissingCodeTally tally,
        StatedYear stated, int rowGroupSize, IProgress<long>? progress)
    {
        var empty = Channel.CreateBounded<RowBlock>(BlocksInFlight);
        var filled = Channel.CreateBounded<RowBlock>(new BoundedChannelOptions(BlocksInFlight) { SingleReader = true, SingleWriter = true });
        for (var i = 0; i < BlocksInFlight; i++) empty.Writer.TryWrite(new RowBlock(source.Columns, 0));
        using var cancel = new CancellationTokenSource();
        var reading = Task.Run(() => ReadBlocksAsync(source, rowGroupSize, empty.Reader, filled.Writer, cancel.Token));
        var tallied = tally.Variables.Select((v, t) => (Tally: t, Column: layout.Kept[Array.FindIndex(layout.Fields, f => f.Name == v)].Index))
            .ToArray();
        long rows = 0;
        try
        {
            await foreach (var block in filled.Reader.ReadAllAsync(cancel.Token))
            {
                await WriteRowGroupAsync(writer, layout, block);
                stated.Add(block);
                tally.AddRows(block.RowCount);
                foreach (var (t, c) in tallied)
                {
                    tally.AddValues(t, block.Present[c].AsSpan(0, block.PresentCount[c]));
                    tally.AddBlanks(t, block.RowCount - block.PresentCount[c]);
                }
                rows += block.RowCount;
                empty.Writer.TryWrite(block);
                progress?.Report(rows);
            }
        }
        catch
        {
            // A failed write must not leave a read running on a source about to be closed.
            await cancel.CancelAsync();
            await reading.ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }
        await reading; // the reader's own error (a malformed file), as it was thrown
        return rows;
    }

    private static async Task ReadBlocksAsync(IColumnSource source, int rowGroupSize, ChannelReader<RowBlock> empty, ChannelWriter<RowBlock> filled,
        CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                var block = await empty.ReadAsync(cancel);
                if (!Fill(source, block, rowGroupSize)) break;
                await filled.WriteAsync(block, cancel);
            }
        }
        finally { filled.TryComplete(); }
    }

    /// <summary>
    /// Refills <paramref name="block"/> from <paramref name="source"/>; false at the end. XPT decodes straight into it;
    /// other sources' batches are copied.
    /// </summary>
    private static bool Fill(IColumnSource source, RowBlock block, int maxRows)
    {
        if (source is XptReader xpt) return xpt.ReadBlock(block, maxRows).RowCount > 0;
        block.Clear();
        if (source.ReadBatch(maxRows) is not { } batch) return false;
        block.Add(batch);
        return true;
    }

    private static async Task WriteRowGroupAsync(ParquetWriter writer, Layout layout, RowBlock block)
    {
        using var group = writer.CreateRowGroup();
        for (var k = 0; k < layout.Kept.Count; k++)
        {
            var c = layout.Kept[k].Index;
            if (block.Present[c] is { } present)
                await group.WriteAllPartsAsync<double>(layout.Fields[k], present.AsMemory(0, block.PresentCount[c]),
                    block.Defined[c].AsMemory(0, block.RowCount), null, CancellationToken.None);
            else await group.WriteAsync(layout.Fields[k], new ArraySegment<string>(block.Texts[c]!, 0, block.RowCount));
        }
    }

    /// <summary>The converted file's provenance, as <c>pophealth.*</c> key-value metadata.</summary>
    private static Dictionary<string, string> Provenance(IColumnSource source, BrfssYearProfile profile, IReadOnlyList<SourceColumn> kept,
        ConversionOptions options, long rows, string sha256, Dictionary<string, string> renamed, string[] dropped,
        IReadOnlyDictionary<string, Dictionary<char, long>> sasMissing) => new()
    {
        [MetadataPrefix + "source"] = source.SourceName,
        [MetadataPrefix + "source_sha256"] = sha256,
        [MetadataPrefix + "year_profile"] = profile.Name,
        [MetadataPrefix + "year"] = profile.Year.ToString(CultureInfo.InvariantCulture),
        [MetadataPrefix + "rows"] = rows.ToString(CultureInfo.InvariantCulture),
        [MetadataPrefix + "synthetic"] = options.Synthetic ? "true" : "false",
        [MetadataPrefix + "renamed"] = JsonSerializer.Serialize(renamed),
        [MetadataPrefix + "dropped"] = JsonSerializer.Serialize(dropped),
        [MetadataPrefix + "labels"] =
            JsonSerializer.Serialize(kept.Where(c => c.Label is not null).ToDictionary(c => profile.TargetName(c.Name), c => c.Label)),
        [MetadataPrefix + "formats"] =
            JsonSerializer.Serialize(kept.Where(c => c.Format is not null).ToDictionary(c => profile.TargetName(c.Name), c => c.Format)),
        [MetadataPrefix + "sas_missing"] = JsonSerializer.Serialize(sasMissing.ToDictionary(kv => profile.TargetName(kv.Key),
            kv => kv.Value.ToDictionary(m => m.Key == '.' ? "." : "." + m.Key, m => m.Value))),
    };

    /// <summary>The <c>pophealth.*</c> metadata of a converted file.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string parquet)
    {
        return (await ParquetFrames.ReadMetadataAsync(parquet)).Where(kv => kv.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            .ToDictionary();
    }

    private static string Sha256(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return System.Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
