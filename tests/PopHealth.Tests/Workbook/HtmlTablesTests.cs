using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

[Trait("Category", "Unit")]
public class HtmlTablesTests
{
    private sealed record Line(string Name, int Count, double? Share, long Respondents, string RespondentId);

    private static DataFrame Lines(int n) =>
        Enumerable.Range(0, n).Select(i => new Line($"row {i}", i * 10_000, i / 7.0, 2_024_000_000L + i, $"{9_000_000 + i}")).ToDataFrame();

    private static string[] BodyRows(string html) =>
        Regex.Matches(html, "<tbody>(.*)</tbody>", RegexOptions.Singleline).Single().Groups[1].Value
            .Split("</tr>", StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData(1)]
    [InlineData(52)]
    [InlineData(60)]
    public void Up_to_the_limit_every_row_is_a_plain_visible_row(int n)
    {
        var html = Lines(n).ToHtmlTable();
        var rows = BodyRows(html);
        Assert.Equal(n, rows.Length);
        for (var i = 0; i < n; i++) Assert.Contains($"<td>row {i}</td>", rows[i]);
        Assert.All(rows, r => Assert.StartsWith("<tr><th>", r));
        Assert.DoesNotContain("display", html);
        Assert.DoesNotContain("<script", html);
        Assert.Contains($"<caption>{n} row{(n == 1 ? "" : "s")} × 5 columns</caption>", html);
    }

    [Fact]
    public void A_longer_table_shows_its_head_and_tail_and_says_how_many_rows_it_has()
    {
        var html = Lines(12_345).ToHtmlTable(new HtmlTableOptions(MaxRows: 10, HeadRows: 4, TailRows: 2));
        var rows = BodyRows(html);
        Assert.Equal(4 + 1 + 2, rows.Length);
        Assert.Contains("<td>row 0</td>", rows[0]);
        Assert.Contains("<td>row 3</td>", rows[3]);
        Assert.Contains("12,339 rows not shown", rows[4]);
        Assert.Contains("<td>row 12343</td>", rows[5]);
        Assert.Contains("<td>row 12344</td>", rows[6]);
        Assert.Contains("12,345 rows × 5 columns: the first 4 and the last 2 shown", html);
    }

    [Fact]
    public void Numbers_are_rounded_for_reading_and_identifiers_keep_their_digits()
    {
        var html = Lines(8).ToHtmlTable();
        var last = BodyRows(html)[7];
        Assert.Contains("<td>70,000</td>", last);         // a count with thousands separators from 10,000
        Assert.Contains("<td>1</td>", last);              // 7/7: a whole double shown whole
        Assert.Contains("<td>0.8571</td>", BodyRows(html)[6]); // 6/7 to four significant digits, not 0.8571428571428571
        Assert.Contains("<td>2,024,000,007</td>", last);   // Respondents: a quantity
        Assert.Contains("<td>9000007</td>", last);         // RespondentId: text, as given
    }

    [Theory]
    [InlineData(0.1234567, "0.1235")]
    [InlineData(0.05, "0.05")]
    [InlineData(0.00082, "0.00082")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(373.5223, "373.5")]
    [InlineData(12345.678, "12,346")]
    [InlineData(16320.0, "16,320")]
    [InlineData(5005.0, "5005")]
    [InlineData(-0.25, "-0.25")]
    [InlineData(-0.00004, "-4e-05")]
    [InlineData(double.NaN, "NaN")]
    public void Number_formats(double value, string expected) => Assert.Equal(expected, HtmlTables.FormatNumber(value));

    [Fact]
    public void Identifier_columns_get_no_thousands_separators()
    {
        Assert.Equal("2024000001", HtmlTables.FormatNumber(2_024_000_001, identifier: true));
        var frame = new DataFrame(new DoubleDataFrameColumn("SEQNO", [2_024_000_001]), new DoubleDataFrameColumn("_LLCPWT", [12_345.5]),
            new Int32DataFrameColumn("respondent_id", [123_456]), new Int32DataFrameColumn("Count", [123_456]));
        var html = frame.ToHtmlTable();
        Assert.Contains("<td>2024000001</td><td>12,346</td><td>123456</td><td>123,456</td>", html);
    }

    [Fact]
    public void Text_is_escaped_and_missing_values_are_marked()
    {
        var frame = new DataFrame(new StringDataFrameColumn("Label <b>", ["Don't & <know>", null]), new DoubleDataFrameColumn("x", [null, 1.5]));
        var html = frame.ToHtmlTable();
        Assert.Contains("<th>Label &lt;b&gt;</th>", html);
        Assert.Contains("<td>Don&#39;t &amp; &lt;know&gt;</td><td>—</td>", html);
        Assert.Contains("<td>—</td><td>1.5</td>", html);
    }

    [Fact]
    public void Options_that_cannot_fit_are_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Lines(3).ToHtmlTable(new HtmlTableOptions(MaxRows: 5, HeadRows: 4, TailRows: 2)));
        Assert.Contains("HeadRows + TailRows", error.Message);
    }
}
