using Microsoft.Data.Analysis;
using Parquet;
using Parquet.Schema;
using PopHealth.Workbook;
using Xunit.Abstractions;

namespace PopHealth.Tests.Workbook;

/// <summary>
/// The Parquet footer, which page checksums do not cover: a footer that disagrees with its pages, or a changed byte in
/// a footer the workbook wrote, is refused by name; a footer mutant of another writer's file is refused or reads the same.
/// </summary>
[Trait("Category", "Unit")]
public class ParquetFooterTests(ITestOutputHelper output)
{
    private static readonly DataField[] Fields = [new DataField<double?>("x"), new DataField<string>("s")];

    private static double?[] Numbers(int group, int rows) =>
        Enumerable.Range(0, rows).Select(i => i % 7 == 3 ? null : (double?)(group * 10_000 + i)).ToArray();
    private static string?[] Texts(int group, int rows) => Enumerable.Range(0, rows).Select(i => i % 5 == 1 ? null : $"{group}-{i}").ToArray();

    /// <summary>A file as the workbook writes it (page checksums, the footer's own checksum, key-value metadata).</summary>
    private static async Task<string> Ours(string path, int groups, int rows)
    {
        await ParquetFrames.WriteAsync(path, new ParquetSchema(Fields), async writer =>
        {
            for (var g = 0; g < groups; g++)
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(Fields[0], new ReadOnlyMemory<double?>(Numbers(g, rows)));
                await group.WriteAsync(Fields[1], Texts(g, rows));
            }
        }, new Dictionary<string, string> { ["k"] = "v" });
        return path;
    }

    /// <summary>A file as another writer leaves it: Parquet.Net's own, without any checksum.</summary>
    private static async Task<string> Plain(string path, int groups, int rows)
    {
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(Fields), stream);
        writer.CustomMetadata = new Dictionary<string, string> { ["k"] = "v" };
        for (var g = 0; g < groups; g++)
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(Fields[0], new ReadOnlyMemory<double?>(Numbers(g, rows)));
            await group.WriteAsync(Fields[1], Texts(g, rows));
        }
        return path;
    }

    /// <summary>Where the footer starts: its metadata, then its length (4 bytes) and PAR1.</summary>
    private static int FooterStart(byte[] file) => file.Length - 8 - BitConverter.ToInt32(file, file.Length - 8);

    /// <summary>The row count Parquet.Net itself (with none of the workbook's checks) reads from a file.</summary>
    private static async Task<long?> RawRows(string path)
    {
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path);
            return reader.Metadata!.RowGroups[0].NumRows;
        }
#pragma warning disable CA1031 // a mutant Parquet.Net cannot open at all is simply not the one sought
        catch (Exception) { return null; }
#pragma warning restore CA1031
    }

    /// <summary>
    /// The one-bit mutant of <paramref name="original"/>'s footer whose first row group Parquet.Net reads as
    /// <paramref name="rows"/> rows.
    /// </summary>
    private static async Task<string> WithRowGroupRows(string original, long rows, string mutant)
    {
        var bytes = File.ReadAllBytes(original);
        for (var at = FooterStart(bytes); at < bytes.Length - 8; at++)
            for (var bit = 0; bit < 8; bit++)
            {
                var changed = (byte[])bytes.Clone();
                changed[at] ^= (byte)(1 << bit);
                File.WriteAllBytes(mutant, changed);
                if (await RawRows(mutant) == rows) return mutant;
            }
        throw new InvalidOperationException($"No one-bit footer mutant of {original} has {rows} rows in its first row group.");
    }

    [Theory]
    [InlineData(true, 4048)]
    [InlineData(false, 4048)]
    [InlineData(true, 1936)]
    [InlineData(false, 1936)]
    public async Task A_row_count_changed_in_the_footer_is_refused_naming_the_file(bool ours, long rows)
    {
        // Issue 24, item 3: one bit raised a row group's num_rows from 2,000 to 4,048 and Parquet.Net padded every column with
        // nulls (06 scored 4,048 rows); lowered, the read failed with an error that named no file.
        using var temp = Repo.Temp();
        var original = ours ? await Ours(temp.File("ours.parquet"), 2, 2000) : await Plain(temp.File("plain.parquet"), 2, 2000);
        var mutant = await WithRowGroupRows(original, rows, temp.File("mutant.parquet"));
        foreach (var read in new Func<Task>[]
        {
            () => ParquetFrames.ReadAsync(mutant),
            async () => { await foreach (var _ in ParquetFrames.ReadRowGroupsAsync(mutant)) { } },
            () => ParquetFrames.ReadHeadAsync(mutant),
            () => ParquetFrames.ReadMetadataAsync(mutant),
            () => Task.Run(() => ParquetFrames.VerifyPages(mutant)), // what 06 checks its input with
        })
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(read);
            Assert.StartsWith(mutant + ": the footer is damaged", error.Message);
            if (!ours) Assert.Contains($"row group 1 says it has {rows:N0} rows, but its column 'x' holds 2,000 values " +
                $"(a reader would invent or drop rows)", error.Message);
        }
    }

    /// <summary>
    /// Every one-bit change of every byte of <paramref name="original"/>'s footer (its metadata, length and PAR1), read as the
    /// workbook reads: each must be refused naming the mutant, or read exactly as the original does. Returns (refused, same).
    /// </summary>
    private static async Task<(int Refused, int Same, List<string> Failures)> FlipEveryFooterBit(string original, string mutant)
    {
        var expected = await ParquetFrames.ReadAsync(original);
        var bytes = File.ReadAllBytes(original);
        var (refused, same, failures) = (0, 0, new List<string>());
        for (var at = FooterStart(bytes); at < bytes.Length; at++)
            for (var bit = 0; bit < 8; bit++)
            {
                var changed = (byte[])bytes.Clone();
                changed[at] ^= (byte)(1 << bit);
                File.WriteAllBytes(mutant, changed);
                try
                {
                    var frame = await ParquetFrames.ReadAsync(mutant);
                    if (Same(expected, frame)) same++;
                    else failures.Add($"footer byte {at - FooterStart(bytes)}, bit {bit}: read {frame.Rows.Count} rows, not the original's");
                }
                catch (InvalidDataException e) when (e.Message.StartsWith(mutant, StringComparison.Ordinal)) { refused++; }
#pragma warning disable CA1031 // anything else escaping is what the test reports
                catch (Exception e) { failures.Add($"footer byte {at - FooterStart(bytes)}, bit {bit}: {e.GetType().Name}: {e.Message}"); }
#pragma warning restore CA1031
            }
        return (refused, same, failures);
    }

    private static bool Same(DataFrame a, DataFrame b) =>
        a.Rows.Count == b.Rows.Count && a.Columns.Count == b.Columns.Count
        && a.Columns.Zip(b.Columns).All(p => p.First.Name == p.Second.Name && p.First.DataType == p.Second.DataType
            && Enumerable.Range(0, (int)a.Rows.Count).All(i => Equals(p.First[i], p.Second[i])));

    [Fact]
    public async Task Every_one_bit_footer_mutant_of_a_file_the_workbook_wrote_is_refused()
    {
        using var temp = Repo.Temp();
        var original = await Ours(temp.File("ours.parquet"), 2, 6);
        var (refused, same, failures) = await FlipEveryFooterBit(original, temp.File("mutant.parquet"));
        output.WriteLine($"{refused:N0} refused, {same:N0} read the same, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.Equal(0, same); // the footer's own checksum: no change passes
        Assert.True(refused >= 8 * 200, $"{refused} mutants: the footer is smaller than expected");
    }

    [Fact]
    public async Task Every_one_bit_footer_mutant_of_another_writers_file_is_refused_or_reads_the_same()
    {
        using var temp = Repo.Temp();
        var original = await Plain(temp.File("plain.parquet"), 2, 6);
        var (refused, same, failures) = await FlipEveryFooterBit(original, temp.File("mutant.parquet"));
        output.WriteLine($"{refused:N0} refused, {same:N0} read the same, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        // Its structure is covered; the bits that change nothing read are text (created_by, statistics) and unused fields.
        Assert.True(refused >= 8 * 150, $"{refused} refused, {same} the same");
    }
}
