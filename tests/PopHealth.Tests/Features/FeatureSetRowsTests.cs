using Microsoft.Data.Analysis;
using PopHealth.Features;
using PopHealth.Workbook;

namespace PopHealth.Tests.Features;

[Trait("Category", "Unit")]
public class FeatureSetRowsTests
{
    private static FeatureSet Set(params long[] ids) => new(Recipe.Improved, "test",
        new DataFrame(new Int64DataFrameColumn(FeatureSet.RespondentId, ids), new DoubleDataFrameColumn("x", ids.Select(i => (double?)i)),
            new DoubleDataFrameColumn(FeatureSet.Target, ids.Select(_ => (double?)0))),
        [new FeatureDefinition("x", "X", "test")], [], synthetic: true);

    [Fact]
    public void A_respondent_id_finds_its_table_row()
    {
        var set = Set(40, 7, 1_000_000_000_123);
        Assert.Equal([1, 0, 2], new long[] { 7, 40, 1_000_000_000_123 }.Select(set.RowOf));
        Assert.Throws<KeyNotFoundException>(() => set.RowOf(8));
    }

    [Fact]
    public void A_repeated_respondent_id_is_an_error_naming_it_and_its_rows()
    {
        var error = Assert.Throws<InvalidDataException>(() => Set(5, 9, 5).RowOf(9));
        Assert.Contains("respondent_id 5 (rows 0 and 2)", error.Message);
    }
}
