using System.Globalization;
using System.Reflection;
using Microsoft.Data.Analysis;

namespace PopHealth.Workbook;

/// <summary>Turns lists of records into DataFrames, which notebooks display as tables.</summary>
public static class Tables
{
    /// <summary>
    /// One column per public property of <typeparamref name="T"/>, in declaration order: numbers and
    /// booleans keep their type (nullable allowed), anything else becomes text.
    /// </summary>
    public static DataFrame ToDataFrame<T>(this IEnumerable<T> rows)
    {
        var items = rows.ToList();
        var columns = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .Select(p => Column(p, items))
            .ToList();
        return new DataFrame(columns);
    }

    /// <summary>
    /// The first <paramref name="rows"/> rows of <paramref name="frame"/>, or the table itself when it has no more: what
    /// notebooks show as a first look (DataFrame's own <c>Head</c> throws on a table shorter than asked for, or empty).
    /// </summary>
    public static DataFrame Preview(this DataFrame frame, int rows = 5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        return frame.Rows.Count <= rows ? frame : frame.Head(rows);
    }

    /// <summary>A numeric column's values as nullable doubles (null = unknown); an absent or non-numeric column is an error naming it.</summary>
    public static double?[] Numbers(this DataFrame frame, string column)
    {
        if (frame.Columns.IndexOf(column) < 0) throw new InvalidDataException($"The table has no column '{column}'.");
        if (frame.Columns[column] is not DoubleDataFrameColumn numbers)
            throw new InvalidDataException($"Column '{column}' is {frame.Columns[column].DataType.Name}, expected numbers.");
        var values = new double?[numbers.Length];
        for (var i = 0; i < values.Length; i++) values[i] = numbers[i];
        return values;
    }

    private static DataFrameColumn Column<T>(PropertyInfo property, List<T> items)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object? Value(T item) => property.GetValue(item);
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
            return new DoubleDataFrameColumn(property.Name,
                items.Select(i => Value(i) is { } v ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : (double?)null));
        if (type == typeof(int) || type == typeof(short) || type == typeof(byte))
            return new Int32DataFrameColumn(property.Name,
                items.Select(i => Value(i) is { } v ? Convert.ToInt32(v, CultureInfo.InvariantCulture) : (int?)null));
        if (type == typeof(long))
            return new Int64DataFrameColumn(property.Name, items.Select(i => (long?)Value(i)));
        if (type == typeof(bool))
            return new BooleanDataFrameColumn(property.Name, items.Select(i => (bool?)Value(i)));
        return new StringDataFrameColumn(property.Name, items.Select(i => Value(i) switch
        {
            null => null,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        }));
    }
}
