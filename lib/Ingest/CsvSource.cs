using System.Globalization;
using System.Text;

namespace PopHealth.Ingest;

/// <summary>
/// Streams a BRFSS CSV (plain, gzip, or inside a zip) as column batches. A first pass decides each column's kind
/// and counts rows; the second pass converts. Two passes keep memory bounded by the batch and make the types exact.
/// </summary>
/// <remarks>
/// The rules, as a data scientist's exports meet them:
/// <list type="bullet">
/// <item>Missing values are an empty field, <c>NA</c> (R) or <c>.</c> (SAS), in any column.</item>
/// <item>A column is numeric when numbers are the majority of its non-missing values (or it has none: a BRFSS
/// variable is numeric); then any other text in it is an error naming file, line and column, not a silent switch to
/// text. A column where numbers are not the majority is text, and its values are kept as written.</item>
/// <item>Numbers are invariant-culture and finite: <c>Infinity</c>, <c>-inf</c>, <c>NaN</c> or <c>1e999</c> in a
/// numeric column is an error naming file, line and column.</item>
/// <item>Blank lines (empty or only white space, the last one included) are skipped. Fields are trimmed.</item>
/// <item>A field longer than <see cref="MaxFieldLength"/> characters is an error naming the line: memory stays
/// bounded whatever the file holds.</item>
/// <item>Lines are counted as an editor shows them (the header is line 1; a quoted line break starts a new line).</item>
/// </list>
/// </remarks>
public sealed class CsvSource : IColumnSource
{
    /// <summary>Longest field accepted, in characters (64 KiB): far beyond any survey value.</summary>
    public const int MaxFieldLength = 1 << 16;

    private readonly Func<Stream> open;
    private readonly string[] header;
    private CsvRecords? records;
    private long rowsRead;

    private CsvSource(Func<Stream> open, string sourceName)
    {
        this.open = open;
        SourceName = sourceName;
        var kinds = Scan(out header, out var rows);
        RowCount = rows;
        Columns = header.Select((name, i) => new SourceColumn(name, kinds[i])).ToArray();
    }

    /// <summary>Opens a <c>.csv</c> or <c>.csv.gz</c> file.</summary>
    public static CsvSource Open(string path)
    {
        var name = Path.GetFileName(path);
        var gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        return new(() => gzip ? CheckedStream.Gzip(path, name) : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), name);
    }

    /// <summary>Reads CSV from streams that <paramref name="open"/> returns afresh for each pass.</summary>
    public static CsvSource Open(Func<Stream> open, string sourceName) => new(open, sourceName);

    public string SourceName { get; }
    public IReadOnlyList<SourceColumn> Columns { get; }
    /// <summary>Data rows (the header and blank lines excluded).</summary>
    public long RowCount { get; }

    public ColumnBatch? ReadBatch(int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        if (records is null)
        {
            records = new CsvRecords(OpenText(), SourceName);
            records.Next(header.Length);
        }
        // Sized by the rows the first pass counted: memory follows the file's rows, never maxRows alone.
        var capacity = (int)Math.Min(maxRows, Math.Max(RowCount - rowsRead, 0));
        if (capacity == 0)
        {
            if (records.Next(header.Length)) throw Changed(records.Line);
            return null;
        }
        var values = Columns.Select(c => c.Kind == ColumnKind.Numeric ? (Array)new double?[capacity] : new string?[capacity]).ToArray();
        var rows = 0;
        while (rows < capacity && records.Next(header.Length))
        {
            CheckWidth(records, header.Length);
            for (var i = 0; i < header.Length; i++)
            {
                var text = records.Field(i).Trim();
                if (Columns[i].Kind == ColumnKind.Numeric) ((double?[])values[i])[rows] = IsMissing(text) ? null : ParseNumber(text, records.Line, i);
                else ((string?[])values[i])[rows] = IsMissing(text) ? null : text.ToString();
            }
            rows++;
        }
        rowsRead += rows;
        if (rows < capacity) throw Changed(records.Line);
        return new ColumnBatch(Columns, values, rows);
    }

    private double ParseNumber(ReadOnlySpan<char> text, long line, int column) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new InvalidDataException($"{SourceName}: line {line:N0}, column '{header[column]}': '{Shorten(text)}' is not a finite number, " +
                $"though the first pass read one there: {ChangedAdvice}");

    private const string ChangedAdvice = "the file changed while it was read; convert it again once it is complete.";

    private InvalidDataException Changed(long line) =>
        new($"{SourceName}: line {line:N0}: the first pass counted {RowCount:N0} rows but the second read a different number: {ChangedAdvice}");

    private StreamReader OpenText() => new StreamReader(open(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);

    /// <summary>Empty, <c>NA</c> (R's) or <c>.</c> (SAS's): a missing value.</summary>
    private static bool IsMissing(ReadOnlySpan<char> text) => text.Length == 0 || text is "NA" || text is ".";

    private ColumnKind[] Scan(out string[] names, out long rows)
    {
        CheckIsText();
        using var scan = new CsvRecords(OpenText(), SourceName);
        if (!scan.Next(int.MaxValue))
            throw new InvalidDataException($"{SourceName}: empty file, no header row.");
        names = Enumerable.Range(0, scan.FieldCount).Select(i => scan.Field(i).Trim().ToString()).ToArray();
        if (names.Length == 1 && OtherSeparator(names[0]) is { } separator)
            throw new InvalidDataException($"{SourceName}: its header is one column, '{Shorten(names[0])}', holding {separator}: " +
                $"the file looks separated by {separator}, not commas " +
                "(as spreadsheets save \"CSV\" in some locales). The workbook reads comma-separated files: save it with commas as the separator " +
                "(and '.' as the decimal mark).");
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1 || g.Key.Length == 0);
        if (duplicate is not null)
            throw new InvalidDataException(duplicate.Key.Length == 0 ? $"{SourceName}: the header has an empty column name."
                : $"{SourceName}: column '{duplicate.Key}' appears twice in the header.");
        var census = names.Select(_ => new ColumnCensus()).ToArray();
        rows = 0;
        while (scan.Next(names.Length))
        {
            CheckWidth(scan, names.Length);
            for (var i = 0; i < names.Length; i++) census[i].Add(scan.Field(i).Trim(), scan.Line);
            rows++;
        }
        var kinds = census.Select(c => c.Kind).ToArray();
        var columnNames = names;
        var problem = census.Select((c, i) => (Census: c, Name: columnNames[i], Line: c.ProblemLine))
            .Where(x => x.Line > 0).OrderBy(x => x.Line).FirstOrDefault();
        if (problem.Census is not null)
            throw new InvalidDataException($"{SourceName}: line {problem.Line:N0}, column '{problem.Name}': {problem.Census.Problem}");
        return kinds;
    }

    /// <summary>The separator a one-column header holds instead of commas (semicolons, tabs, bars), in words; null when none.</summary>
    private static string? OtherSeparator(string header) =>
        header.Contains(';') ? "semicolons" : header.Contains('\t') ? "tabs" : header.Contains('|') ? "vertical bars" : null;

    /// <summary>Bytes looked at to tell a text file from a binary one.</summary>
    private const int SniffLength = 4096;

    /// <summary>
    /// Refuses a file that is not text, saying what it looks like: a compressed file, an archive, an XPT or Parquet file or a
    /// spreadsheet named <c>.csv</c> would otherwise be read as one odd column of garbage and refused for its variables.
    /// </summary>
    private void CheckIsText()
    {
        var head = new byte[SniffLength];
        int length;
        using (var stream = open())
        {
            length = 0;
            for (int read; length < head.Length && (read = stream.Read(head, length, head.Length - length)) > 0;) length += read;
        }
        if (BinaryKind(head.AsSpan(0, length)) is { } what)
            throw new InvalidDataException($"{SourceName}: not a CSV text file: it looks like {what}.");
    }

    /// <summary>What a file starting with <paramref name="head"/> is when it is not text (in words, with what to do); null for text.</summary>
    internal static string? BinaryKind(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return "gzip-compressed data: name it .csv.gz if it holds a CSV";
        if (head.StartsWith("PK\u0003\u0004"u8))
            return "a zip archive (an .xlsx workbook is one too): name it .zip if it holds one XPT or CSV file, or export the spreadsheet as CSV";
        if (head.StartsWith("PAR1"u8)) return "a Parquet file: 01 reads XPT, CSV and zip sources (06 scores Parquet, through POPHEALTH_SCORE_INPUT)";
        if (head.StartsWith("HEADER RECORD*******"u8)) return "a SAS transport (XPT) file: name it .xpt";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0])) return "an Office document (an .xls workbook): export it as CSV";
        // UTF-16 or -32 text, read by its byte-order mark
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return null;
        return head.Contains((byte)0) ? "binary data (it holds NUL bytes, which no CSV text does): point POPHEALTH_INPUT at the CSV itself" : null;
    }

    private void CheckWidth(CsvRecords record, int headerWidth)
    {
        if (record.FieldCount != headerWidth)
            throw new InvalidDataException($"{SourceName}: " +
                $"line {record.Line:N0} has {record.FieldCount:N0} fields but the header has {headerWidth:N0}.");
    }

    private static string Shorten(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "…");

    /// <summary>What the first pass saw in one column: enough to decide its kind and name its first bad line.</summary>
    private sealed class ColumnCensus
    {
        private long numbers, texts, firstTextLine, firstNonFiniteLine;
        private string? firstText, firstNonFinite;

        public ColumnKind Kind => numbers > texts || texts == 0 ? ColumnKind.Numeric : ColumnKind.Text;

        /// <summary>The line of this column's first error (0 if none): text among numbers, or a non-finite number.</summary>
        public long ProblemLine => Kind != ColumnKind.Numeric ? 0
            : firstTextLine == 0 ? firstNonFiniteLine
            : firstNonFiniteLine == 0 ? firstTextLine
            : Math.Min(firstTextLine, firstNonFiniteLine);

        public string Problem => firstTextLine > 0 && firstTextLine == ProblemLine
            ? $"'{firstText}' is not a number, but {numbers:N0} other values in this column are. Write a missing value as an empty field, " +
                $"NA or '.', or correct the value."
            : $"'{firstNonFinite}' is not a finite number (infinity and NaN are no survey answer). Write a missing value as an empty field, " +
                $"NA or '.'.";

        public void Add(ReadOnlySpan<char> text, long line)
        {
            if (IsMissing(text)) return;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || IsNonFiniteWord(text, out value))
            {
                numbers++;
                if (!double.IsFinite(value) && firstNonFiniteLine == 0) (firstNonFiniteLine, firstNonFinite) = (line, Shorten(text));
                return;
            }
            texts++;
            if (firstTextLine == 0) (firstTextLine, firstText) = (line, Shorten(text));
        }

        /// <summary>Spellings of infinity and NaN that .NET does not parse but other tools write (<c>inf</c>, <c>-inf</c>, <c>nan</c>).</summary>
        private static bool IsNonFiniteWord(ReadOnlySpan<char> text, out double value)
        {
            var unsigned = text.Length > 0 && text[0] is '+' or '-' ? text[1..] : text;
            value = text.Length > 0 && text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
            if (unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase))
                return true;
            value = double.NaN;
            return unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase);
        }
    }

    public void Dispose() => records?.Dispose();
}
