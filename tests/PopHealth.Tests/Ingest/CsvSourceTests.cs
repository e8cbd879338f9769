using System.IO.Compression;
using System.Text;
using PopHealth.Ingest;

namespace PopHealth.Tests.Ingest;

/// <summary>Issue 12's CSV, gzip and zip findings, each reproduced with a file of our own.</summary>
[Trait("Category", "Unit")]
public class CsvSourceTests
{
    private static List<ColumnBatch> ReadAll(IColumnSource source, int batch = 50_000)
    {
        var batches = new List<ColumnBatch>();
        while (source.ReadBatch(batch) is { } b) batches.Add(b);
        return batches;
    }

    private static (IReadOnlyList<SourceColumn> Columns, List<ColumnBatch> Batches) Read(TempFolder temp, string text, string name = "s.csv")
    {
        File.WriteAllText(temp.File(name), text);
        using var source = BrfssSources.Open(temp.File(name));
        return (source.Columns, ReadAll(source));
    }

    private static InvalidDataException Refused(string path)
    {
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            using var source = BrfssSources.Open(path);
            ReadAll(source);
        });
        Assert.StartsWith(Path.GetFileName(path), error.Message);
        return error;
    }

    private static T?[] Column<T>(List<ColumnBatch> batches, string name) =>
        batches.SelectMany(b => ((T?[])b.Values[b.IndexOf(name)]).Take(b.RowCount)).ToArray();

    private static string Rows(int count) =>
        "_RFHLTH,INCOME3,DRNKANY6,CHCSCNC1,CHCKDNY2\n" +
        string.Concat(Enumerable.Range(0, count).Select(i => $"{1 + i % 2},{i % 11 + 1},{i % 2 + 1},2,2\n"));

    private static byte[] Gzip(string text)
    {
        var memory = new MemoryStream();
        using (var gz = new GZipStream(memory, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(Encoding.UTF8.GetBytes(text));
        return memory.ToArray();
    }

    [Fact]
    public void Na_and_dot_are_missing_and_keep_the_column_numeric()
    {
        // Finding 4: one NA turned the whole column into text.
        using var temp = Repo.Temp();
        var (columns, batches) = Read(temp, "_RFHLTH,INCOME3,NOTE\n1,5,NA\n2,NA,\n9,.,x\n1,,.\n");
        Assert.Equal(ColumnKind.Numeric, columns[1].Kind);
        Assert.Equal([5.0, null, null, null], Column<double?>(batches, "INCOME3"));
        Assert.Equal<string?>([null, null, "x", null], Column<string>(batches, "NOTE").AsEnumerable());
    }

    [Fact]
    public void Text_among_numbers_is_an_error_naming_file_line_and_column()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("s.csv"), "A,B\n1,2\n3,x y\n5,6\n");
        Assert.Equal("s.csv: line 3, column 'B': 'x y' is not a number, but 2 other values in this column are. " +
            "Write a missing value as an empty field, NA or '.', or correct the value.",
            Refused(temp.File("s.csv")).Message);
    }

    [Fact]
    public void A_column_that_is_mostly_text_stays_text()
    {
        using var temp = Repo.Temp();
        var (columns, batches) = Read(temp, "ID,NAME\n1,alpha\n2,beta\n3,12\n4,\n");
        Assert.Equal([ColumnKind.Numeric, ColumnKind.Text], columns.Select(c => c.Kind));
        Assert.Equal<string?>(["alpha", "beta", "12", null], Column<string>(batches, "NAME").AsEnumerable());
    }

    [Theory]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("1e999")]
    [InlineData("NaN")]
    [InlineData("nan")]
    public void Non_finite_numbers_are_errors_naming_file_line_and_column(string token)
    {
        // Finding 4: Infinity and 1e999 reached the features as +inf; -inf turned the column into text.
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("s.csv"), $"A,B\n1,2\n3,{token}\n5,6\n");
        Assert.StartsWith($"s.csv: line 3, column 'B': '{token}' is not a finite number", Refused(temp.File("s.csv")).Message);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_lines_count_as_an_editor_shows_them()
    {
        // Finding 4: a single trailing blank line was rejected.
        using var temp = Repo.Temp();
        var (_, batches) = Read(temp, "A,B\r\n\r\n1,2\r\n   \r\n3,4\r\n\r\n");
        Assert.Equal([1.0, 3.0], Column<double?>(batches, "A"));
        Assert.Equal([2.0, 4.0], Column<double?>(batches, "B"));
        // Line 4-5 is one record with a quoted line break; the bad value is on line 6.
        File.WriteAllText(temp.File("t.csv"), "A,B\n1,2\n\n\"3\n\",4\n5,x\n6,7\n");
        Assert.StartsWith("t.csv: line 6, column 'B': 'x' is not a number", Refused(temp.File("t.csv")).Message);
    }

    [Fact]
    public void Quoted_fields_keep_commas_quotes_and_line_breaks()
    {
        using var temp = Repo.Temp();
        var (_, batches) = Read(temp, "A,NOTE\n1,\"a, \"\"quoted\"\"\r\nnote\"\n2,plain\n");
        Assert.Equal<string?>(["a, \"quoted\"\r\nnote", "plain"], Column<string>(batches, "NOTE").AsEnumerable());
    }

    [Fact]
    public void A_line_with_too_many_fields_or_an_unclosed_quote_is_an_error_naming_the_line()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("wide.csv"), "A,B\n1,2\n3,4,5,6\n");
        Assert.Equal("wide.csv: line 3 has 4 fields but the header has 2.", Refused(temp.File("wide.csv")).Message);
        File.WriteAllText(temp.File("open.csv"), "A,B\n1,2\n3,\"4\n5,6\n");
        Assert.StartsWith("open.csv: line 3: a quoted field is not closed before the end of the file", Refused(temp.File("open.csv")).Message);
    }

    [Fact]
    public void A_field_longer_than_the_limit_is_an_error_naming_the_line()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("long.csv"), $"A,B\n1,2\n3,{new string('9', CsvSource.MaxFieldLength + 1)}\n");
        Assert.Equal("long.csv: line 3, field 2: longer than 65,536 characters. A survey value is a few characters: " +
            "this is not a CSV of BRFSS data, or a quote is not closed.",
            Refused(temp.File("long.csv")).Message);
    }

    [Fact]
    public void A_small_zip_holding_one_256_MiB_field_is_refused_in_bounded_memory()
    {
        // Finding 5: a 261 KB zip holding one 256 MiB field used 5.3 GB and 222 s.
        using var temp = Repo.Temp();
        var zipPath = temp.File("bomb.zip");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("bomb.csv", CompressionLevel.SmallestSize).Open())
        {
            entry.Write("A,B\n1,"u8);
            var chunk = Enumerable.Repeat((byte)'7', 1 << 20).ToArray();
            for (var i = 0; i < 256; i++) entry.Write(chunk);
            entry.Write("\n"u8);
        }
        Assert.InRange(new FileInfo(zipPath).Length, 200_000, 400_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("bomb.zip!bomb.csv: line 2, field 2: longer than 65,536 characters", Refused(zipPath).Message);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void A_truncated_csv_gz_is_an_error_naming_the_file_not_fewer_rows()
    {
        // Finding 3: a cut .csv.gz converted 14 of 3,000 rows without a word.
        using var temp = Repo.Temp();
        var gz = Gzip(Rows(3_000));
        File.WriteAllBytes(temp.File("s.csv.gz"), gz);
        using (var whole = BrfssSources.Open(temp.File("s.csv.gz"))) Assert.Equal(3_000, ReadAll(whole).Sum(b => b.RowCount));
        foreach (var cut in new[] { gz.Length / 2, gz.Length - 9, gz.Length - 1 })
        {
            File.WriteAllBytes(temp.File("cut.csv.gz"), gz[..cut]);
            Assert.StartsWith("cut.csv.gz: the compressed data is damaged or cut short (the file ends before its compressed data does)",
                Refused(temp.File("cut.csv.gz")).Message);
        }
    }

    [Fact]
    public void A_bad_crc_or_damaged_gzip_data_is_an_error_naming_the_file()
    {
        using var temp = Repo.Temp();
        var gz = Gzip(Rows(3_000));
        var badCrc = gz.ToArray();
        badCrc[^6] ^= 0xFF;
        File.WriteAllBytes(temp.File("crc.csv.gz"), badCrc);
        Assert.StartsWith("crc.csv.gz: the compressed data is damaged or cut short", Refused(temp.File("crc.csv.gz")).Message);
        var damaged = gz.ToArray();
        damaged[gz.Length / 2] ^= 0xFF;
        File.WriteAllBytes(temp.File("bad.csv.gz"), damaged);
        Assert.StartsWith("bad.csv.gz: the compressed data is damaged or cut short", Refused(temp.File("bad.csv.gz")).Message);
    }

    [Fact]
    public void A_gzip_of_several_members_reads_them_all()
    {
        // Concatenated gzip files (cat a.gz b.gz, bgzip) are valid: the checks must not refuse them.
        using var temp = Repo.Temp();
        File.WriteAllBytes(temp.File("two.csv.gz"), [.. Gzip("A,B\n1,2\n"), .. Gzip("3,4\n")]);
        using var source = BrfssSources.Open(temp.File("two.csv.gz"));
        Assert.Equal([1.0, 3.0], Column<double?>(ReadAll(source), "A"));
    }

    [Fact]
    public void A_truncated_zip_or_no_zip_at_all_names_the_file_and_the_problem()
    {
        using var temp = Repo.Temp();
        using (var zip = ZipFile.Open(temp.File("whole.zip"), ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("s.csv").Open())) writer.Write(Rows(3_000));
        var bytes = File.ReadAllBytes(temp.File("whole.zip"));
        File.WriteAllBytes(temp.File("cut.zip"), bytes[..(bytes.Length / 2)]);
        var cut = Refused(temp.File("cut.zip")).Message;
        Assert.StartsWith("cut.zip: not a readable zip file (End of Central Directory record could not be found.): it is cut short", cut);
        File.WriteAllText(temp.File("page.zip"), "<html>maintenance</html>");
        Assert.StartsWith("page.zip: not a readable zip file", Refused(temp.File("page.zip")).Message);
        var damaged = bytes.ToArray();
        damaged[60] ^= 0xFF; // inside the deflated entry
        File.WriteAllBytes(temp.File("damaged.zip"), damaged);
        Assert.StartsWith("damaged.zip!s.csv: ", Refused(temp.File("damaged.zip")).Message);
    }

    [Fact]
    public void A_zip_entry_whose_crc_does_not_match_is_an_error()
    {
        // A stored (uncompressed) entry has no deflate checks of its own: only the CRC catches a changed byte.
        using var temp = Repo.Temp();
        using (var zip = ZipFile.Open(temp.File("stored.zip"), ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("s.csv", CompressionLevel.NoCompression).Open())) writer.Write(Rows(100));
        var bytes = File.ReadAllBytes(temp.File("stored.zip"));
        var at = Encoding.ASCII.GetString(bytes).IndexOf("1,6,", StringComparison.Ordinal);
        bytes[at] = (byte)'2';
        File.WriteAllBytes(temp.File("stored.zip"), bytes);
        Assert.Contains("stored.zip!s.csv: CRC-32 mismatch", Refused(temp.File("stored.zip")).Message);
    }

    [Theory]
    [InlineData(";", "semicolons")]
    [InlineData("\t", "tabs")]
    [InlineData("|", "vertical bars")]
    public void A_file_with_another_separator_is_said_so(string separator, string words)
    {
        // Issue 24, item 9: a semicolon CSV was refused as "cannot tell the BRFSS year", as if its variables were wrong.
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("excel.csv"), Rows(3).Replace(",", separator));
        var error = Refused(temp.File("excel.csv"));
        Assert.StartsWith($"excel.csv: its header is one column, '_RFHLTH{separator}INCOME3{separator}", error.Message);
        Assert.Contains($"holding {words}: the file looks separated by {words}, not commas", error.Message);
        Assert.Contains("save it with commas", error.Message);
    }

    public static TheoryData<string, byte[], string> BinaryFiles() => new()
    {
        { "gzip", Gzip(Rows(3)), "gzip-compressed data: name it .csv.gz" },
        { "zip", File.ReadAllBytes(Repo.Path("tests", "fixtures", "ingest", "small_csv.zip")), "a zip archive" },
        { "xpt", File.ReadAllBytes(Repo.Path("tests", "fixtures", "xpt", "haven_v5.xpt")), "a SAS transport (XPT) file: name it .xpt" },
        { "parquet", "PAR1\u0015\u0004"u8.ToArray(), "a Parquet file" },
        { "other", [.. Encoding.ASCII.GetBytes("_RFHLTH,INCOME3\n1,"), 0, 7, 0, 200, 13, 10], "binary data (it holds NUL bytes" },
    };

    [Theory]
    [MemberData(nameof(BinaryFiles))]
    public void A_binary_file_named_csv_is_said_so(string kind, byte[] bytes, string looksLike)
    {
        // Issue 24, item 9: a binary file named .csv was read as text and refused for what its "columns" were.
        using var temp = Repo.Temp();
        File.WriteAllBytes(temp.File(kind + ".csv"), bytes);
        Assert.StartsWith($"{kind}.csv: not a CSV text file: it looks like {looksLike}", Refused(temp.File(kind + ".csv")).Message);
        using (var zip = ZipFile.Open(temp.File(kind + ".zip"), ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("inner.csv").Open()) entry.Write(bytes);
        Assert.StartsWith($"{kind}.zip!inner.csv: not a CSV text file: it looks like {looksLike}", Refused(temp.File(kind + ".zip")).Message);
    }

    [Fact]
    public void Utf16_text_with_its_byte_order_mark_still_reads()
    {
        using var temp = Repo.Temp();
        File.WriteAllText(temp.File("u16.csv"), Rows(2), Encoding.Unicode);
        using var source = BrfssSources.Open(temp.File("u16.csv"));
        Assert.Equal(2, ReadAll(source).Sum(b => b.RowCount));
    }
}
