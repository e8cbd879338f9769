using Parquet;
using PopHealth.Population;
using PopHealth.Workbook;

namespace PopHealth.Tests.Population;

/// <summary>The BI extract: its exact columns and types, both files reading back to the rows, bad rows refused, nothing half-written.</summary>
[Trait("Category", "Unit")]
public class PopulationExtractTests
{
    private static readonly PopulationEstimate[] Rows =
    [
        new(2016, "all", null, null, "all", "all", "fair_poor_health", "direct", 18.082611352302113, 17.829229563549816, 18.33599314105441,
            0.12927879836106151, 355679, 202591793.44851565, false, null, 0.8025568451758299, true, null),
        new(2016, "state", "05", "AR", "age", "18-24", "fair_poor_health", "direct", null, null, null, null, 37, 104259.93682300003, true,
            "fewer than 50 respondents (n = 37)", 0.23376391477972758, true, null),
        new(2016, "state", "66", "GU", "sex x income", "female x under $15k", "fair_poor_health", "direct", 0.1, 0, 0.30000000000000004, 1e-300,
            50, null, false, null, null, null, null),
        new(2016, "state", "53", "WA", "all", "all", "fair_poor_health", "model", 14.4, 13.9, 14.9, 0.25, 14232, 5669841.999974152, false, null,
            1.0020040639685472, false, "mrp \"2\", lme4"),
    ];

    [Fact]
    public async Task The_extract_has_exactly_the_columns_in_order_with_their_types()
    {
        string[] expected = ["year", "geo_level", "geo_fips", "geo_abbr", "group_dim", "group_value", "measure", "method", "value", "ci_low",
            "ci_high", "se", "n", "population", "suppressed", "suppression_reason", "coverage", "partial", "model_version"];
        Assert.Equal(expected, PopulationExtract.Columns.Select(c => c.Name));
        using var temp = Repo.Temp();
        var (parquet, csv) = await PopulationExtract.WriteAsync(temp.Path, Rows);
        await using var reader = await ParquetReader.CreateAsync(parquet);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(expected, fields.Select(f => f.Name));
        string Kind(Parquet.Schema.DataField f) => // Parquet.Net reads text as ReadOnlyMemory<char>
            (Nullable.GetUnderlyingType(f.ClrType) ?? f.ClrType) is var t && t == typeof(ReadOnlyMemory<char>) ? "String" + (f.IsNullable ? "?" : "")
                : t.Name + (f.IsNullable ? "?" : "");
        Assert.Equal(["Int32", "String", "String?", "String?", "String", "String", "String", "String", "Double?", "Double?", "Double?", "Double?",
            "Int64?", "Double?", "Boolean", "String?", "Double?", "Boolean?", "String?"], fields.Select(Kind));
        Assert.Equal(PopulationExtract.Columns.Select(c => c.Nullable), fields.Select(f => f.IsNullable));
        Assert.Equal(string.Join(",", expected), File.ReadLines(csv).First());
        var (pages, verified) = ParquetChecksums.Verify(parquet);
        Assert.True(pages > 0 && verified == pages, $"{verified} of {pages} pages carry a checksum");
    }

    [Fact]
    public async Task Both_files_read_back_to_the_same_rows_and_the_csv_is_plain_rfc_4180()
    {
        using var temp = Repo.Temp();
        var (parquet, csv) = await PopulationExtract.WriteAsync(temp.Path, Rows,
            new Dictionary<string, string> { ["pophealth.estimates.design"] = "[]" });
        Assert.Equal(Rows, await PopulationExtract.ReadAsync(parquet));
        Assert.Equal(Rows, PopulationExtract.ReadCsv(csv));
        Assert.Equal("[]", (await ParquetFrames.ReadMetadataAsync(parquet))["pophealth.estimates.design"]);
        var text = await File.ReadAllTextAsync(csv);
        Assert.DoesNotContain('\r', text);
        Assert.False(File.ReadAllBytes(csv).AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }));
        var lines = text.Split('\n');
        Assert.Equal(Rows.Length + 2, lines.Length); // header, rows, and the empty string after the last line end
        Assert.Equal("2016,state,05,AR,age,18-24,fair_poor_health,direct,,,,,37,104259.93682300003,true,fewer than 50 respondents " +
            "(n = 37),0.23376391477972758,true,", lines[2]);
        Assert.EndsWith(",false,,1.0020040639685472,false,\"mrp \"\"2\"\", lme4\"", lines[4]);
        Assert.Contains(",0.1,0,0.30000000000000004,1E-300,50,,false,,,,", lines[3]);
    }

    [Fact]
    public async Task A_bad_row_is_refused_by_number_before_anything_is_written()
    {
        using var temp = Repo.Temp();
        async Task<string> Refused(PopulationEstimate bad)
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => PopulationExtract.WriteAsync(temp.Path, [Rows[0], bad]));
            Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
            return error.Message;
        }
        var good = Rows[3];
        Assert.Contains("row 2 (2016 state 53 all=all fair_poor_health model", await Refused(good with { Value = double.NaN }));
        Assert.Contains("a suppressed row has no value", await Refused(good with { Suppressed = true, SuppressionReason = "n" }));
        Assert.Contains("only it, carries a suppression_reason", await Refused(good with { SuppressionReason = "why" }));
        Assert.Contains("two-digit geo_fips", await Refused(good with { GeoFips = "6" }));
        Assert.Contains("an 'all' row has no geo_fips", await Refused(Rows[0] with { GeoAbbr = "US" }));
        Assert.Contains("carry a model_version", await Refused(good with { ModelVersion = null }));
        Assert.Contains("method 'mrp'", await Refused(good with { Method = "mrp" }));
        Assert.Contains("the interval does not hold the value", await Refused(good with { CiLow = 15 }));
        Assert.Contains("between 0 and 100", await Refused(good with { Value = 140, CiHigh = 150 }));
        Assert.Contains("repeats an earlier row", await Refused(Rows[0]));
    }

    [Fact]
    public async Task A_failed_commit_leaves_the_previous_parquet_file_and_no_temporary_file()
    {
        using var temp = Repo.Temp();
        var (parquet, csv) = await PopulationExtract.WriteAsync(temp.Path, Rows[..2]);
        var before = await File.ReadAllBytesAsync(parquet);
        // The CSV's place is taken by a folder holding a file: the second rename fails after the first has happened.
        File.Delete(csv);
        Directory.CreateDirectory(csv);
        await File.WriteAllTextAsync(Path.Combine(csv, "keep"), "x");
        await Assert.ThrowsAnyAsync<IOException>(() => PopulationExtract.WriteAsync(temp.Path, Rows));
        Assert.Equal(before, await File.ReadAllBytesAsync(parquet));
        Assert.Equal([csv, parquet], Directory.GetFileSystemEntries(temp.Path).Order());
    }

    [Fact]
    public void The_caveat_goes_with_a_partial_an_unknown_coverage_or_an_unweighted_value()
    {
        Assert.Equal("partial: weights cover 80.3 % of the adults", Rows[0].Caveat);
        Assert.Equal("", Rows[3].Caveat);
        Assert.Equal("unweighted", Rows[2].Caveat);
        Assert.Equal("coverage unknown", (Rows[2] with { Population = 5000 }).Caveat);
        Assert.Equal("partial: weights cover 2.6 % of the adults",
            (Rows[3] with { Method = "direct", ModelVersion = null, Coverage = 0.026, Partial = true }).Caveat);
    }

    [Fact]
    public void Csv_fields_are_quoted_only_when_needed_and_refuse_numbers_no_reader_agrees_on()
    {
        Assert.Equal("", CsvText.Field(null));
        Assert.Equal("plain text", CsvText.Field("plain text"));
        Assert.Equal("\"a, b\"", CsvText.Field("a, b"));
        Assert.Equal("\"say \"\"hi\"\"\"", CsvText.Field("say \"hi\""));
        Assert.Equal("\"two\nlines\"", CsvText.Field("two\nlines"));
        Assert.Equal(("true", "false", "42", "0.1", "-1.5E-07"),
            (CsvText.Field(true), CsvText.Field(false), CsvText.Field(42L), CsvText.Field(0.1), CsvText.Field(-1.5e-7)));
        Assert.Equal(0.1 + 0.2, double.Parse(CsvText.Field(0.1 + 0.2), System.Globalization.CultureInfo.InvariantCulture));
        var error = Assert.Throws<ArgumentException>(() => CsvText.Write(new StringWriter(), ["Name", "Share"], [["x", double.NaN]]));
        Assert.Contains("line 2, column 'Share'", error.Message);
        // a record's NaN (a one-class AUC) is missing
        Assert.Equal("Name,Share\nx,\n", CsvText.Records(new[] { new { Name = "x", Share = double.NaN } }));
        Assert.Equal("Name,Share\nx,0.25\n", CsvText.Records(new[] { new { Name = "x", Share = 0.25 } }));
        Assert.Equal("Name\nx\n", CsvText.Records(new[] { new { Name = "x", Curve = new[] { 1.0, 2.0 } } })); // only scalar properties are columns
    }
}
