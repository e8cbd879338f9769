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

    private static DataFrameColumn Column<T>(PropertyInfo property, List<T> items)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object? Value(T item) => property.GetValue(item);
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
            return new DoubleDataFrameColumn(property.Name, items.Select(i => Value(i) is { } v ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : (double?)null));
        if (type == typeof(int) || type == typeof(short) || type == typeof(byte))
            return new Int32DataFrameColumn(property.Name, items.Select(i => Value(i) is { } v ? Convert.ToInt32(v, CultureInfo.InvariantCulture) : (int?)null));
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
