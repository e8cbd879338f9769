namespace PopHealth.Ingest;

/// <summary>
/// A block of rows laid out as Parquet stores them, which the converter writes as one row group: per numeric column the
/// present values packed together and a definition level per row (1 present, 0 missing), with the SAS missing kind of
/// each missing value in row order; per text column one string per row (null when blank). A block is filled, written,
/// and filled again: after the first rows, nothing is allocated per row but text.
/// </summary>
public sealed class RowBlock
{
    public RowBlock(IReadOnlyList<SourceColumn> columns, int capacity)
    {
        Columns = columns;
        var n = columns.Count;
        Present = new double[]?[n];
        Defined = new int[]?[n];
        MissingKinds = new char[]?[n];
        Texts = new string?[]?[n];
        PresentCount = new int[n];
        Grow(capacity);
    }

    public IReadOnlyList<SourceColumn> Columns { get; }
    /// <summary>Rows the arrays hold.</summary>
    public int Capacity { get; private set; }
    public int RowCount { get; private set; }

    /// <summary>Numeric columns: the present values, packed (the first <see cref="PresentCount"/> count).</summary>
    public double[]?[] Present { get; }
    /// <summary>Numeric columns: how many values are present.</summary>
    public int[] PresentCount { get; }
    /// <summary>Numeric columns: 1 where the row's value is present, 0 where missing (Parquet's definition levels).</summary>
    public int[]?[] Defined { get; }
    /// <summary>Numeric columns: which SAS missing value each missing one was ('.', 'A'–'Z', '_'), in row order.</summary>
    public char[]?[] MissingKinds { get; }
    /// <summary>Text columns: one value per row, null where blank.</summary>
    public string?[]?[] Texts { get; }

    /// <summary>Empties the block for refilling; its arrays are kept.</summary>
    public void Clear()
    {
        RowCount = 0;
        Array.Clear(PresentCount);
    }

    /// <summary>Room for <paramref name="capacity"/> rows, keeping the rows already in.</summary>
    public void Grow(int capacity)
    {
        if (capacity <= Capacity) return;
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Kind == ColumnKind.Numeric)
            {
                Present[i] = Resized(Present[i], capacity, PresentCount[i]);
                Defined[i] = Resized(Defined[i], capacity, RowCount);
                MissingKinds[i] = Resized(MissingKinds[i], capacity, RowCount - PresentCount[i]);
            }
            else Texts[i] = Resized(Texts[i], capacity, RowCount);
        }
        Capacity = capacity;
    }

    private static T[] Resized<T>(T[]? old, int capacity, int keep)
    {
        var array = new T[capacity];
        old?.AsSpan(0, keep).CopyTo(array);
        return array;
    }

    /// <summary>Records one more row as filled (its values were set by the reader).</summary>
    internal void RowAdded() => RowCount++;

    /// <summary>Records <paramref name="count"/> more rows as filled, column by column, by the reader.</summary>
    internal void RowsAdded(int count) => RowCount += count;

    /// <summary>Sets numeric column <paramref name="column"/> of the row being added: a value, or null with its SAS missing kind.</summary>
    internal void SetNumber(int column, double? value, char missing = '.')
    {
        if (value is { } v)
        {
            Present[column]![PresentCount[column]++] = v;
            Defined[column]![RowCount] = 1;
        }
        else
        {
            MissingKinds[column]![RowCount - PresentCount[column]] = missing;
            Defined[column]![RowCount] = 0;
        }
    }

    /// <summary>Sets text column <paramref name="column"/> of the row being added.</summary>
    internal void SetText(int column, string? value) => Texts[column]![RowCount] = value;

    /// <summary>Adds the rows of <paramref name="batch"/> (same columns): how sources that read in batches reach the converter.</summary>
    public void Add(ColumnBatch batch)
    {
        if (RowCount + batch.RowCount > Capacity) Grow(RowCount + batch.RowCount);
        for (var r = 0; r < batch.RowCount; r++)
        {
            for (var i = 0; i < Columns.Count; i++)
            {
                if (Columns[i].Kind == ColumnKind.Numeric)
                    SetNumber(i, batch.Numeric(i)[r], batch.MissingKinds[i]?[r] is { } k and not '\0' ? k : '.');
                else SetText(i, batch.Text(i)[r]);
            }
            RowAdded();
        }
    }

    /// <summary>The rows as a <see cref="ColumnBatch"/> (new arrays: nullable numbers, missing kinds per row).</summary>
    public ColumnBatch ToBatch()
    {
        var values = new Array[Columns.Count];
        var kinds = new char[]?[Columns.Count];
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Kind == ColumnKind.Text)
            {
                values[i] = Texts[i]!.AsSpan(0, RowCount).ToArray();
                continue;
            }
            var numbers = new double?[RowCount];
            var kind = new char[RowCount];
            int present = 0, missing = 0;
            var defined = Defined[i]!;
            for (var r = 0; r < RowCount; r++)
                if (defined[r] == 1) numbers[r] = Present[i]![present++];
                else kind[r] = MissingKinds[i]![missing++];
            (values[i], kinds[i]) = (numbers, kind);
        }
        return new ColumnBatch(Columns, values, RowCount, kinds);
    }
}
