using System.Buffers;
using Microsoft.Data.Analysis;
using Parquet;
using Parquet.Schema;

namespace PopHealth.Workbook;

/// <summary>
/// Reads and writes the workbook's Parquet files as DataFrames: numbers as nullable columns of their type,
/// text as strings, the file's key-value metadata alongside. Every stage's output goes through here.
/// </summary>
public static class ParquetFrames
{
    /// <summary>
    /// Opens a Parquet file for reading; a missing file, one that is not Parquet, or one whose footer is damaged or does not
    /// agree with itself (<see cref="ParquetChecksums.VerifyFooter"/>) is an error naming it.
    /// </summary>
    public static Task<ParquetReader> OpenAsync(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Parquet file not found: {path}", path);
        return OpenAsync(path, ParquetChecksums.VerifyFooter(path));
    }

    /// <summary>Opens <paramref name="path"/>, whose footer has been checked as <paramref name="footer"/>, for reading.</summary>
    private static async Task<ParquetReader> OpenAsync(string path, FooterSummary footer)
    {
        ParquetReader reader;
        try { reader = await ParquetReader.CreateAsync(path); }
        catch (Exception e) when (e is not (FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{path}: not a readable Parquet file ({e.Message}).", e);
        }
        try
        {
            var groups = (reader.Metadata?.RowGroups ?? []).Select(g => g.NumRows).ToArray();
            ParquetChecksums.CheckSameView(path, footer, reader.Metadata?.NumRows ?? -1, groups,
                reader.Schema.GetDataFields().Select(f => f.Path.ToString()).ToArray());
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
        return reader;
    }

    /// <summary>Reads <paramref name="path"/> (all columns, or only <paramref name="columns"/>, which must all exist).</summary>
    public static async Task<DataFrame> ReadAsync(string path, IEnumerable<string>? columns = null)
    {
        await using var reader = await OpenAsync(path, VerifyPages(path));
        var fields = Fields(reader, path, columns);
        var total = checked((int)Enumerable.Range(0, reader.RowGroupCount).Sum(g => reader.OpenRowGroupReader(g).RowCount));
        var frameColumns = fields.Select(f => Create(f, total, path)).ToArray();
        var offset = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var at = offset;
            offset += await Guarded(path, async () =>
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                for (var c = 0; c < fields.Length; c++)
                    await ReadInto(group, fields[c], frameColumns[c], at, n);
                return n;
            });
        }
        return new DataFrame(frameColumns);
    }

    /// <summary>
    /// Runs a read of <paramref name="path"/>'s values: what Parquet.Net throws on a file it cannot decode becomes an error
    /// naming the file (file-system errors and the workbook's own, which name it, pass as they are).
    /// </summary>
    private static async Task<T> Guarded<T>(string path, Func<Task<T>> read)
    {
        try { return await read(); }
        catch (Exception e) when (e is not (IOException or UnauthorizedAccessException or OutOfMemoryException or OperationCanceledException)
            && !(e is InvalidDataException && e.Message.StartsWith(path, StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"{path}: its values cannot be read ({e.GetType().Name}: {e.Message}); " +
                $"the file is damaged or not one the workbook reads. Write it again from its source.", e);
        }
    }

    private static DataField[] Fields(ParquetReader reader, string path, IEnumerable<string>? columns)
    {
        var all = reader.Schema.GetDataFields();
        if (columns is null) return all;
        var wanted = columns.ToArray();
        var missing = wanted.Where(w => all.All(f => f.Name != w)).ToArray();
        if (missing.Length > 0) throw new InvalidDataException($"{path}: missing column(s) {string.Join(", ", missing)}.");
        return wanted.Select(w => all.First(f => f.Name == w)).ToArray();
    }

    /// <summary>
    /// <paramref name="path"/> one row group at a time (all columns, or only <paramref name="columns"/>): memory follows a
    /// row group, not the file, for previews and counts over tables of any size.
    /// </summary>
    public static async IAsyncEnumerable<DataFrame> ReadRowGroupsAsync(string path, IEnumerable<string>? columns = null)
    {
        await using var reader = await OpenAsync(path, VerifyPages(path));
        var fields = Fields(reader, path, columns);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var index = g;
            yield return await Guarded(path, async () =>
            {
                using var group = reader.OpenRowGroupReader(index);
                var n = checked((int)group.RowCount);
                var frameColumns = fields.Select(f => Create(f, n, path)).ToArray();
                for (var c = 0; c < fields.Length; c++) await ReadInto(group, fields[c], frameColumns[c], 0, n);
                return new DataFrame(frameColumns);
            });
        }
    }

    /// <summary>
    /// The first <paramref name="rows"/> rows of <paramref name="path"/> (all of them when it has fewer), reading only
    /// the first row group.
    /// </summary>
    public static async Task<DataFrame> ReadHeadAsync(string path, int rows = 8)
    {
        await foreach (var group in ReadRowGroupsAsync(path)) return group.Preview(rows);
        return await ReadAsync(path); // no row groups: the (empty) table itself
    }

    /// <summary>
    /// The key-value metadata of <paramref name="path"/> (its footer checked; the footer's own checksum is not
    /// metadata, and left out).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string path)
    {
        await using var reader = await OpenAsync(path);
        return reader.CustomMetadata.Where(kv => kv.Key != ParquetChecksums.FooterChecksumKey).ToDictionary();
    }

    /// <summary>Writes <paramref name="frame"/> atomically, in row groups of <paramref name="rowGroupSize"/>.</summary>
    public static Task WriteAsync(DataFrame frame, string path, IReadOnlyDictionary<string, string>? metadata = null, int rowGroupSize = 250_000)
    {
        var fields = frame.Columns.Select(c => c switch
        {
            DoubleDataFrameColumn => (DataField)new DataField<double?>(c.Name),
            SingleDataFrameColumn => new DataField<float?>(c.Name),
            Int32DataFrameColumn => new DataField<int?>(c.Name),
            Int64DataFrameColumn => new DataField<long?>(c.Name),
            BooleanDataFrameColumn => new DataField<bool?>(c.Name),
            StringDataFrameColumn => new DataField<string>(c.Name),
            _ => throw new NotSupportedException($"Column '{c.Name}' has type {c.DataType.Name}, which the workbook does not write to Parquet."),
        }).ToArray();
        return WriteAsync(path, new ParquetSchema(fields), async writer =>
        {
            for (long start = 0; start < frame.Rows.Count || start == 0; start += rowGroupSize)
            {
                var count = (int)Math.Min(rowGroupSize, frame.Rows.Count - start);
                using var group = writer.CreateRowGroup();
                for (var c = 0; c < fields.Length; c++)
                    await WriteColumn(group, fields[c], frame.Columns[c], start, count);
                if (count == 0) break;
            }
        }, metadata);
    }

    /// <summary>
    /// The one way the workbook writes a Parquet file: Snappy-compressed, every page with its CRC-32 (set as the page is
    /// written: see <see cref="PageChecksumStream"/> and <see cref="ParquetChecksums"/>), atomically (a temporary file,
    /// then renamed), with <paramref name="metadata"/> as its key-value metadata; <paramref name="write"/> adds the row
    /// groups (and may set the metadata itself, at the end). <paramref name="check"/>, when given, reads the finished
    /// temporary file before it replaces <paramref name="path"/>: an error there leaves whatever
    /// <paramref name="path"/> held.
    /// </summary>
    public static Task WriteAsync(string path, ParquetSchema schema, Func<ParquetWriter, Task> write,
        IReadOnlyDictionary<string, string>? metadata = null, ParquetOptions? options = null, Func<string, Task>? check = null) =>
        AtomicFile.WriteFileAsync(path, async temporary =>
        {
            // Parquet.Net writes no page checksums: they are set in each page's header as its pages pass to the file.
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var pages = new PageChecksumStream(file, Path.GetFullPath(path));
                await using (var writer = await ParquetWriter.CreateAsync(schema, pages,
                    options ?? new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }))
                {
                    if (metadata is not null) writer.CustomMetadata = metadata.ToDictionary();
                    try
                    {
                        await write(writer);
                        pages.EndOfPages();
                    }
                    catch
                    {
                        pages.Abandon(); // the footer the writer still writes on its way out goes nowhere
                        throw;
                    }
                }
                pages.Finish();
                file.Flush(flushToDisk: true);
            }
            if (check is not null) await check(temporary);
        });

    /// <summary>
    /// Checks every page checksum of <paramref name="path"/> (pages written without one are read as they are): a damaged
    /// page is an <see cref="InvalidDataException"/> naming the file, column and byte offset. Every reader of data calls it first,
    /// and opens the file with the footer it returns (checked as <see cref="OpenAsync(string)"/> would, so not twice).
    /// </summary>
    public static FooterSummary VerifyPages(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Parquet file not found: {path}", path);
        return ParquetChecksums.VerifyWithFooter(path).Footer;
    }

    /// <summary>
    /// A numeric column (double, float, int, long, short or byte) of one row group read straight into arrays: its defined
    /// values, packed in row order, as doubles in <paramref name="values"/>, and for each row 1 in <paramref name="defined"/>
    /// where it has a value, 0 where it is null. Both arrays need the group's row count. Returns how many values were defined.
    /// </summary>
    public static ValueTask<int> ReadNumbersAsync(ParquetRowGroupReader group, DataField field, double[] values, int[] defined) =>
        (Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType) switch
        {
            var t when t == typeof(double) => ReadRawAsync<double, double>(group, field, values, defined, null),
            var t when t == typeof(float) => ReadRawAsync<float, double>(group, field, values, defined, v => v),
            var t when t == typeof(int) => ReadRawAsync<int, double>(group, field, values, defined, v => v),
            var t when t == typeof(long) => ReadRawAsync<long, double>(group, field, values, defined, v => v),
            var t when t == typeof(short) => ReadRawAsync<short, double>(group, field, values, defined, v => v),
            var t when t == typeof(byte) => ReadRawAsync<byte, double>(group, field, values, defined, v => v),
            var t => throw new InvalidDataException($"Column '{field.Name}' holds {t.Name}, not numbers."),
        };

    /// <summary>An integer column (int, long, short or byte) of one row group as exact whole numbers; see <see cref="ReadNumbersAsync"/>.</summary>
    public static ValueTask<int> ReadWholeNumbersAsync(ParquetRowGroupReader group, DataField field, long[] values, int[] defined) =>
        (Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType) switch
        {
            var t when t == typeof(long) => ReadRawAsync<long, long>(group, field, values, defined, null),
            var t when t == typeof(int) => ReadRawAsync<int, long>(group, field, values, defined, v => v),
            var t when t == typeof(short) => ReadRawAsync<short, long>(group, field, values, defined, v => v),
            var t when t == typeof(byte) => ReadRawAsync<byte, long>(group, field, values, defined, v => v),
            var t => throw new InvalidDataException($"Column '{field.Name}' holds {t.Name}, not whole numbers."),
        };

    /// <summary>Whether a field holds integers that <see cref="ReadWholeNumbersAsync"/> reads.</summary>
    public static bool IsWholeNumber(DataField field) =>
        (Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType) is var t
            && (t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(byte));

    private static async ValueTask<int> ReadRawAsync<TIn, TOut>(ParquetRowGroupReader group, DataField field, TOut[] values, int[] defined,
        Func<TIn, TOut>? convert)
        where TIn : struct
    {
        var n = checked((int)group.RowCount);
        if (values.Length < n || defined.Length < n) throw new ArgumentException($"Column '{field.Name}': buffers of {values.Length} for {n} rows.");
        var raw = convert is null ? (TIn[])(object)values : ArrayPool<TIn>.Shared.Rent(n);
        try
        {
            await group.ReadRawAsync<TIn>(field, raw.AsMemory(0, n), defined.AsMemory(0, n), null);
            if (convert is not null) Convert(raw, values, n, convert);
        }
        finally
        {
            if (convert is not null) ArrayPool<TIn>.Shared.Return(raw);
        }
        return Defined(defined, n, field.MaxDefinitionLevel);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Convert<TIn, TOut>(TIn[] raw, TOut[] values, int n, Func<TIn, TOut> convert)
    {
        for (var i = 0; i < n; i++) values[i] = convert(raw[i]);
    }

    /// <summary>Definition levels as 1 (a value) or 0 (null) per row; the number of values.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int Defined(int[] defined, int n, int top)
    {
        if (top == 0) { defined.AsSpan(0, n).Fill(1); return n; }
        var count = 0;
        for (var i = 0; i < n; i++) count += defined[i] = defined[i] == top ? 1 : 0;
        return count;
    }

    private static DataFrameColumn Create(DataField field, int length, string path)
    {
        var type = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (type == typeof(double)) return new DoubleDataFrameColumn(field.Name, length);
        if (type == typeof(float)) return new SingleDataFrameColumn(field.Name, length);
        if (type == typeof(int)) return new Int32DataFrameColumn(field.Name, length);
        if (type == typeof(long)) return new Int64DataFrameColumn(field.Name, length);
        if (type == typeof(bool)) return new BooleanDataFrameColumn(field.Name, length);
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>)) return new StringDataFrameColumn(field.Name, length);
        throw new InvalidDataException($"{path}: column '{field.Name}' has type {type.Name}, which the workbook does not read.");
    }

    private static async Task ReadInto(ParquetRowGroupReader group, DataField field, DataFrameColumn column, int offset, int n)
    {
        switch (column)
        {
            case DoubleDataFrameColumn d: await Copy<double>(group, field, n, (i, v) => d[offset + i] = v); break;
            case SingleDataFrameColumn s: await Copy<float>(group, field, n, (i, v) => s[offset + i] = v); break;
            case Int32DataFrameColumn i32: await Copy<int>(group, field, n, (i, v) => i32[offset + i] = v); break;
            case Int64DataFrameColumn i64: await Copy<long>(group, field, n, (i, v) => i64[offset + i] = v); break;
            case BooleanDataFrameColumn b: await Copy<bool>(group, field, n, (i, v) => b[offset + i] = v); break;
            case StringDataFrameColumn text:
                var values = new string?[n];
                await group.ReadAsync(field, values.AsMemory());
                for (var i = 0; i < n; i++) text[offset + i] = values[i];
                break;
        }
    }

    private static async Task Copy<T>(ParquetRowGroupReader group, DataField field, int n, Action<int, T?> set) where T : struct
    {
        if (!field.IsNullable)
        {
            // Parquet.Net 6.1 reads a required column into nullable memory through definition levels it never sets (stale pooled
            // memory decides which values come back null): a required column is read as plain values.
            var plain = new T[n];
            await group.ReadAsync<T>(field, plain.AsMemory());
            for (var i = 0; i < n; i++) set(i, plain[i]);
            return;
        }
        var values = new T?[n];
        await group.ReadAsync<T>(field, values.AsMemory());
        for (var i = 0; i < n; i++) set(i, values[i]);
    }

    private static async Task WriteColumn(ParquetRowGroupWriter group, DataField field, DataFrameColumn column, long start, int count)
    {
        switch (column)
        {
            case DoubleDataFrameColumn d: await group.WriteAsync(field, Slice(count, i => d[start + i])); break;
            case SingleDataFrameColumn s: await group.WriteAsync(field, Slice(count, i => s[start + i])); break;
            case Int32DataFrameColumn i32: await group.WriteAsync(field, Slice(count, i => i32[start + i])); break;
            case Int64DataFrameColumn i64: await group.WriteAsync(field, Slice(count, i => i64[start + i])); break;
            case BooleanDataFrameColumn b: await group.WriteAsync(field, Slice(count, i => b[start + i])); break;
            case StringDataFrameColumn text:
                var strings = new string[count];
                for (var i = 0; i < count; i++) strings[i] = text[start + i];
                await group.WriteAsync(field, strings);
                break;
        }
    }

    private static ReadOnlyMemory<T?> Slice<T>(int count, Func<int, T?> get) where T : struct
    {
        var values = new T?[count];
        for (var i = 0; i < count; i++) values[i] = get(i);
        return values;
    }
}
