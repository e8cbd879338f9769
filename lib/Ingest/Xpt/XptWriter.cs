using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PopHealth.Ingest.Xpt;

/// <summary>A variable to write: numeric width 2–8 bytes (8 is exact), text width in bytes.</summary>
public sealed record XptColumn(string Name, ColumnKind Kind, int Length = 8, string? Label = null, string? Format = null);

/// <summary>
/// Writes one SAS transport member, v5 (8-character names, 40-character labels, as CDC publishes) or v8
/// (32-character names, long labels). Rows stream in as <see cref="ColumnBatch"/>es; the file is valid
/// once disposed. Used by the embedded sample generator and by tests; the format has no writer in the
/// NuGet packages served here, hence this small one.
/// </summary>
public sealed class XptWriter : IDisposable
{
    private const int Record = 80;
    private readonly Stream stream;
    private readonly IReadOnlyList<XptColumn> columns;
    private readonly int[] positions;
    private readonly int rowLength;
    private readonly byte[] row;
    private long dataBytes;
    private bool disposed;

    public XptWriter(Stream stream, string memberName, IReadOnlyList<XptColumn> columns, XptVersion version = XptVersion.V5,
        string? memberLabel = null, DateTime? created = null)
    {
        this.stream = stream;
        this.columns = columns;
        Validate(memberName, columns, version);
        positions = new int[columns.Count];
        for (var i = 1; i < columns.Count; i++) positions[i] = positions[i - 1] + columns[i - 1].Length;
        rowLength = columns.Count == 0 ? 0 : positions[^1] + columns[^1].Length;
        row = new byte[rowLength];
        WriteHeaders(memberName, memberLabel, version, created ?? new DateTime(2024, 1, 1));
    }

    /// <summary>Appends the rows of <paramref name="batch"/>, matching columns by name.</summary>
    public void Write(ColumnBatch batch)
    {
        var map = columns.Select(c => batch.IndexOf(c.Name)).ToArray();
        for (var i = 0; i < map.Length; i++)
        {
            if (map[i] < 0) throw new ArgumentException($"The batch has no column '{columns[i].Name}'.");
            if (batch.Columns[map[i]].Kind != columns[i].Kind)
                throw new ArgumentException(
                    $"Column '{columns[i].Name}' is {batch.Columns[map[i]].Kind} in the batch but {columns[i].Kind} in the file.");
        }
        for (var r = 0; r < batch.RowCount; r++)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                var field = row.AsSpan(positions[i], columns[i].Length);
                if (columns[i].Kind == ColumnKind.Numeric)
                {
                    var kinds = batch.MissingKinds[map[i]];
                    var kind = kinds is not null && kinds[r] != '\0' ? kinds[r] : '.';
                    IbmFloat.Encode(batch.Numeric(map[i])[r], field, kind);
                }
                else
                {
                    field.Fill((byte)' ');
                    var text = batch.Text(map[i])[r] ?? "";
                    var bytes = Encoding.Latin1.GetBytes(text);
                    if (bytes.Length > field.Length)
                        throw new ArgumentException($"Row {r + 1}: '{columns[i].Name}' holds {bytes.Length} bytes, " +
                            $"more than its width {field.Length}.");
                    bytes.CopyTo(field);
                }
            }
            stream.Write(row);
            dataBytes += rowLength;
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        var padding = (int)((Record - dataBytes % Record) % Record);
        if (padding > 0) stream.Write(Blanks(padding));
        stream.Flush();
    }

    private static void Validate(string memberName, IReadOnlyList<XptColumn> columns, XptVersion version)
    {
        var maxName = version == XptVersion.V5 ? 8 : 32;
        if (memberName.Length is 0 || memberName.Length > maxName)
            throw new ArgumentException($"Member name '{memberName}' must be 1 to {maxName} characters.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns)
        {
            if (c.Name.Length is 0 || c.Name.Length > maxName)
                throw new ArgumentException($"Variable name '{c.Name}' must be 1 to {maxName} characters in a v{(int)version} file.");
            if (!seen.Add(c.Name)) throw new ArgumentException($"Variable '{c.Name}' appears twice.");
            if (c.Kind == ColumnKind.Numeric && c.Length is < 2 or > 8)
                throw new ArgumentException($"Numeric variable '{c.Name}' must be 2 to 8 bytes.");
            if (c.Kind == ColumnKind.Text && c.Length is < 1 or > 32767)
                throw new ArgumentException($"Text variable '{c.Name}' must be 1 to 32,767 bytes.");
            if (version == XptVersion.V5 && c.Label?.Length > 40)
                throw new ArgumentException($"Label of '{c.Name}' is over 40 characters: use a v8 file.");
        }
    }

    private void WriteHeaders(string memberName, string? memberLabel, XptVersion version, DateTime created)
    {
        var v8 = version == XptVersion.V8;
        var stamp = created.ToString("ddMMMyy:HH:mm:ss", CultureInfo.InvariantCulture).ToUpperInvariant();
        Text(v8 ? "HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!000000000000000000000000000000  "
                : "HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ");
        Text("SAS     SAS     SASLIB  " + Pad("9.4", 8) + Pad("Linux", 8) + new string(' ', 24) + stamp);
        Text(stamp + new string(' ', 64));
        Text(v8 ? "HEADER RECORD*******MEMBV8  HEADER RECORD!!!!!!!000000000000000001600000000140  "
                : "HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  ");
        Text(v8 ? "HEADER RECORD*******DSCPTV8 HEADER RECORD!!!!!!!000000000000000000000000000000  "
                : "HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!000000000000000000000000000000  ");
        Text(v8 ? "SAS     " + Pad(memberName, 32) + "SASDATA " + Pad("9.4", 8) + Pad("Linux", 8) + stamp
                : "SAS     " + Pad(memberName, 8) + "SASDATA " + Pad("9.4", 8) + Pad("Linux", 8) + new string(' ', 24) + stamp);
        Text(stamp + new string(' ', 16) + Pad(memberLabel ?? "", 40) + Pad("DATA", 8));
        Text($"HEADER RECORD*******{(v8 ? "NAMSTV8" : "NAMESTR")} HEADER RECORD!!!!!!!000000{columns.Count:D4}00000000000000000000  ");

        var namestrs = new byte[columns.Count * 140];
        for (var i = 0; i < columns.Count; i++)
        {
            var c = columns[i];
            var n = namestrs.AsSpan(i * 140, 140);
            BinaryPrimitives.WriteInt16BigEndian(n, (short)(c.Kind == ColumnKind.Numeric ? 1 : 2));
            BinaryPrimitives.WriteInt16BigEndian(n[4..], (short)c.Length);
            BinaryPrimitives.WriteInt16BigEndian(n[6..], (short)(i + 1));
            Ascii(n.Slice(8, 8), c.Name.Length <= 8 ? c.Name : c.Name[..8]);
            Ascii(n.Slice(16, 40), c.Label is { Length: > 40 } l ? l[..40] : c.Label ?? "");
            var (formatName, width, decimals) = SplitFormat(c.Format);
            Ascii(n.Slice(56, 8), formatName);
            BinaryPrimitives.WriteInt16BigEndian(n[64..], width);
            BinaryPrimitives.WriteInt16BigEndian(n[66..], decimals);
            Ascii(n.Slice(72, 8), "");
            BinaryPrimitives.WriteInt32BigEndian(n[84..], positions[i]);
            if (v8) Ascii(n.Slice(88, 32), c.Name);
            else n[88..].Clear();
        }
        stream.Write(namestrs);
        PadRecord(namestrs.Length);

        var longLabels = v8 ? columns.Select((c, i) => (c, i)).Where(x => x.c.Label is { Length: > 40 }).ToList() : [];
        if (longLabels.Count > 0)
        {
            Text($"HEADER RECORD*******LABELV8 HEADER RECORD!!!!!!!{longLabels.Count.ToString("D30", CultureInfo.InvariantCulture)}  ");
            var written = 0;
            var head = new byte[6];
            foreach (var (c, i) in longLabels)
            {
                var name = Encoding.Latin1.GetBytes(c.Name);
                var label = Encoding.Latin1.GetBytes(c.Label!);
                BinaryPrimitives.WriteInt16BigEndian(head, (short)(i + 1));
                BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(2), (short)name.Length);
                BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(4), (short)label.Length);
                stream.Write(head);
                stream.Write(name);
                stream.Write(label);
                written += 6 + name.Length + label.Length;
            }
            PadRecord(written);
        }
        Text(v8 ? "HEADER RECORD*******OBSV8   HEADER RECORD!!!!!!!000000000000000000000000000000  "
                : "HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  ");
    }

    private static (string Name, short Width, short Decimals) SplitFormat(string? format)
    {
        if (string.IsNullOrEmpty(format)) return ("", 0, 0);
        var i = format.Length;
        while (i > 0 && (char.IsDigit(format[i - 1]) || format[i - 1] == '.')) i--;
        var name = format[..i];
        var numbers = format[i..].Split('.', StringSplitOptions.None);
        short Parse(string s) => short.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (short)0;
        return (name.Length > 8 ? name[..8] : name, numbers.Length > 0 ? Parse(numbers[0]) : (short)0,
            numbers.Length > 1 ? Parse(numbers[1]) : (short)0);
    }

    private void PadRecord(int written)
    {
        var padding = (Record - written % Record) % Record;
        if (padding > 0) stream.Write(Blanks(padding));
    }

    private void Text(string record)
    {
        if (record.Length != Record) throw new InvalidOperationException($"Header record of {record.Length} characters.");
        stream.Write(Encoding.Latin1.GetBytes(record));
    }

    private static string Pad(string text, int width) => text.Length >= width ? text[..width] : text.PadRight(width);

    private static void Ascii(Span<byte> field, string text)
    {
        field.Fill((byte)' ');
        Encoding.Latin1.GetBytes(text.AsSpan(0, Math.Min(text.Length, field.Length)), field);
    }

    private static byte[] Blanks(int count) => Enumerable.Repeat((byte)' ', count).ToArray();
}
