using System.Globalization;
using Microsoft.Data.Analysis;
using Parquet;
using Parquet.Schema;
using PopHealth.Workbook;

namespace PopHealth.Tests.Workbook;

/// <summary>Page checksums: every page the workbook writes carries its CRC-32, and a damaged page is refused by name.</summary>
[Trait("Category", "Unit")]
public class ParquetChecksumsTests
{
    /// <summary>A table of every column kind the workbook writes, 3 row groups, nulls included.</summary>
    internal static DataFrame Table(int rows = 6000)
    {
        var random = new Random(5);
        return new DataFrame(
            new Int64DataFrameColumn("id", Enumerable.Range(0, rows).Select(i => (long?)(i * 7))),
            new DoubleDataFrameColumn("x", Enumerable.Range(0, rows).Select(i => i % 11 == 0 ? null : (double?)random.NextDouble())),
            new Int32DataFrameColumn("code", Enumerable.Range(0, rows).Select(i => (int?)(i % 5))),
            new StringDataFrameColumn("text", Enumerable.Range(0, rows).Select(i => i % 13 == 0 ? null : $"row {i}")),
            new BooleanDataFrameColumn("flag", Enumerable.Range(0, rows).Select(i => (bool?)(i % 2 == 0))));
    }

    /// <summary>XORs 64 bytes in the middle of one column chunk's first page data (the footer stays intact).</summary>
    internal static async Task<long> DamageAsync(string path, string column, int rowGroup = 0)
    {
        long offset;
        await using (var reader = await ParquetReader.CreateAsync(path))
        {
            var meta = reader.Metadata!.RowGroups[rowGroup].Columns.Single(c => c.MetaData!.PathInSchema[0] == column).MetaData!;
            offset = meta.DataPageOffset + meta.TotalCompressedSize / 2;
        }
        await using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var bytes = new byte[64];
        file.Position = offset;
        file.ReadExactly(bytes);
        for (var i = 0; i < bytes.Length; i++) bytes[i] ^= 0x5A;
        file.Position = offset;
        file.Write(bytes);
        return offset;
    }

    [Fact]
    public async Task Every_page_written_carries_a_checksum_and_the_file_reads_back_the_same()
    {
        using var temp = Repo.Temp();
        var path = temp.File("t.parquet");
        var table = Table();
        await ParquetFrames.WriteAsync(table, path, new Dictionary<string, string> { ["k"] = "v" }, rowGroupSize: 2500);
        var (pages, verified) = ParquetChecksums.Verify(path);
        Assert.True(pages >= 15, $"{pages} pages"); // 5 columns × 3 row groups
        Assert.Equal(pages, verified);
        var back = await ParquetFrames.ReadAsync(path);
        Assert.Equal(table.Columns.Select(c => c.Name), back.Columns.Select(c => c.Name));
        for (var c = 0; c < table.Columns.Count; c++)
            Assert.Equal(Enumerable.Range(0, 6000).Select(i => table.Columns[c][i]), Enumerable.Range(0, 6000).Select(i => back.Columns[c][i]));
        Assert.Equal("v", (await ParquetFrames.ReadMetadataAsync(path))["k"]);
        Assert.Single(Directory.GetFiles(temp.Path)); // no temporary files left
    }

    [Fact]
    public async Task A_damaged_page_is_refused_naming_the_file_column_and_offset()
    {
        using var temp = Repo.Temp();
        var path = temp.File("damaged.parquet");
        await ParquetFrames.WriteAsync(Table(), path, rowGroupSize: 2500);
        var offset = await DamageAsync(path, "x", rowGroup: 1);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ParquetFrames.ReadAsync(path));
        Assert.Contains("damaged.parquet", error.Message);
        Assert.Contains("column 'x' (row group 2)", error.Message);
        Assert.Contains("CRC-32", error.Message);
        Assert.Matches(@"byte offset [\d,]+", error.Message);
        Assert.True(long.Parse(System.Text.RegularExpressions.Regex.Match(error.Message, @"byte offset ([\d,]+)").Groups[1].Value.Replace(",", ""),
            CultureInfo.InvariantCulture) < offset);
        await Assert.ThrowsAsync<InvalidDataException>(async () => { await foreach (var _ in ParquetFrames.ReadRowGroupsAsync(path)) { } });
    }

    [Fact]
    public async Task The_transform_refuses_a_damaged_interim_table()
    {
        using var temp = Repo.Temp();
        var xpt = temp.File("raw/sample.XPT");
        PopHealth.Synthesis.BrfssSample.WriteXpt(xpt, 3000, seed: 4);
        var interim = temp.File("interim/brfss.parquet");
        await PopHealth.Ingest.BrfssConverter.ConvertAsync(xpt, interim, new PopHealth.Ingest.ConversionOptions(Synthetic: true));
        Assert.Equal(ParquetChecksums.Verify(interim).Pages, ParquetChecksums.Verify(interim).Checked);
        await DamageAsync(interim, "_BMI5");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => PopHealth.Features.FeatureBuilder.BuildAsync(interim, Recipe.Improved));
        Assert.Contains("brfss.parquet", error.Message);
        Assert.Contains("column '_BMI5'", error.Message);
    }

    [Fact]
    public async Task Files_without_checksums_from_other_writers_still_read()
    {
        using var temp = Repo.Temp();
        var path = temp.File("plain.parquet");
        var field = new DataField<double?>("x");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(field, new ReadOnlyMemory<double?>([1.5, null, 3]));
        }
        Assert.Equal((1, 0), ParquetChecksums.Verify(path));
        var back = await ParquetFrames.ReadAsync(path);
        Assert.Equal([1.5, null, 3.0], Enumerable.Range(0, 3).Select(i => (double?)back.Columns["x"][i]));
    }

    [Fact]
    public async Task A_write_that_fails_keeps_its_own_error_and_leaves_no_file()
    {
        using var temp = Repo.Temp();
        var path = temp.File("failed.parquet");
        var field = new DataField<double?>("x");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ParquetFrames.WriteAsync(path, new ParquetSchema(field), async writer =>
        {
            using (var group = writer.CreateRowGroup()) await group.WriteAsync(field, new ReadOnlyMemory<double?>([1.5, null, 3]));
            throw new InvalidOperationException("stopped after one row group");
        }));
        Assert.Equal("stopped after one row group", error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public async Task A_file_without_row_groups_is_written_and_reads_as_empty()
    {
        using var temp = Repo.Temp();
        var path = temp.File("empty.parquet");
        await ParquetFrames.WriteAsync(path, new ParquetSchema(new DataField<double?>("x")), _ => Task.CompletedTask,
            new Dictionary<string, string> { ["k"] = "v" });
        Assert.Equal((0, 0), ParquetChecksums.Verify(path));
        Assert.Equal(0, (await ParquetFrames.ReadAsync(path)).Rows.Count);
        Assert.Equal("v", (await ParquetFrames.ReadMetadataAsync(path))["k"]);
    }

    [Fact]
    public async Task Checksums_added_to_a_plain_file_match_its_pages_and_keep_its_values()
    {
        using var temp = Repo.Temp();
        var plain = temp.File("plain.parquet");
        var fields = new DataField[] { new DataField<double?>("x"), new DataField<string>("s") };
        await using (var stream = File.Create(plain))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream))
            for (var g = 0; g < 4; g++)
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(fields[0],
                    new ReadOnlyMemory<double?>(Enumerable.Range(0, 1000).Select(i => i % 7 == 0 ? null : (double?)(g * 1000 + i)).ToArray()));
                await group.WriteAsync(fields[1], Enumerable.Range(0, 1000).Select(i => i % 5 == 0 ? null : $"{g}-{i}").ToArray());
            }
        var checkedPath = temp.File("checked.parquet");
        ParquetChecksums.Add(plain, checkedPath);
        var (pages, verified) = ParquetChecksums.Verify(checkedPath);
        Assert.True(pages >= 8, $"{pages} pages");
        Assert.Equal(pages, verified);
        Assert.Equal((pages, 0), ParquetChecksums.Verify(plain));
        Assert.True(new FileInfo(checkedPath).Length > new FileInfo(plain).Length); // every header grew by its checksum
        var (before, after) = (await ParquetFrames.ReadAsync(plain), await ParquetFrames.ReadAsync(checkedPath));
        foreach (var name in new[] { "x", "s" })
            Assert.Equal(Enumerable.Range(0, 4000).Select(i => before.Columns[name][i]),
                Enumerable.Range(0, 4000).Select(i => after.Columns[name][i]));
    }

    [Fact]
    public void A_file_that_is_not_parquet_is_named()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("text.parquet"), "id,a\n1,2\n");
        Assert.Contains("text.parquet", Assert.Throws<InvalidDataException>(() => ParquetChecksums.Verify(temp.File("text.parquet"))).Message);
    }
}
