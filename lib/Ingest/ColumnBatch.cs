namespace PopHealth.Ingest;

/// <summary>How a source column is stored.</summary>
public enum ColumnKind { Numeric, Text }

/// <summary>A column of a BRFSS source: its name, kind, and (from SAS transport files) label and format.</summary>
public sealed record SourceColumn(string Name, ColumnKind Kind, string? Label = null, string? Format = null);

/// <summary>
/// A block of rows, column by column: <c>double?[]</c> for numeric columns, <c>string?[]</c> for text.
/// Readers hand out batches of bounded size, so memory follows the batch, never the file.
/// </summary>
public sealed class ColumnBatch
{
    public ColumnBatch(IReadOnlyList<SourceColumn> columns, Array[] values, int rowCount, char[]?[]? missingKinds = null)
    {
        if (values.Length != columns.Count)
            throw new ArgumentException($"{columns.Count} columns but {values.Length} value arrays.");
        for (var i = 0; i < columns.Count; i++)
        {
            var expected = columns[i].Kind == ColumnKind.Numeric ? typeof(double?[]) : typeof(string?[]);
            if (values[i].GetType() != expected || values[i].Length < rowCount)
                throw new ArgumentException($"Column '{columns[i].Name}' needs a {expected.Name} of at least {rowCount} values.");
        }
        Columns = columns;
        Values = values;
        RowCount = rowCount;
        MissingKinds = missingKinds ?? new char[]?[columns.Count];
    }

    public IReadOnlyList<SourceColumn> Columns { get; }
    public int RowCount { get; }

    /// <summary>One array per column (<c>double?[]</c> or <c>string?[]</c>); only the first <see cref="RowCount"/> entries count.</summary>
    public Array[] Values { get; }

    /// <summary>
    /// For numeric columns from SAS files: which SAS missing value each null was ('.', 'A'–'Z', '_'),
    /// or '\0' where the value is present. Null for a column when not tracked.
    /// </summary>
    public char[]?[] MissingKinds { get; }

    public double?[] Numeric(int column) => (double?[])Values[column];
    public string?[] Text(int column) => (string?[])Values[column];

    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}

/// <summary>A BRFSS source read as a stream of <see cref="ColumnBatch"/>es with one schema.</summary>
public interface IColumnSource : IDisposable
{
    /// <summary>What the rows come from (file name, and member inside a zip), for messages and provenance.</summary>
    string SourceName { get; }
    IReadOnlyList<SourceColumn> Columns { get; }
    /// <summary>The next batch of at most <paramref name="maxRows"/> rows, or null at the end.</summary>
    ColumnBatch? ReadBatch(int maxRows);
}
