using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using PopHealth.Ingest;
using PopHealth.Ingest.Xpt;

using PopHealth.Workbook;

namespace PopHealth.Tests.Ingest;

/// <summary>
/// Issue 12's XPT findings, each reproduced with a file of our own: exact reads of SAS's layouts, and every malformed
/// header refused before it sizes anything.
/// </summary>
[Trait("Category", "Unit")]
public class XptHardeningTests
{
    private const int Namestr = XptFixtures.NamestrStart;

    /// <summary>Reads every batch (50,000 rows each, as the converter asks) and returns the bytes allocated on this thread meanwhile.</summary>
    private static long ReadAllocating(byte[] bytes, out List<ColumnBatch> batches, string name = "bad.xpt")
    {
        var read = new List<ColumnBatch>();
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            using var reader = XptReader.Open(new MemoryStream(bytes), name);
            while (reader.ReadBatch(50_000) is { } batch) read.Add(batch);
        }
        finally
        {
            batches = read;
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static InvalidDataException Refused(byte[] bytes, out long allocated, string name = "bad.xpt")
    {
        long used = 0;
        var error = Assert.Throws<InvalidDataException>(() => used = ReadAllocating(bytes, out _, name));
        allocated = used;
        Assert.StartsWith(name + ": ", error.Message);
        Assert.Matches(@"\(at byte offset [\d,]+\)\.$", error.Message);
        return error;
    }

    private static InvalidDataException Refused(byte[] bytes, string name = "bad.xpt") => Refused(bytes, out _, name);

    [Fact]
    public void The_committed_sas_layout_fixture_is_what_its_generator_writes()
    {
        var path = XptFixtures.Path("sas91_v8_numerics_first.xpt");
        if (Environment.GetEnvironmentVariable(WorkbookVariables.WriteFixtures) == "1") File.WriteAllBytes(path, XptFixtures.Sas91NumericsFirst());
        Assert.Equal(XptFixtures.Sas91NumericsFirst(), File.ReadAllBytes(path));
    }

    [Fact]
    public void A_sas_91_v8_file_with_numerics_first_positions_reads_in_variable_order_as_haven_does()
    {
        // Finding 1: read by NAMESTR positions, most cells of this file came out wrong without an error.
        using var reader = XptReader.Open(XptFixtures.Path("sas91_v8_numerics_first.xpt"));
        Assert.Equal([0, 10, 18, 20, 28, 35], reader.Member.Variables.Select(v => v.Position));
        Assert.Equal(39, reader.Member.RowLength);
        var batch = Assert.IsType<ColumnBatch>(reader.ReadBatch(100));
        Assert.Null(reader.ReadBatch(100));
        var expected = File.ReadAllLines(XptFixtures.Path("sas91_v8_numerics_first_expected.csv"));
        var names = expected[0].Split(',').Select(n => n.Trim('"')).ToArray();
        Assert.Equal(reader.Columns.Select(c => c.Name), names);
        Assert.Equal(expected.Length - 1, batch.RowCount);
        var cells = 0;
        for (var r = 0; r < batch.RowCount; r++)
        {
            var want = expected[r + 1].Split(',');
            for (var c = 0; c < names.Length; c++, cells++)
            {
                var text = want[c].Trim('"');
                if (batch.Columns[c].Kind == ColumnKind.Numeric)
                    Assert.Equal(text == "NA" ? null : double.Parse(text, CultureInfo.InvariantCulture), batch.Numeric(c)[r]);
                else Assert.Equal(text.Length == 0 ? null : text, batch.Text(c)[r]);
            }
        }
        Assert.Equal(30, cells);
        Assert.Equal('D', batch.MissingKinds[1]![3]);
    }

    [Fact]
    public void Duplicate_variable_numbers_in_a_v8_file_are_a_format_error()
    {
        var bytes = XptFixtures.Small(version: XptVersion.V8);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(Namestr + 140 + 6), 1); // Y numbered 1, like X
        var error = Refused(bytes);
        Assert.Contains("malformed NAMESTR for 'Y': variable number 1 is used twice", error.Message);
        Assert.EndsWith($"(at byte offset {Namestr + 140:N0}).", error.Message);
    }

    [Theory]
    [InlineData(0x7FFFFFF7)] // position + length overflows an int (an OutOfMemoryException before)
    [InlineData(0x7FFFFFFF)]
    [InlineData(9)]          // inside an int, but past the 16-byte observation
    public void A_position_outside_the_observation_is_a_format_error_not_an_allocation(int position)
    {
        var bytes = XptFixtures.Small();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(Namestr + 140 + 84), position);
        var error = Refused(bytes, out var allocated);
        Assert.Contains($"malformed NAMESTR for 'Y': position {position:N0} + length 8 runs past the 16-byte observation", error.Message);
        Assert.True(allocated < 2 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void A_header_claiming_99999_variables_costs_only_what_the_file_holds()
    {
        var bytes = XptFixtures.Small();
        Encoding.ASCII.GetBytes("99999").CopyTo(bytes, 7 * 80 + 53);
        var error = Refused(bytes, out var allocated);
        // The third "NAMESTR" is the padding and the observation header: refused as soon as it is read.
        Assert.Contains("malformed NAMESTR for variable 3", error.Message);
        Assert.True(allocated < 2 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void Long_observations_claimed_by_a_tiny_file_are_not_allocated()
    {
        // 600 text variables of 32,767 bytes claim 19.7 MB observations; the file holds 3 blank-padded records of data.
        var columns = Enumerable.Range(0, 600).Select(i => new XptColumn($"V{i}", ColumnKind.Text, 1)).ToArray();
        var bytes = XptFixtures.Small(0, XptVersion.V5, columns).Concat(Enumerable.Repeat((byte)'x', 240)).ToArray();
        for (var i = 0; i < columns.Length; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(Namestr + i * 140 + 4), short.MaxValue);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(Namestr + i * 140 + 84), i * short.MaxValue);
        }
        var error = Refused(bytes, out var allocated);
        Assert.Contains("truncated record: the file ends 240 bytes into a 19,660,200-byte observation", error.Message);
        Assert.True(allocated < 4 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void Batches_of_a_small_file_are_sized_by_its_rows_not_by_the_rows_asked_for()
    {
        // 600 numeric variables and 50,000 rows asked: 540 MB of arrays if sized by the request, a few KB for 3 rows.
        var columns = Enumerable.Range(0, 600).Select(i => new XptColumn($"V{i}", ColumnKind.Numeric)).ToArray();
        var allocated = ReadAllocating(XptFixtures.Small(3, XptVersion.V5, columns), out var batches);
        Assert.Equal(3, Assert.Single(batches).RowCount);
        Assert.True(allocated < 4 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void The_same_bound_holds_when_the_length_is_unknown_as_in_a_zip()
    {
        var columns = Enumerable.Range(0, 600).Select(i => new XptColumn($"V{i}", ColumnKind.Numeric)).ToArray();
        var bytes = XptFixtures.Small(3, XptVersion.V5, columns);
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var reader = XptReader.Open(new ForwardOnly(bytes), "in.zip!a.xpt"))
            Assert.Equal(3, reader.ReadBatch(50_000)!.RowCount);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 12 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void Rows_from_a_stream_of_unknown_length_come_out_whole_as_the_arrays_grow()
    {
        // 600 variables: a batch starts at 388 rows (4 MB) and grows as rows arrive, to 1,000; the converter's block is
        // refilled in place, so it must come out right the second time too.
        var columns = Enumerable.Range(0, 600).Select(i => new XptColumn($"V{i}", ColumnKind.Numeric)).ToArray();
        var bytes = XptFixtures.Small(2_500, XptVersion.V5, columns);
        foreach (var reuse in new[] { false, true })
        {
            using var reader = XptReader.Open(new ForwardOnly(bytes), "in.zip!a.xpt");
            var block = new RowBlock(reader.Columns, 0);
            var next = 0;
            while ((reuse ? reader.ReadBlock(block, 1_000).ToBatch() : reader.ReadBatch(1_000)) is { RowCount: > 0 } batch)
            {
                Assert.Equal(Math.Min(1_000, 2_500 - next), batch.RowCount);
                for (var r = 0; r < batch.RowCount; r++, next++)
                    Assert.True(batch.Numeric(0)[r] == next && batch.Numeric(599)[r] == next, $"row {next}");
            }
            Assert.Equal(2_500, next);
        }
    }

    [Fact]
    public void A_file_cut_inside_its_padding_is_an_error_not_fewer_rows()
    {
        var bytes = XptFixtures.Small(rows: 3); // 48 bytes of data and 32 of padding
        var error = Refused(bytes[..^10]);
        Assert.Contains("the file ends 70 bytes into an 80-byte record: it is truncated", error.Message);
        Assert.EndsWith($"(at byte offset {bytes.Length - 10:N0}).", error.Message);
    }

    [Fact]
    public void A_cut_observation_of_blank_text_is_an_error_not_padding()
    {
        // One 100-byte text column: the second observation is cut after 90 blank bytes, more than padding can be.
        var bytes = XptFixtures.Small(2, XptVersion.V5, new XptColumn("T", ColumnKind.Text, 100));
        var dataStart = bytes.Length - 240; // 200 bytes of data, 40 of padding
        bytes.AsSpan(dataStart + 100, 100).Fill((byte)' ');
        var error = Refused(bytes[..(dataStart + 190)]);
        Assert.Contains("truncated record: the file ends 90 bytes into a 100-byte observation", error.Message);
        Assert.EndsWith($"(at byte offset {dataStart + 100:N0}).", error.Message);
    }

    [Fact]
    public void Blank_observations_between_data_are_rows_as_readstat_reads_them()
    {
        var columns = new[] { new XptColumn("C", ColumnKind.Text, 1) };
        var stream = new MemoryStream();
        using (var writer = new XptWriter(stream, "BLANKS", columns))
            writer.Write(new ColumnBatch([new SourceColumn("C", ColumnKind.Text)], [new string?[] { "a", null, null, "b" }], 4));
        ReadAllocating(stream.ToArray(), out var batches);
        Assert.Equal<string?>(["a", null, null, "b"], batches.SelectMany(b => b.Text(0).Take(b.RowCount)));
    }

    [Fact]
    public void Blank_observations_longer_than_a_record_at_the_end_are_rows_too()
    {
        // 2 rows of a 60-byte blank text column, then 40 bytes of padding: 160 bytes of blanks, only 40 of them padding.
        var columns = new[] { new XptColumn("T", ColumnKind.Text, 60) };
        var stream = new MemoryStream();
        using (var writer = new XptWriter(stream, "BLANKS", columns))
            writer.Write(new ColumnBatch([new SourceColumn("T", ColumnKind.Text)], [new string?[] { "x", null, null }], 3));
        ReadAllocating(stream.ToArray(), out var batches);
        Assert.Equal<string?>(["x", null, null], batches.SelectMany(b => b.Text(0).Take(b.RowCount)));
    }

    [Fact]
    public void A_cport_file_is_named_as_such_with_what_to_do()
    {
        var bytes = Encoding.ASCII.GetBytes("**COMPRESSED** **COMPRESSED** **COMPRESSED** **COMPRESSED** **COMPRESSED********")
            .Concat(new byte[400]).ToArray();
        var error = Refused(bytes, "LLCP2016.cpt");
        Assert.Contains("LLCP2016.cpt: a SAS CPORT file (PROC CPORT output), not a transport (XPORT) file", error.Message);
        Assert.Contains("PROC COPY", error.Message);
        Assert.Contains("haven::write_xpt", error.Message);
    }

    [Fact]
    public void More_long_labels_than_variables_is_a_format_error()
    {
        var columns = new[] { new XptColumn("A", ColumnKind.Numeric, Label: new string('L', 50)) };
        var bytes = XptFixtures.Small(1, XptVersion.V8, columns);
        var labelHeader = Namestr + 160; // one NAMESTR padded to 160 bytes
        Assert.Equal("HEADER RECORD*******LABELV8", Encoding.ASCII.GetString(bytes, labelHeader, 27));
        Encoding.ASCII.GetBytes("000000000000000000000000000009").CopyTo(bytes, labelHeader + 48);
        Assert.Contains("malformed long-label header: 9 long labels for 1 variables", Refused(bytes).Message);
    }

    /// <summary>A stream that cannot seek or tell its length, as a zip entry's.</summary>
    private sealed class ForwardOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
