using System.Globalization;
using System.Reflection;
using System.Text;

namespace PopHealth.Workbook;

/// <summary>
/// CSV as spreadsheets, BI tools (Power BI, Tableau) and DuckDB read it: a header row, comma-separated, <c>\n</c> line ends,
/// RFC 4180 quoting (a field holding a comma, a quote, CR or LF is quoted, its quotes doubled), invariant culture, numbers that
/// read back exactly (round-trip format), <c>true</c>/<c>false</c>, and an empty field for null. A NaN or infinite number is
/// refused (no reader agrees on them), naming the column and row. Written as UTF-8 without a byte-order mark.
/// </summary>
public static class CsvText
{
    /// <summary>One field's text.</summary>
    public static string Field(object? value) => value switch
    {
        null => "",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        double d when !double.IsFinite(d) => throw new ArgumentException($"{d} is not a number a CSV reader agrees on."),
        float f when !float.IsFinite(f) => throw new ArgumentException($"{f} is not a number a CSV reader agrees on."),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => Quote(f.ToString(null, CultureInfo.InvariantCulture)),
        var v => Quote(v.ToString() ?? ""),
    };

    private static string Quote(string s) => s.AsSpan().IndexOfAny(",\"\r\n") < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    /// <summary>Writes <paramref name="header"/> and <paramref name="rows"/> (one value per header column) to <paramref name="writer"/>.</summary>
    public static void Write(TextWriter writer, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        writer.Write(string.Join(",", header.Select(h => Quote(h))));
        writer.Write('\n');
        var line = 1;
        foreach (var row in rows)
        {
            line++;
            if (row.Count != header.Count) throw new ArgumentException($"CSV line {line}: {row.Count} values for {header.Count} columns.");
            for (var c = 0; c < row.Count; c++)
            {
                if (c > 0) writer.Write(',');
                try { writer.Write(Field(row[c])); }
                catch (ArgumentException e) { throw new ArgumentException($"CSV line {line}, column '{header[c]}': {e.Message}", e); }
            }
            writer.Write('\n');
        }
    }

    /// <summary>Writes a CSV file atomically (<see cref="AtomicFile"/>).</summary>
    public static void WriteFile(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows) =>
        AtomicFile.Write(path, (Stream stream) =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            Write(writer, header, rows);
        });

    /// <summary>
    /// Records as CSV text: one column per public scalar property of <typeparamref name="T"/> (numbers, text, booleans, enums,
    /// dates; its name as header), in declaration order. A record's value that is not a number (NaN, an AUC of a group with one
    /// class) is written as an empty field, as a missing value, which is what every reader makes of it.
    /// </summary>
    public static string Records<T>(IEnumerable<T> rows)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && IsScalar(p.PropertyType)).ToArray();
        var text = new StringWriter(CultureInfo.InvariantCulture);
        Write(text, properties.Select(p => p.Name).ToArray(),
            rows.Select(r => (IReadOnlyList<object?>)properties.Select(p => Missing(p.GetValue(r))).ToArray()));
        return text.ToString();
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset);
    }

    private static object? Missing(object? value) => value switch
    {
        double d when !double.IsFinite(d) => null,
        float f when !float.IsFinite(f) => null,
        _ => value,
    };
}
