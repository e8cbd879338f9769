using MiniExcelLibs;
using Parquet;
using PopHealth.Ingest.Census;

namespace PopHealth.Tests.Ingest;

[Trait("Category", "Unit")]
public class PovertyThresholdTests
{
    [Fact]
    public void Shipped_2024_table_gives_the_census_cells()
    {
        var table = PovertyThresholdTable.ForYear(2024);
        Assert.Equal(16_320, table.Lookup(1, 0, householder65Plus: false));
        Assert.Equal(15_045, table.Lookup(1, 0, householder65Plus: true));
        Assert.Equal((16_320 + 15_045) / 2.0, table.Lookup(1, 0, householder65Plus: null));
        Assert.Equal(21_621, table.Lookup(2, 1, householder65Plus: false));
        Assert.Equal(18_961, table.Lookup(2, 0, householder65Plus: true));
        Assert.Equal(32_884, table.Lookup(4, 1, null));
        // 12 people with 10 children: capped at 9+ people and 8+ children.
        Assert.Equal(60_645, table.Lookup(12, 10, null));
        // 3 people cannot have 5 related children besides a householder: capped at size − 1.
        Assert.Equal(25_273, table.Lookup(3, 5, null));
        Assert.Equal(64_900, table.WeightedAverages.Single(w => w.FamilySize == 9).Dollars);
        // 2 × 2 one/two-person cells per age (1: none; 2: none, one) + sizes 3..9 with 0..min(size−1, 8) children.
        Assert.Equal(2 * (1 + 2) + Enumerable.Range(3, 7).Sum(s => Math.Min(s - 1, 8) + 1), table.Thresholds.Count);
    }

    [Fact]
    public void Shipped_2023_table_is_the_2024_one_deflated_by_one_CPI_step()
    {
        var t23 = PovertyThresholdTable.ForYear(2023);
        var t24 = PovertyThresholdTable.ForYear(2024);
        Assert.Equal(t24.Thresholds.Count, t23.Thresholds.Count);
        foreach (var (a, b) in t23.Thresholds.Zip(t24.Thresholds))
        {
            Assert.Equal((a.FamilySize, a.RelatedChildren, a.Age), (b.FamilySize, b.RelatedChildren, b.Age));
            Assert.InRange(b.Dollars / a.Dollars, 1.0290, 1.0300);
        }
    }

    [Fact]
    public void Years_not_shipped_are_the_2024_table_scaled_by_CPI_as_the_Bureau_does()
    {
        // Scaling 2024 back to 2023 must give the published 2023 cells within a dollar or two of rounding.
        var published = PovertyThresholdTable.ForYear(2023).Thresholds;
        var derived = PovertyThresholdTable.ForSurveyYear(2024).Thresholds.Select(t => t.Dollars * 304.702 / 313.689).ToArray();
        Assert.All(published.Zip(derived), p => Assert.InRange(p.Second - p.First.Dollars, -3, 3));
        // 2016: the Census Bureau's published weighted average for a family of four was $24,563.
        var y2016 = PovertyThresholdTable.ForSurveyYear(2016);
        Assert.InRange(y2016.WeightedAverages.Single(w => w.FamilySize == 4).Dollars, 24_563 * 0.995, 24_563 * 1.005);
        Assert.Contains("CPI-U", y2016.Source);
        Assert.Equal(2016, y2016.Year);
    }

    [Fact]
    public void Lookup_rejects_impossible_families()
    {
        var table = PovertyThresholdTable.ForYear(2024);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Lookup(0, 0, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Lookup(3, -1, null));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PovertyThresholdTable.ForYear(2019));
        Assert.Contains("thresh19.xlsx", e.Message);
        Assert.Contains("thresh09.xlsx", Assert.Throws<ArgumentOutOfRangeException>(() => PovertyThresholdTable.ForSurveyYear(2009)).Message);
    }

    /// <summary>Writes <paramref name="table"/> in the Census Bureau's threshYY.xlsx layout: title rows, a two-row
    /// header, dot leaders, indented age sub-rows, numbers as text with thousands separators in some cells, footnotes.</summary>
    private static void WriteCensusLayout(string path, PovertyThresholdTable table)
    {
        var columns = "ABCDEFGHIJKL".Select(c => c.ToString()).ToArray();
        var rows = new List<Dictionary<string, object?>>();
        void Row(params object?[] cells) =>
            rows.Add(columns.Select((c, i) => (c, v: i < cells.Length ? cells[i] : null)).ToDictionary(x => x.c, x => x.v));
        Row($"Poverty Thresholds for {table.Year} by Size of Family and Number of Related Children Under 18 Years");
        Row("(Dollars)");
        Row();
        Row("Size of family unit", null, "Weighted", "Related children under 18 years");
        Row(null, null, "average", "None", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight or more");
        string[] names = ["One person (unrelated individual)", "Two people", "Three people", "Four people", "Five people", "Six people",
            "Seven people", "Eight people", "Nine people or more"];
        for (var size = 1; size <= 9; size++)
        {
            var ages = size <= 2 ? new[] { HouseholderAge.All, HouseholderAge.Under65, HouseholderAge.Age65Plus } : [HouseholderAge.All];
            foreach (var age in ages)
            {
                var label = age switch
                {
                    HouseholderAge.All => names[size - 1] + " ..........",
                    HouseholderAge.Under65 => size == 1 ? "  Under age 65 ......" : "  Householder under age 65 ....",
                    _ => size == 1 ? "  Aged 65 and older ......" : "  Householder aged 65 and older ...",
                };
                var cells = new object?[12];
                cells[0] = label;
                cells[2] = table.WeightedAverages.FirstOrDefault(w => w.FamilySize == size && w.Age == age)?.Dollars;
                foreach (var t in table.Thresholds.Where(t => t.FamilySize == size && t.Age == age))
                    cells[3 + t.RelatedChildren] = t.RelatedChildren % 2 == 0 ? t.Dollars
                        : t.Dollars.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
                Row(cells);
            }
        }
        Row();
        Row("Source: U.S. Census Bureau.");
        MiniExcel.SaveAs(path, rows, printHeader: false);
    }

    [Fact]
    public void Reads_the_census_workbook_layout_cell_for_cell()
    {
        using var dir = Repo.Temp();
        var path = Path.Combine(dir.Path, "thresh24.xlsx");
        var shipped = PovertyThresholdTable.ForYear(2024);
        WriteCensusLayout(path, shipped);

        var read = PovertyThresholdTable.ReadCensusWorkbook(path, 2024);

        Assert.Equal("thresh24.xlsx", read.Source);
        Assert.Equal(shipped.Thresholds, read.Thresholds);
        Assert.Equal(shipped.WeightedAverages.OrderBy(w => w.FamilySize).ThenBy(w => w.Age),
            read.WeightedAverages.OrderBy(w => w.FamilySize).ThenBy(w => w.Age));
    }

    [Fact]
    public void A_workbook_without_the_census_header_is_refused_by_name()
    {
        using var dir = Repo.Temp();
        var path = Path.Combine(dir.Path, "not-thresholds.xlsx");
        MiniExcel.SaveAs(path, new[] { new Dictionary<string, object?> { ["A"] = "hello", ["B"] = 1 } }, printHeader: false);
        var e = Assert.Throws<InvalidDataException>(() => PovertyThresholdTable.ReadCensusWorkbook(path, 2024));
        Assert.Contains("not-thresholds.xlsx", e.Message);
        Assert.Contains("Eight or more", e.Message);

        var text = Path.Combine(dir.Path, "thresh24.xlsx");
        File.WriteAllText(text, "this is not a zip");
        Assert.Contains("thresh24.xlsx", Assert.Throws<InvalidDataException>(() => PovertyThresholdTable.ReadCensusWorkbook(text, 2024)).Message);
        Assert.Throws<FileNotFoundException>(() => PovertyThresholdTable.ReadCensusWorkbook(Path.Combine(dir.Path, "absent.xlsx"), 2024));
    }

    [Fact]
    public void A_table_missing_a_cell_is_refused()
    {
        var shipped = PovertyThresholdTable.ForYear(2024);
        var e = Assert.Throws<InvalidDataException>(() => new PovertyThresholdTable(2024,
            shipped.Thresholds.Where(t => !(t.FamilySize == 5 && t.RelatedChildren == 2)), [], "test"));
        Assert.Contains("family size 5 with 2 related children", e.Message);
    }

    [Fact]
    public async Task Long_table_parquet_has_one_row_per_cell()
    {
        using var dir = Repo.Temp();
        var path = Path.Combine(dir.Path, "interim", "poverty_thresholds.parquet");
        var table = PovertyThresholdTable.ForYear(2024);
        await table.WriteParquetAsync(path);
        await using var reader = await ParquetReader.CreateAsync(path);
        using var group = reader.OpenRowGroupReader(0);
        Assert.Equal(table.Thresholds.Count, group.RowCount);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["year", "family_size", "related_children", "householder_age", "threshold", "weighted_average"], fields.Select(f => f.Name));
        var thresholds = new double[group.RowCount];
        await group.ReadAsync<double>(fields[4], thresholds);
        Assert.Equal(table.Thresholds.Select(t => t.Dollars), thresholds);
        Assert.Equal("shipped poverty_thresholds_2024.csv", reader.CustomMetadata["pophealth.source"]);
    }
}
