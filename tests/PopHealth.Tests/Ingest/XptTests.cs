using System.Buffers.Binary;
using CsCheck;
using PopHealth.Ingest;
using PopHealth.Ingest.Xpt;

namespace PopHealth.Tests.Ingest;

[Trait("Category", "Unit")]
public class IbmFloatTests
{
    [Theory]
    [InlineData(new byte[] { 0x41, 0x10, 0, 0, 0, 0, 0, 0 }, 1.0)]
    [InlineData(new byte[] { 0xC2, 0x76, 0xA0, 0, 0, 0, 0, 0 }, -118.625)] // IBM's own textbook example
    [InlineData(new byte[] { 0x40, 0x80, 0, 0, 0, 0, 0, 0 }, 0.5)]
    [InlineData(new byte[] { 0x42, 0x64, 0, 0, 0, 0, 0, 0 }, 100.0)]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }, 0.0)]
    public void Decodes_known_bit_patterns(byte[] bytes, double expected)
    {
        Assert.Equal(expected, IbmFloat.Decode(bytes, out var missing));
        Assert.Equal('\0', missing);
    }

    [Theory]
    [InlineData('.')]
    [InlineData('A')]
    [InlineData('Z')]
    [InlineData('_')]
    public void Sas_missing_values_are_null_and_say_which(char kind)
    {
        for (var width = 2; width <= 8; width++)
        {
            var bytes = new byte[width];
            bytes[0] = (byte)kind;
            Assert.Null(IbmFloat.Decode(bytes, out var missing));
            Assert.Equal(kind, missing);
        }
    }

    [Fact]
    public void Eight_bytes_round_trip_every_finite_double_in_range_exactly()
    {
        Gen.Double.Where(d => double.IsFinite(d) && (d == 0 || Math.Abs(d) is > 5.4e-79 and < 7.2e75))
            .Sample(d =>
            {
                var bytes = new byte[8];
                IbmFloat.Encode(d, bytes);
                return IbmFloat.Decode(bytes, out _) == d;
            }, iter: 200_000);
    }

    [Fact]
    public void Shorter_widths_truncate_toward_zero_within_their_precision()
    {
        Gen.Select(Gen.Double[-1e12, 1e12].Where(d => d == 0 || Math.Abs(d) > 1e-70), Gen.Int[2, 7]).Sample((d, width) =>
        {
            var bytes = new byte[width];
            IbmFloat.Encode(d, bytes);
            var back = IbmFloat.Decode(bytes, out _)!.Value;
            // (width-1) bytes of fraction with a leading hex digit of at least 1: relative error below 2^-(8(width-1)-4).
            var tolerance = Math.Abs(d) * Math.ScaleB(1.0, -(8 * (width - 1) - 4));
            return Math.Abs(back) <= Math.Abs(d) && Math.Abs(back - d) <= tolerance && (back == 0 || Math.Sign(back) == Math.Sign(d));
        }, iter: 50_000);
    }

    [Fact]
    public void Whole_numbers_survive_three_bytes_as_cdc_codes_do()
    {
        // BRFSS codes (1..99999) are stored in 8 bytes, but small integers are exact in far less.
        for (var code = 0; code <= 65535; code++)
        {
            var bytes = new byte[4];
            IbmFloat.Encode(code, bytes);
            Assert.Equal(code, IbmFloat.Decode(bytes, out _));
        }
    }

    [Fact]
    public void Out_of_range_values_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IbmFloat.Encode(1e80, new byte[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => IbmFloat.Encode(double.PositiveInfinity, new byte[8]));
        Assert.Throws<ArgumentException>(() => IbmFloat.Encode(null, new byte[8], missing: 'a'));
    }
}

[Trait("Category", "Unit")]
public class XptReaderTests
{
    private static string Fixture(string name) => Repo.Path("tests", "fixtures", "xpt", name);

    private static List<ColumnBatch> ReadAll(XptReader reader, int batch = 2)
    {
        var batches = new List<ColumnBatch>();
        while (reader.ReadBatch(batch) is { } b) batches.Add(b);
        return batches;
    }

    private static T?[] Column<T>(IEnumerable<ColumnBatch> batches, string name) =>
        batches.SelectMany(b => ((T?[])b.Values[b.IndexOf(name)]).Take(b.RowCount)).ToArray();

    [Fact]
    public void Reads_a_v5_file_written_by_r_haven()
    {
        using var reader = XptReader.Open(Fixture("haven_v5.xpt"));
        Assert.Equal(XptVersion.V5, reader.Member.Version);
        Assert.Equal("FIXT5", reader.Member.Name);
        Assert.Equal(["ID", "SMALL", "BIG", "TXT"], reader.Columns.Select(c => c.Name));
        Assert.Equal("A short label", reader.Columns[1].Label);
        Assert.Equal("Text variable", reader.Columns[3].Label);
        var batches = ReadAll(reader);
        Assert.Equal(5, reader.RowsRead);
        Assert.Equal([1.0, 2, 3, 4, 5], Column<double?>(batches, "ID"));
        Assert.Equal([0.1, -2.5, null, 1e-70, 123456789.125], Column<double?>(batches, "SMALL"));
        // haven stores 7.2e75 as the largest IBM float, (2^56-1)·2^196; correctly rounded that is 2^252
        // (pandas truncates it to 7.2370055773322614e75).
        Assert.Equal([Math.Pow(2, 252), -1e-78, 3.141592653589793, 0, Math.Pow(2, 52) + 1], Column<double?>(batches, "BIG"));
        Assert.Equal<string?>(["alpha", null, "  lead", "trail", "x"], Column<string>(batches, "TXT").AsEnumerable());
        Assert.Equal(1, reader.MissingCounts["SMALL"]['.']);
    }

    [Fact]
    public void Reads_a_v8_file_with_long_names_and_labels_written_by_r_haven()
    {
        using var reader = XptReader.Open(Fixture("haven_v8.xpt"));
        Assert.Equal(XptVersion.V8, reader.Member.Version);
        Assert.Equal("FIXTURE_V8_MEMBER", reader.Member.Name);
        var a = reader.Columns[0];
        Assert.Equal("A_LONG_VARIABLE_NAME_OVER_8", a.Name);
        Assert.Equal("A label that is much longer than forty characters, as SAS version 8 allows it to be", a.Label);
        var batches = ReadAll(reader);
        Assert.Equal([1.5, null, -3], Column<double?>(batches, "A_LONG_VARIABLE_NAME_OVER_8"));
        Assert.Equal<string?>(["one", "two", null], Column<string>(batches, "B").AsEnumerable());
    }

    [Theory]
    [InlineData(XptVersion.V5)]
    [InlineData(XptVersion.V8)]
    public void Round_trips_every_width_missing_kind_and_edge_value(XptVersion version)
    {
        var columns = Enumerable.Range(2, 7).Select(w => new XptColumn($"N{w}", ColumnKind.Numeric, w, Label: $"width {w}"))
            .Append(new XptColumn("T", ColumnKind.Text, 12, Label: version == XptVersion.V8 ? new string('L', 120) : "text", Format: "$CHAR12."))
            .Append(new XptColumn("F", ColumnKind.Numeric, 8, Format: "BEST12.2"))
            .ToList();
        double?[] values = [0, 1, -1, 0.1, 99, 7.2e75, -5.4e-79, null, null, 12345.678];
        char[] kinds = ['\0', '\0', '\0', '\0', '\0', '\0', '\0', 'A', '_', '\0'];
        string?[] texts = ["a", "", null, "   ", "twelve chars", "é", "x", "y", "z", " lead"];
        var numeric = columns.Where(c => c.Kind == ColumnKind.Numeric).ToList();
        var schema = columns.Select(c => new SourceColumn(c.Name, c.Kind)).ToList();
        var arrays = columns.Select(c => c.Kind == ColumnKind.Numeric ? (Array)values.ToArray() : texts.ToArray()).ToArray();
        var missing = columns.Select(c => c.Kind == ColumnKind.Numeric ? kinds.ToArray() : null).ToArray();

        var stream = new MemoryStream();
        using (var writer = new XptWriter(stream, "ROUND", columns, version, memberLabel: "round trip"))
            writer.Write(new ColumnBatch(schema, arrays, values.Length, missing));
        Assert.Equal(0, stream.Length % 80);

        stream.Position = 0;
        using var reader = XptReader.Open(stream, "round.xpt");
        Assert.Equal(version, reader.Member.Version);
        Assert.Equal(columns.Select(c => c.Label), reader.Columns.Select(c => c.Label));
        Assert.Equal("$CHAR12.", reader.Columns.Single(c => c.Name == "T").Format);
        Assert.Equal("BEST12.2", reader.Columns.Single(c => c.Name == "F").Format);
        var batches = ReadAll(reader, batch: 3);
        Assert.Equal(values.Length, reader.RowsRead);
        Assert.Equal(values, Column<double?>(batches, "N8"));
        Assert.Equal<string?>(["a", null, null, null, "twelve chars", "é", "x", "y", "z", " lead"], Column<string>(batches, "T").AsEnumerable());
        foreach (var c in numeric)
        {
            var read = Column<double?>(batches, c.Name);
            for (var i = 0; i < values.Length; i++)
                if (values[i] is { } v && Math.Abs(v) > 1e-70)
                    Assert.True(Math.Abs(read[i]!.Value - v) <= Math.Abs(v) * Math.ScaleB(1.0, -(8 * (c.Length - 1) - 4)),
                        $"{c.Name} row {i}: {read[i]} vs {v}");
                else if (values[i] is null)
                    Assert.Null(read[i]);
            Assert.Equal(1, reader.MissingCounts[c.Name]['A']);
            Assert.Equal(1, reader.MissingCounts[c.Name]['_']);
        }
        Assert.Equal(['A', '_'], batches.SelectMany(b => b.MissingKinds[b.IndexOf("N8")]!.Take(b.RowCount)).Where(k => k != '\0'));
    }

    [Fact]
    public void Zero_rows_and_many_variables()
    {
        var columns = Enumerable.Range(0, 600)
            .Select(i => new XptColumn($"V{i}", i % 3 == 0 ? ColumnKind.Text : ColumnKind.Numeric, i % 3 == 0 ? 3 : 8)).ToList();
        var stream = new MemoryStream();
        new XptWriter(stream, "EMPTY", columns).Dispose();
        stream.Position = 0;
        using var reader = XptReader.Open(stream, "empty.xpt");
        Assert.Equal(600, reader.Columns.Count);
        Assert.Null(reader.ReadBatch(100));
        Assert.Equal(0, reader.RowsRead);
    }

    [Fact]
    public void A_row_shorter_than_a_record_is_not_mistaken_for_padding()
    {
        // 1 text column of width 1: rows are 1 byte, so padding (blanks) could look like blank rows.
        var columns = new List<XptColumn> { new("C", ColumnKind.Text, 1) };
        var stream = new MemoryStream();
        using (var writer = new XptWriter(stream, "SHORT", columns))
            writer.Write(new ColumnBatch([new SourceColumn("C", ColumnKind.Text)], new Array[] { new string?[] { "a", "b", "c" } }, 3));
        stream.Position = 0;
        using var reader = XptReader.Open(stream, "short.xpt");
        var batches = ReadAll(reader, batch: 100);
        Assert.Equal<string?>(["a", "b", "c"], Column<string>(batches, "C").AsEnumerable());
    }

    private static byte[] SampleFile(int rows = 3)
    {
        var columns = new List<XptColumn> { new("X", ColumnKind.Numeric), new("Y", ColumnKind.Numeric) };
        var stream = new MemoryStream();
        using (var writer = new XptWriter(stream, "S", columns))
            writer.Write(new ColumnBatch(columns.Select(c => new SourceColumn(c.Name, c.Kind)).ToList(),
                [Enumerable.Range(0, rows).Select(i => (double?)i).ToArray(), Enumerable.Range(0, rows).Select(i => (double?)i * 2).ToArray()],
                rows));
        return stream.ToArray();
    }

    private static InvalidDataException ReadFails(byte[] bytes, string name = "bad.xpt")
    {
        return Assert.Throws<InvalidDataException>(() =>
        {
            using var reader = XptReader.Open(new MemoryStream(bytes), name);
            while (reader.ReadBatch(10) is not null) { }
        });
    }

    [Fact]
    public void Empty_file()
    {
        var error = ReadFails([]);
        Assert.Contains("bad.xpt", error.Message);
        Assert.Contains("empty file", error.Message);
    }

    [Fact]
    public void Not_a_transport_file()
    {
        var error = ReadFails("_STATE,SEQNO,GENHLTH\n1,2016000001,1\n"u8.ToArray().Concat(new byte[100]).ToArray(), "LLCP2024.XPT");
        Assert.Contains("LLCP2024.XPT: not a SAS transport (XPORT) file", error.Message);
        Assert.EndsWith("(at byte offset 0).", error.Message);
    }

    [Fact]
    public void Truncated_header()
    {
        var error = ReadFails(SampleFile()[..500]);
        Assert.Contains("truncated record", error.Message);
    }

    [Fact]
    public void Truncated_observation_names_its_offset()
    {
        var bytes = SampleFile(rows: 10);
        var dataStart = bytes.Length - 160; // 10 rows × 16 bytes = 160, no padding
        var error = ReadFails(bytes[..(dataStart + 40)]);
        Assert.Contains("truncated record: the file ends 8 bytes into a 16-byte observation", error.Message);
        Assert.EndsWith($"(at byte offset {dataStart + 32:N0}).", error.Message);
    }

    [Fact]
    public void Malformed_namestr_names_the_variable()
    {
        var bytes = SampleFile();
        var namestrs = 8 * 80; // library (3) + member (2) + descriptor (2) + namestr header (1) records
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(namestrs + 140), 7); // second variable's type
        var error = ReadFails(bytes);
        Assert.Contains("malformed NAMESTR for variable 2: type 7", error.Message);
        Assert.EndsWith($"(at byte offset {namestrs + 140:N0}).", error.Message);
    }

    [Fact]
    public void Bad_namestr_length_in_the_member_header()
    {
        var bytes = SampleFile();
        "0999"u8.CopyTo(bytes.AsSpan(3 * 80 + 74));
        Assert.Contains("NAMESTR length '0999'", ReadFails(bytes).Message);
    }

    [Fact]
    public void Several_members_are_refused_with_the_offset_of_the_second()
    {
        var one = SampleFile(rows: 5); // 5 × 16 = 80 bytes of data
        var second = one[(3 * 80)..];   // another member: its headers and data
        var error = ReadFails([.. one, .. second]);
        Assert.Contains("several members", error.Message);
        Assert.EndsWith($"(at byte offset {one.Length:N0}).", error.Message);
    }
}
