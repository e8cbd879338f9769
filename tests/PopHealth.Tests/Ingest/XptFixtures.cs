using System.Buffers.Binary;
using PopHealth.Ingest;
using PopHealth.Ingest.Xpt;

namespace PopHealth.Tests.Ingest;

/// <summary>
/// Transport files built for the reader's tests: written by our <see cref="XptWriter"/>, then patched where a finding
/// needs a layout it does not write.
/// </summary>
internal static class XptFixtures
{
    /// <summary>Where the NAMESTRs start: library (3 records), member (2), descriptor (2), NAMESTR header (1).</summary>
    public const int NamestrStart = 8 * 80;

    public static string Path(string name) => Repo.Path("tests", "fixtures", "xpt", name);

    public static readonly XptColumn[] Sas91Columns =
    [
        new("SEQNO", ColumnKind.Text, 10, "Sequence number"), new("_AGEG5YR", ColumnKind.Numeric, 8, "Age group"),
        new("STATENAME", ColumnKind.Text, 2), new("_BMI5", ColumnKind.Numeric, 8, "BMI x 100"),
        new("NOTE", ColumnKind.Text, 7), new("_RFHLTH", ColumnKind.Numeric, 4, "Fair or poor health"),
    ];

    /// <summary>
    /// A v8 file laid out as SAS 9.1 wrote one: the observations in variable order, but the NAMESTR positions (npos)
    /// in the data set's physical order, numerics first (0, 8, 16, then the text fields). Written by XptWriter, its
    /// npos patched. R haven read it into sas91_v8_numerics_first_expected.csv (make_fixtures.R).
    /// </summary>
    public static byte[] Sas91NumericsFirst()
    {
        var rows = new (string? Seq, double? Age, string? State, double? Bmi, string? Note, double? Health)[]
        {
            ("2016000001", 1, "OH", 2345, "first", 1),
            ("2016000002", 13, "MO", null, "", 2),
            ("2016000003", 7, "", 1987.5, "x y", 9),
            ("2016000004", null, "KS", 4012, "last ok", 1),
            ("2016000005", 14, "OH", 2999, "z", 2),
        };
        var schema = Sas91Columns.Select(c => new SourceColumn(c.Name, c.Kind)).ToList();
        Array[] values =
        [
            rows.Select(r => r.Seq).ToArray(), rows.Select(r => r.Age).ToArray(), rows.Select(r => r.State).ToArray(),
            rows.Select(r => r.Bmi).ToArray(), rows.Select(r => r.Note).ToArray(), rows.Select(r => r.Health).ToArray(),
        ];
        char[]?[] kinds = [null, ['\0', '\0', '\0', 'D', '\0'], null, ['\0', '.', '\0', '\0', '\0'], null, null];
        var stream = new MemoryStream();
        using (var writer = new XptWriter(stream, "LLCP2016", Sas91Columns, XptVersion.V8, created: new DateTime(2016, 6, 1)))
            writer.Write(new ColumnBatch(schema, values, rows.Length, kinds));
        var bytes = stream.ToArray();
        // Physical order: the numerics (8, 8, 4 bytes) first, then the text (10, 2, 7).
        int[] npos = [20, 0, 30, 8, 32, 16];
        for (var i = 0; i < npos.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(NamestrStart + i * 140 + 84), npos[i]);
        return bytes;
    }

    /// <summary>A small v5 file of numeric and text columns, for patching.</summary>
    public static byte[] Small(int rows = 3, XptVersion version = XptVersion.V5, params XptColumn[] columns)
    {
        if (columns.Length == 0) columns = [new("X", ColumnKind.Numeric), new("Y", ColumnKind.Numeric)];
        var schema = columns.Select(c => new SourceColumn(c.Name, c.Kind)).ToList();
        var values = columns.Select(c => c.Kind == ColumnKind.Numeric
            ? (Array)Enumerable.Range(0, rows).Select(i => (double?)i).ToArray()
            : Enumerable.Range(0, rows).Select(i => (string?)$"t{i}").ToArray()).ToArray();
        var stream = new MemoryStream();
        using (var writer = new XptWriter(stream, "S", columns, version))
            writer.Write(new ColumnBatch(schema, values, rows));
        return stream.ToArray();
    }
}
