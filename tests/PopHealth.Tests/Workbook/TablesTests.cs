using Microsoft.Data.Analysis;
using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

[Trait("Category", "Unit")]
public class TablesTests
{
    private sealed record Row(string Name, int Count, double? Share, bool Flag, long Big, Recipe Recipe);

    [Fact]
    public void Records_become_typed_columns_in_declaration_order()
    {
        var frame = new[] { new Row("a", 1, 0.5, true, 10, Recipe.Original), new Row("b", 2, null, false, 20, Recipe.Improved) }.ToDataFrame();
        Assert.Equal(["Name", "Count", "Share", "Flag", "Big", "Recipe"], frame.Columns.Select(c => c.Name));
        Assert.IsType<StringDataFrameColumn>(frame.Columns["Name"]);
        Assert.IsType<Int32DataFrameColumn>(frame.Columns["Count"]);
        Assert.IsType<DoubleDataFrameColumn>(frame.Columns["Share"]);
        Assert.IsType<BooleanDataFrameColumn>(frame.Columns["Flag"]);
        Assert.IsType<Int64DataFrameColumn>(frame.Columns["Big"]);
        Assert.Equal(2L, frame.Rows.Count);
        Assert.Equal(0.5, frame.Columns["Share"][0]);
        Assert.Null(frame.Columns["Share"][1]);
        Assert.Equal("Improved", frame.Columns["Recipe"][1]);
    }

    [Fact]
    public void No_rows_gives_the_columns_and_no_rows()
    {
        var frame = Array.Empty<Row>().ToDataFrame();
        Assert.Equal(6, frame.Columns.Count);
        Assert.Equal(0L, frame.Rows.Count);
    }

    [Theory]
    [InlineData(0, 5, 0)]
    [InlineData(5, 5, 5)]
    [InlineData(2, 5, 2)]
    [InlineData(9, 5, 5)]
    public void A_preview_shows_at_most_what_the_table_has(int rows, int asked, int shown)
    {
        // Issue 24, item 7: DataFrame.Head(5) throws on a table of fewer rows; notebooks show a preview instead.
        var frame = Enumerable.Range(0, rows).Select(i => new Row("seed", i, i, true, i, Recipe.Original)).ToDataFrame();
        Assert.Equal(shown, frame.Preview(asked).Rows.Count);
    }
}
