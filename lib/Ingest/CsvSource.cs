using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace PopHealth.Ingest;

/// <summary>
/// Streams a BRFSS CSV (plain, gzip, or inside a zip) as column batches. A first pass decides each
/// column's kind (numeric when every non-blank value parses as a number, text otherwise) and counts
/// rows; the second pass converts. Two passes keep memory bounded by the batch and make the types exact.
/// Blank fields are missing (CDC's "BLANK").
/// </summary>
public sealed class CsvSource : IColumnSource
{
    private readonly Func<Stream> open;
    private readonly string[] header;
    private TextReader? reader;
    private long line;

    private CsvSource(Func<Stream> open, string sourceName)
    {
        this.open = open;
        SourceName = sourceName;
        var kinds = Scan(out header, out var rows);
        RowCount = rows;
        Columns = header.Select((name, i) => new SourceColumn(name, kinds[i])).ToArray();
    }

    /// <summary>Opens a <c>.csv</c> or <c>.csv.gz</c> file.</summary>
    public static CsvSource Open(string path) =>
        new(() =>
        {
            Stream file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        }, Path.GetFileName(path));

    /// <summary>Reads CSV from streams that <paramref name="open"/> returns afresh for each pass.</summary>
    public static CsvSource Open(Func<Stream> open, string sourceName) => new(open, sourceName);

    public string SourceName { get; }
    public IReadOnlyList<SourceColumn> Columns { get; }
    /// <summary>Data rows (the header excluded).</summary>
    public long RowCount { get; }

    public ColumnBatch? ReadBatch(int maxRows)
    {
        if (maxRows <= 0) throw new ArgumentOutOfRangeException(nameof(maxRows));
        if (reader is null)
        {
            reader = new StreamReader(open(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
            reader.ReadLine();
            line = 1;
        }
        var values = Columns.Select(c => c.Kind == ColumnKind.Numeric ? (Array)new double?[maxRows] : new string?[maxRows]).ToArray();
        var fields = new List<string>(header.Length);
        var rows = 0;
        while (rows < maxRows && ReadRecord(reader, fields))
        {
            line++;
            CheckWidth(fields, header.Length);
            for (var i = 0; i < fields.Count; i++)
            {
                var text = fields[i].Trim();
                if (Columns[i].Kind == ColumnKind.Numeric)
                    ((double?[])values[i])[rows] = text.Length == 0 ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                else
                    ((string?[])values[i])[rows] = text.Length == 0 ? null : text;
            }
            rows++;
        }
        return rows == 0 ? null : new ColumnBatch(Columns, values, rows);
    }

    private ColumnKind[] Scan(out string[] names, out long rows)
    {
        using var scan = new StreamReader(open(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        var fields = new List<string>();
        if (!ReadRecord(scan, fields) || fields.All(string.IsNullOrWhiteSpace))
            throw new InvalidDataException($"{SourceName}: empty file, no header row.");
        names = fields.Select(f => f.Trim()).ToArray();
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1 || g.Key.Length == 0);
        if (duplicate is not null)
            throw new InvalidDataException(duplicate.Key.Length == 0 ? $"{SourceName}: the header has an empty column name." : $"{SourceName}: column '{duplicate.Key}' appears twice in the header.");
        var numeric = Enumerable.Repeat(true, names.Length).ToArray();
        rows = 0;
        line = 1;
        var headerWidth = names.Length;
        while (ReadRecord(scan, fields))
        {
            line++;
            CheckWidth(fields, headerWidth);
            for (var i = 0; i < fields.Count; i++)
                if (numeric[i] && fields[i].Trim() is { Length: > 0 } t && !double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    numeric[i] = false;
            rows++;
        }
        return numeric.Select(n => n ? ColumnKind.Numeric : ColumnKind.Text).ToArray();
    }

    private void CheckWidth(List<string> fields, int headerWidth)
    {
        if (fields.Count != headerWidth)
            throw new InvalidDataException($"{SourceName}: line {line:N0} has {fields.Count} fields but the header has {headerWidth}.");
    }

    /// <summary>One RFC 4180 record (quoted fields may hold commas, quotes and line breaks); false at the end.</summary>
    private static bool ReadRecord(TextReader input, List<string> fields)
    {
        fields.Clear();
        var first = input.Peek();
        if (first < 0) return false;
        var field = new StringBuilder();
        var quoted = false;
        while (true)
        {
            var c = input.Read();
            if (c < 0) { fields.Add(field.ToString()); return true; }
            if (quoted)
            {
                if (c == '"')
                {
                    if (input.Peek() == '"') { input.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else field.Append((char)c);
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); break;
                case '\r': if (input.Peek() == '\n') input.Read(); fields.Add(field.ToString()); return true;
                case '\n': fields.Add(field.ToString()); return true;
                default: field.Append((char)c); break;
            }
        }
    }

    public void Dispose() => reader?.Dispose();
}
