using System.IO.Compression;
using System.Text.Json;
using Parquet;
using PopHealth.Ingest;
using PopHealth.Ingest.Xpt;

namespace PopHealth.Tests.Ingest;

[Trait("Category", "Unit")]
public class ConversionTests
{

    internal static async Task<(long Rows, string[] Columns, Dictionary<string, object?[]> Values)> ReadParquet(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        var values = fields.ToDictionary(f => f.Name, _ => new List<object?>());
        long rows = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            rows += group.RowCount;
            foreach (var f in fields)
            {
                if (f.ClrType != typeof(double))
                {
                    var text = new string?[group.RowCount];
                    await group.ReadAsync(f, text.AsMemory());
                    values[f.Name].AddRange(text);
                }
                else
                {
                    var numbers = new double?[group.RowCount];
                    await group.ReadAsync<double>(f, numbers.AsMemory());
                    values[f.Name].AddRange(numbers.Cast<object?>());
                }
            }
        }
        return (rows, fields.Select(f => f.Name).ToArray(), values.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
    }

    /// <summary>_RFHLTH counts: 1 good or better, 2 fair/poor, 9 unknown; nothing else, no blanks.</summary>
    internal static void AssertTargetCounts(object?[] target, int good, int fairOrPoor, int unknown)
    {
        var counts = target.GroupBy(v => v).ToDictionary(g => g.Key ?? "blank", g => g.Count());
        Assert.Equal(new Dictionary<object, int> { [1.0] = good, [2.0] = fairOrPoor, [9.0] = unknown }, counts);
    }

    [Fact]
    public async Task An_xpt_file_converts_with_types_labels_missing_kinds_and_provenance()
    {
        using var temp = Repo.Temp();
        var xpt = temp.File("LLCP2024.XPT");
        var columns = new List<XptColumn>
        {
            new("_RFHLTH", ColumnKind.Numeric, Label: "Adults with good or better health"), new("INCOME3", ColumnKind.Numeric),
            new("DRNKANY6", ColumnKind.Numeric), new("CHCSCNC1", ColumnKind.Numeric), new("CHCKDNY2", ColumnKind.Numeric),
            new("SEQNO", ColumnKind.Text, 10),
        };
        using (var file = File.Create(xpt))
        using (var writer = new XptWriter(file, "LLCP2024", columns))
            writer.Write(new ColumnBatch(columns.Select(c => new SourceColumn(c.Name, c.Kind)).ToList(),
            [
                new double?[] { 1, 2, 9 }, new double?[] { 5, null, 77 }, new double?[] { 1, 2, 7 }, new double?[] { 2, 2, 1 },
                new double?[] { 2, 1, 2 }, new string?[] { "2024000001", "2024000002", "" },
            ], 3, [null, ['\0', 'D', '\0'], null, null, null, null]));

        var output = temp.File("interim/brfss.parquet");
        var report = await BrfssConverter.ConvertAsync(xpt, output, new ConversionOptions(Year: 2024, RowGroupSize: 2));
        Assert.Equal("LLCP2024", report.Profile.Name);
        Assert.Equal(3, report.Rows);
        var (rows, names, values) = await ReadParquet(output);
        Assert.Equal(3, rows);
        Assert.Equal(["_RFHLTH", "INCOME3", "DRNKANY6", "CHCSCNC1", "CHCKDNY2", "SEQNO"], names);
        Assert.Equal([5.0, null, 77.0], values["INCOME3"]);
        Assert.Equal(["2024000001", "2024000002", null], values["SEQNO"]);

        var metadata = await BrfssConverter.ReadMetadataAsync(output);
        Assert.Equal("LLCP2024.XPT", metadata["pophealth.source"]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(xpt))),
            metadata["pophealth.source_sha256"]);
        Assert.Equal("3", metadata["pophealth.rows"]);
        Assert.Equal("false", metadata["pophealth.synthetic"]);
        Assert.Equal("Adults with good or better health",
            JsonSerializer.Deserialize<Dictionary<string, string>>(metadata["pophealth.labels"])!["_RFHLTH"]);
        Assert.Equal(1,
            JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, long>>>(metadata["pophealth.sas_missing"])!["INCOME3"][".D"]);
        Assert.Equal(["brfss.parquet"], Directory.GetFiles(Path.GetDirectoryName(output)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_failed_conversion_leaves_no_output()
    {
        using var temp = Repo.Temp();
        var csv = temp.File("bad.csv");
        File.WriteAllText(csv, "_RFHLTH,INCOME3,DRNKANY6,CHCSCNC1,CHCKDNY2\n1,2,3,4,5\n1,2,3\n");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => BrfssConverter.ConvertAsync(csv, temp.File("out/brfss.parquet")));
        Assert.Equal("bad.csv: line 3 has 3 fields but the header has 5.", error.Message);
        Assert.False(Directory.Exists(temp.File("out")) && Directory.EnumerateFileSystemEntries(temp.File("out")).Any());
    }

    [Fact]
    public async Task Csv_gzip_and_zip_sources_read_the_same_rows()
    {
        using var temp = Repo.Temp();
        var text = "_RFHLTH,INCOME3,DRNKANY6,CHCSCNC1,CHCKDNY2,NOTE\n1,5,1,2,2,\"a, quoted\"\"note\"\n2,,9,1,2,\n";
        File.WriteAllText(temp.File("s.csv"), text);
        using (var gz = new GZipStream(File.Create(temp.File("s.csv.gz")), CompressionLevel.Fastest))
            gz.Write(System.Text.Encoding.UTF8.GetBytes(text));
        using (var zip = ZipFile.Open(temp.File("s.zip"), ZipArchiveMode.Create))
        using (var entry = new StreamWriter(zip.CreateEntry("s.csv").Open())) entry.Write(text);
        foreach (var name in new[] { "s.csv", "s.csv.gz", "s.zip" })
        {
            await BrfssConverter.ConvertAsync(temp.File(name), temp.File(name + ".parquet"), new ConversionOptions(Year: 2024));
            var (rows, _, values) = await ReadParquet(temp.File(name + ".parquet"));
            Assert.Equal(2, rows);
            Assert.Equal([5.0, null], values["INCOME3"]);
            Assert.Equal(["a, quoted\"note", null], values["NOTE"]);
        }
    }

    [Fact]
    public void A_zip_with_several_files_is_refused_with_their_names()
    {
        using var temp = Repo.Temp();
        using (var zip = ZipFile.Open(temp.File("two.zip"), ZipArchiveMode.Create))
        {
            using (var a = new StreamWriter(zip.CreateEntry("a.csv").Open())) a.Write("x\n1\n");
            using (var b = new StreamWriter(zip.CreateEntry("b.XPT").Open())) b.Write("x");
        }
        var error = Assert.Throws<InvalidDataException>(() => BrfssSources.Open(temp.File("two.zip")));
        Assert.Contains("two.zip: a BRFSS zip must hold exactly one XPT or CSV file; it holds 2: a.csv, b.XPT", error.Message);
    }

    [Theory]
    [InlineData(new[] { "INCOME2", "DRNKANY5", "CHCSCNCR", "_RFHLTH" }, new[] { "LLCP2016" })]
    [InlineData(new[] { "INCOME3", "DRNKANY6", "CHCSCNC1", "CHCKDNY2" }, new[] { "LLCP2024", "LLCP2023" })]
    [InlineData(new[] { "HEALTH_STATUS", "AGE_CATEGORIES", "EDUCATION_LEVEL", "INCOME" },
        new[] { "LLCP2024-grouped", "LLCP2023-grouped", "LLCP2022-grouped" })]
    public void The_variables_tell_the_kind_of_file_never_its_year(string[] columns, string[] expected) =>
        Assert.Equal(expected, BrfssYearProfile.Fitting(columns).Select(p => p.Name));

    [Theory]
    [InlineData(new[] { "INCOME2", "DRNKANY5", "CHCSCNCR", "_RFHLTH" }, 2016, "LLCP2016")]
    [InlineData(new[] { "INCOME3", "DRNKANY6", "CHCSCNC1", "CHCKDNY2" }, 2024, "LLCP2024")]
    [InlineData(new[] { "INCOME3", "DRNKANY6", "CHCSCNC1", "CHCKDNY2" }, 2023, "LLCP2023")]
    [InlineData(new[] { "HEALTH_STATUS", "AGE_CATEGORIES", "EDUCATION_LEVEL", "INCOME" }, 2022, "LLCP2022-grouped")]
    public void The_year_chooses_the_profile_among_them(string[] columns, int year, string expected) =>
        Assert.Equal(expected, BrfssYearProfile.Detect(columns, year).Name);

    [Fact]
    public void Unknown_variables_or_a_year_that_does_not_fit_are_clear_errors()
    {
        Assert.Contains("cannot tell the BRFSS year", Assert.Throws<InvalidDataException>(() => BrfssYearProfile.Fitting(["A", "B"])).Message);
        Assert.Contains("POPHEALTH_YEAR=2016, but the source lacks that year's variables: LLCP2016 needs INCOME2, DRNKANY5, CHCSCNCR " +
            "(missing INCOME2, DRNKANY5, CHCSCNCR)",
            Assert.Throws<InvalidDataException>(() => BrfssYearProfile.Detect(["INCOME3", "DRNKANY6", "CHCSCNC1", "CHCKDNY2"], 2016)).Message);
        var noProfile = Assert.Throws<InvalidDataException>(() => BrfssYearProfile.Detect(["INCOME3"], 1999)).Message;
        Assert.Contains("no profile for that year (known: 2016, 2022, 2023, 2024)", noProfile);
        Assert.DoesNotContain("unset", noProfile); // no message points to a silent path
    }

    [Fact]
    public async Task A_transport_file_that_is_not_brfss_names_the_file_and_what_to_set()
    {
        // Finding 6: the message named neither the file nor POPHEALTH_INPUT.
        using var temp = Repo.Temp();
        File.Copy(Repo.Path("tests", "fixtures", "xpt", "haven_v5.xpt"), temp.File("other.xpt"));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            BrfssConverter.ConvertAsync(temp.File("other.xpt"), temp.File("out.parquet")));
        Assert.StartsWith("other.xpt: cannot tell the BRFSS year", error.Message);
        Assert.Contains("Set POPHEALTH_INPUT to a BRFSS file", error.Message);
        Assert.Contains("POPHEALTH_YEAR", error.Message);
        Assert.False(File.Exists(temp.File("out.parquet")));
    }

    [Fact]
    public void A_year_with_two_profiles_lists_each_profiles_variables_apart()
    {
        // Finding 6: with POPHEALTH_YEAR=2024 the marker variables of LLCP2024 and LLCP2024-grouped were merged into one list.
        var error = Assert.Throws<InvalidDataException>(() => BrfssYearProfile.Detect(["INCOME3", "HEALTH_STATUS"], 2024, "x.csv")).Message;
        Assert.Contains("POPHEALTH_YEAR=2024, but x.csv lacks that year's variables: "
            + "LLCP2024 needs INCOME3, DRNKANY6, CHCSCNC1, CHCKDNY2 (missing DRNKANY6, CHCSCNC1, CHCKDNY2); "
            + "LLCP2024-grouped needs HEALTH_STATUS, AGE_CATEGORIES, EDUCATION_LEVEL, INCOME (missing AGE_CATEGORIES, EDUCATION_LEVEL, INCOME).",
            error);
    }



}

/// <summary>Conversion of the shipped real extracts, whole.</summary>
[Trait("Category", "RealData")]
public class RealConversionTests
{
    [Fact]
    public async Task The_real_2016_extract_converts_with_the_2016_profile()
    {
        using var temp = Repo.Temp();
        var report = await BrfssConverter.ConvertAsync(RealData.Extract("brfss2016_llcp_statesubset_39vars.csv.gz"), temp.File("b.parquet"));
        Assert.Equal("LLCP2016", report.Profile.Name);
        Assert.Equal(356_581, report.Rows);
        Assert.Equal("CHCSCNC1", report.Renamed["CHCSCNCR"]);
        var (_, names, values) = await ConversionTests.ReadParquet(temp.File("b.parquet"));
        Assert.Contains("DRNKANY6", names);
        Assert.DoesNotContain("DRNKANY5", names);
        // Checks from SOURCES.md: _RFHLTH 1/2/9 = 288,827 / 66,852 / 902.
        ConversionTests.AssertTargetCounts(values["_RFHLTH"], 288_827, 66_852, 902);
        var features = report.Profile.Features(names);
        Assert.All(features.Where(f => f.Feature != "income"), f => Assert.Equal(FeatureSupport.Exact, f.Support));
        Assert.Equal(FeatureSupport.ClosestEquivalent, features.Single(f => f.Feature == "income").Support);
    }
    [Fact]
    public async Task The_real_2016_extract_as_xpt_converts_to_the_same_table_as_its_csv_cell_for_cell()
    {
        // The converter's two ways in (XPT decoded straight into row blocks; CSV batches copied into them), several row
        // groups with a short last one, a text column with blanks and CDC's missing codes: the same table either way,
        // equal to the source's own values.
        using var temp = Repo.Temp();
        var csv = RealData.Extract("brfss2016_llcp_statesubset_39vars.csv.gz");
        var batches = new List<ColumnBatch>();
        using (var source = BrfssSources.Open(csv))
            while (source.ReadBatch(100_000) is { } batch) batches.Add(batch);
        var xpt = temp.File("LLCP2016.xpt");
        using (var file = File.Create(xpt))
        using (var writer = new XptWriter(file, "LLCP2016",
            batches[0].Columns.Select(c => new XptColumn(c.Name, c.Kind, c.Kind == ColumnKind.Text ? 16 : 8)).ToList()))
            foreach (var batch in batches) writer.Write(batch);
        var fromCsv = await BrfssConverter.ConvertAsync(csv, temp.File("csv.parquet"), new ConversionOptions(RowGroupSize: 30_000));
        var fromXpt = await BrfssConverter.ConvertAsync(xpt, temp.File("xpt.parquet"), new ConversionOptions(RowGroupSize: 30_000));
        var (csvRows, csvNames, csvValues) = await ConversionTests.ReadParquet(temp.File("csv.parquet"));
        var (xptRows, xptNames, xptValues) = await ConversionTests.ReadParquet(temp.File("xpt.parquet"));
        Assert.Equal(356_581, xptRows);
        Assert.Equal(csvRows, xptRows);
        Assert.Equal(csvNames, xptNames);
        var sourceNames = batches[0].Columns.Select(c => fromXpt.Profile.TargetName(c.Name)).ToList();
        foreach (var name in xptNames)
        {
            Assert.True(csvValues[name].SequenceEqual(xptValues[name]), name);
            var column = sourceNames.IndexOf(name);
            var original = batches.SelectMany(b => b.Values[column].Cast<object?>().Take(b.RowCount));
            Assert.True(original.SequenceEqual(xptValues[name]), name);
        }
        Assert.Equal(fromCsv.MissingCodes, fromXpt.MissingCodes);
        await using var reader = await ParquetReader.CreateAsync(temp.File("xpt.parquet"));
        Assert.Equal(12, reader.RowGroupCount);
    }
    [Fact]
    public async Task The_real_2024_national_extract_converts_with_the_grouped_profile()
    {
        using var temp = Repo.Temp();
        // The extract's YEAR column is empty: its year is given, as users must give it.
        var report = await BrfssConverter.ConvertAsync(RealData.Extract("brfss2024_llcp_national_20vars.zip"), temp.File("b.parquet"),
            new ConversionOptions(Year: 2024));
        Assert.Equal("LLCP2024-grouped", report.Profile.Name);
        Assert.Equal(457_670, report.Rows);
        Assert.Equal(["YEAR", "PHYSICAL_HEALTH_STATUS", "MENTAL_HEALTH_STATUS"], report.Dropped);
        var (_, names, values) = await ConversionTests.ReadParquet(temp.File("b.parquet"));
        // Codebook frequencies: _RFHLTH 1/2/9 = 366,237 / 90,123 / 1,310.
        ConversionTests.AssertTargetCounts(values["_RFHLTH"], 366_237, 90_123, 1_310);
        var features = report.Profile.Features(names).ToDictionary(f => f.Feature);
        Assert.Equal(FeatureSupport.ClosestEquivalent, features["education"].Support);
        Assert.Equal(FeatureSupport.ClosestEquivalent, features["BMI"].Support);
        Assert.Equal(FeatureSupport.Unavailable, features["household size"].Support);
    }
}
