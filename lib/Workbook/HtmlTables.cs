using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace PopHealth.Workbook;

/// <summary>How a table is written as static HTML.</summary>
/// <param name="MaxRows">Tables with at most this many rows show every row; longer ones show their head and tail.</param>
/// <param name="HeadRows">Rows shown from the top of a longer table.</param>
/// <param name="TailRows">Rows shown from the bottom of a longer table.</param>
/// <param name="SignificantDigits">Significant digits of fractional numbers (whole numbers are shown whole).</param>
/// <param name="IdentifierColumns">Columns whose whole numbers are identifiers or codes (no thousands separators);
/// columns whose name ends in <c>Id</c>, <c>ID</c> or <c>_id</c> count too.</param>
public sealed record HtmlTableOptions(int MaxRows = 60, int HeadRows = 25, int TailRows = 5, int SignificantDigits = 4,
    IReadOnlyList<string>? IdentifierColumns = null)
{
    /// <summary>BRFSS's respondent and design identifiers, and the workbook's seed and year.</summary>
    public static readonly IReadOnlyList<string> DefaultIdentifierColumns = ["SEQNO", "_PSU", "_STSTR", "_STATE", "Seed", "Year"];
}

/// <summary>
/// A DataFrame as a plain HTML table: every row up to <see cref="HtmlTableOptions.MaxRows"/>, else the head and the
/// tail with the row count, numbers rounded for reading. No script and no hidden rows, so the table reads the same
/// where a viewer strips scripts (a code host showing an executed notebook) as in VS Code.
/// </summary>
public static class HtmlTables
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The table as an HTML fragment: a caption with its size, a header row, and one <c>&lt;tr&gt;</c> per shown row.</summary>
    public static string ToHtmlTable(this DataFrame frame, HtmlTableOptions? options = null)
    {
        options ??= new HtmlTableOptions();
        if (options.MaxRows < 1 || options.HeadRows < 0 || options.TailRows < 0 || options.HeadRows + options.TailRows > options.MaxRows)
            throw new ArgumentOutOfRangeException(nameof(options),
                "HtmlTableOptions: MaxRows must be at least 1 and HeadRows + TailRows at most MaxRows.");
        var rows = frame.Rows.Count;
        var columns = frame.Columns;
        var cut = rows > options.MaxRows;
        var html = new StringBuilder("<table class=\"pophealth-table\">");
        html.Append("<caption>").Append(Caption(rows, columns.Count, cut, options)).Append("</caption><thead><tr><th></th>");
        foreach (var column in columns) html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        var formats = columns.Select(c => Identifier(c.Name, options) ? NumberStyle.Identifier : NumberStyle.Quantity).ToArray();
        void Row(long r)
        {
            html.Append("<tr><th>").Append(r.ToString(Invariant)).Append("</th>");
            for (var c = 0; c < columns.Count; c++)
                html.Append(Cell(columns[c][r], formats[c], options.SignificantDigits));
            html.Append("</tr>");
        }
        for (long r = 0; r < (cut ? options.HeadRows : rows); r++) Row(r);
        if (cut)
        {
            var hidden = rows - options.HeadRows - options.TailRows;
            html.Append("<tr><th>…</th><td colspan=\"").Append(Math.Max(1, columns.Count).ToString(Invariant)).Append("\">")
                .Append(hidden.ToString("N0", Invariant)).Append(hidden == 1 ? " row" : " rows").Append(" not shown</td></tr>");
            for (var r = rows - options.TailRows; r < rows; r++) Row(r);
        }
        return html.Append("</tbody></table>").ToString();
    }

    private static string Caption(long rows, int columns, bool cut, HtmlTableOptions options)
    {
        var size = $"{rows.ToString("N0", Invariant)} {(rows == 1 ? "row" : "rows")} " +
            $"× {columns.ToString(Invariant)} {(columns == 1 ? "column" : "columns")}";
        return cut ? $"{size}: the first {options.HeadRows} and the last {options.TailRows} shown" : size;
    }

    private static bool Identifier(string column, HtmlTableOptions options) =>
        (options.IdentifierColumns ?? HtmlTableOptions.DefaultIdentifierColumns).Contains(column, StringComparer.OrdinalIgnoreCase)
        || column.EndsWith("Id", StringComparison.Ordinal) || column.EndsWith("ID", StringComparison.Ordinal)
        || column.EndsWith("_id", StringComparison.Ordinal);

    private enum NumberStyle { Quantity, Identifier }

    private static string Cell(object? value, NumberStyle style, int digits)
    {
        var text = value switch
        {
            null => "—",
            string s => s,
            bool b => b ? "true" : "false",
            double d => FormatNumber(d, digits, style == NumberStyle.Identifier),
            float f => FormatNumber(f, digits, style == NumberStyle.Identifier),
            decimal m => FormatNumber((double)m, digits, style == NumberStyle.Identifier),
            sbyte or byte or short or ushort or int or uint or long =>
                FormatWhole(Convert.ToInt64(value, Invariant), style == NumberStyle.Identifier),
            ulong u => style == NumberStyle.Identifier || u < 10_000 ? u.ToString(Invariant) : u.ToString("N0", Invariant),
            DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", Invariant),
            IFormattable f => f.ToString(null, Invariant),
            _ => value.ToString() ?? "",
        };
        return $"<td>{WebUtility.HtmlEncode(text)}</td>";
    }

    /// <summary>
    /// A number for reading: whole numbers whole (thousands separators from 10,000 unless <paramref name="identifier"/>),
    /// others to <paramref name="digits"/> significant digits without trailing zeros, very small ones in exponent form.
    /// </summary>
    public static string FormatNumber(double value, int digits = 4, bool identifier = false)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "∞" : "−∞";
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15) return FormatWhole((long)value, identifier);
        var magnitude = Math.Abs(value);
        if (magnitude >= 1e4) return value.ToString("#,##0", Invariant);
        if (magnitude < 1e-4) return value.ToString("0." + new string('#', Math.Max(0, digits - 1)) + "e+00", Invariant);
        var decimals = Math.Max(0, digits - 1 - (int)Math.Floor(Math.Log10(magnitude)));
        var text = value.ToString("0." + new string('#', decimals), Invariant);
        return text is "-0" ? "0" : text;
    }

    private static string FormatWhole(long value, bool identifier) =>
        identifier || value is > -10_000 and < 10_000 ? value.ToString(Invariant) : value.ToString("N0", Invariant);
}
