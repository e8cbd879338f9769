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
    /// <summary>Opens a Parquet file for reading; a missing file or one that is not Parquet is an error naming it.</summary>
    public static async Task<ParquetReader> OpenAsync(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Parquet file not found: {path}", path);
        try { return await ParquetReader.CreateAsync(path); }
        catch (Exception e) when (e is not (FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{path}: not a readable Parquet file ({e.Message}).", e);
        }
    }

    /// <summary>Reads <paramref name="path"/> (all columns, or only <paramref name="columns"/>, which must all exist).</summary>
    public static async Task<DataFrame> ReadAsync(string path, IEnumerable<string>? columns = null)
    {
        await using var reader = await OpenAsync(path);
        var fields = Fields(reader, path, columns);
        var total = checked((int)Enumerable.Range(0, reader.RowGroupCount).Sum(g => reader.OpenRowGroupReader(g).RowCount));
        var frameColumns = fields.Select(f => Create(f, total, path)).ToArray();
        var offset = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            for (var c = 0; c < fields.Length; c++)
                await ReadInto(group, fields[c], frameColumns[c], offset, n);
            offset += n;
        }
        return new DataFrame(frameColumns);
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
        await using var reader = await OpenAsync(path);
        var fields = Fields(reader, path, columns);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            var frameColumns = fields.Select(f => Create(f, n, path)).ToArray();
            for (var c = 0; c < fields.Length; c++) await ReadInto(group, fields[c], frameColumns[c], 0, n);
            yield return new DataFrame(frameColumns);
        }
    }

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="path"/>, reading only the row groups they are in.</summary>
    public static async Task<DataFrame> ReadHeadAsync(string path, int rows = 8)
    {
        await foreach (var group in ReadRowGroupsAsync(path)) return group.Head(rows);
        return await ReadAsync(path); // no row groups: the (empty) table itself
    }

    /// <summary>The key-value metadata of <paramref name="path"/>.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string path)
    {
        await using var reader = await OpenAsync(path);
        return reader.CustomMetadata.ToDictionary();
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
        return AtomicFile.WriteAsync(path, async stream =>
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
            if (metadata is not null) writer.CustomMetadata = metadata.ToDictionary();
            for (long start = 0; start < frame.Rows.Count || start == 0; start += rowGroupSize)
            {
                var count = (int)Math.Min(rowGroupSize, frame.Rows.Count - start);
                using var group = writer.CreateRowGroup();
                for (var c = 0; c < fields.Length; c++)
                    await WriteColumn(group, fields[c], frame.Columns[c], start, count);
                if (count == 0) break;
            }
        });
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
