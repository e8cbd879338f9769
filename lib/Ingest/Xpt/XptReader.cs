using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PopHealth.Ingest.Xpt;

/// <summary>
/// Streams a SAS transport file (XPORT v5 as CDC publishes BRFSS, or v8/v9) as column batches. Memory is
/// bounded by the batch, not the file. Numbers become doubles (IBM hexadecimal floats converted with a
/// single correct rounding), SAS missing values become nulls (which one is kept in <see cref="ColumnBatch.MissingKinds"/>),
/// text is trimmed on the right and blank text is null (SAS's character missing value).
/// </summary>
public sealed class XptReader : IColumnSource
{
    private const int Record = 80;
    private static readonly Encoding Latin1 = Encoding.Latin1;
    private static readonly byte[] MemberHeaderPrefix = Encoding.ASCII.GetBytes("HEADER RECORD*******MEMB");

    private readonly Stream stream;
    private readonly bool ownsStream;
    private readonly byte[] rowBuffer;
    private readonly Dictionary<string, Dictionary<char, long>> specialMissing = new(StringComparer.OrdinalIgnoreCase);
    private byte[] buffer = new byte[1 << 16];
    private readonly (Array[] Values, char[]?[] Kinds)?[] reusable = new (Array[], char[]?[])?[2];
    private int nextSet;
    private int bufferStart, bufferEnd;
    private long offset;
    private bool finished;

    private XptReader(Stream stream, string sourceName, bool ownsStream)
    {
        this.stream = stream;
        this.ownsStream = ownsStream;
        SourceName = sourceName;
        Member = ReadHeaders();
        Columns = Member.Variables.Select(v => new SourceColumn(v.Name, v.Kind, v.Label, v.Format)).ToArray();
        rowBuffer = new byte[Math.Max(Member.RowLength, 1)];
        // Room to look one observation and a member header ahead.
        var wanted = Math.Max(1 << 20, 2 * (Member.RowLength + Record));
        if (wanted > buffer.Length)
        {
            var bigger = new byte[wanted];
            buffer.AsSpan(bufferStart, bufferEnd - bufferStart).CopyTo(bigger);
            (buffer, bufferEnd, bufferStart) = (bigger, bufferEnd - bufferStart, 0);
        }
    }

    /// <summary>Opens a transport file on disk.</summary>
    public static XptReader Open(string path) =>
        Open(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1), Path.GetFileName(path), ownsStream: true);

    /// <summary>Reads a transport file from <paramref name="stream"/> (need not be seekable); <paramref name="sourceName"/> names it in errors.</summary>
    public static XptReader Open(Stream stream, string sourceName, bool ownsStream = false)
    {
        try
        {
            return new XptReader(stream, sourceName, ownsStream);
        }
        catch
        {
            if (ownsStream) stream.Dispose();
            throw;
        }
    }

    public string SourceName { get; }
    public XptMember Member { get; }
    public IReadOnlyList<SourceColumn> Columns { get; }
    /// <summary>Observations read so far.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Counts of SAS special missing values (.A–.Z, ._, and plain '.') per numeric variable, over the rows read so far.</summary>
    public IReadOnlyDictionary<string, Dictionary<char, long>> MissingCounts => specialMissing;

    /// <summary>
    /// Whether <see cref="ReadBatch"/> refills two sets of arrays in turn instead of allocating new ones.
    /// With it, memory stays at two batches whatever the file's size (large arrays otherwise pile up until a
    /// full garbage collection), but a batch is only valid until the call after next: one batch can be written
    /// while the next is read.
    /// </summary>
    public bool ReuseBatchArrays { get; set; }

    /// <summary>The next batch of at most <paramref name="maxRows"/> rows, or null at the end.</summary>
    public ColumnBatch? ReadBatch(int maxRows)
    {
        if (maxRows <= 0) throw new ArgumentOutOfRangeException(nameof(maxRows));
        if (finished) return null;
        var variables = Member.Variables;
        Array[] values;
        char[]?[] kinds;
        var set = nextSet;
        nextSet = 1 - nextSet;
        if (!ReuseBatchArrays || reusable[set] is not { } existing || variables.Count == 0 || existing.Values[0].Length != maxRows)
        {
            var arrays = new Array[variables.Count];
            var kindArrays = new char[]?[variables.Count];
            for (var i = 0; i < variables.Count; i++)
            {
                arrays[i] = variables[i].Kind == ColumnKind.Numeric ? new double?[maxRows] : new string?[maxRows];
                if (variables[i].Kind == ColumnKind.Numeric) kindArrays[i] = new char[maxRows];
            }
            reusable[set] = ReuseBatchArrays ? (arrays, kindArrays) : null;
            (values, kinds) = (arrays, kindArrays);
        }
        else (values, kinds) = existing;

        var rows = 0;
        while (rows < maxRows && ReadRow())
        {
            for (var i = 0; i < variables.Count; i++)
            {
                var v = variables[i];
                var field = rowBuffer.AsSpan(v.Position, v.Length);
                if (v.Kind == ColumnKind.Numeric)
                {
                    var value = IbmFloat.Decode(field, out var missing);
                    ((double?[])values[i])[rows] = value;
                    kinds[i]![rows] = missing; // '\0' where present, so reused arrays need no clearing
                    if (value is null) Count(v.Name, missing);
                }
                else
                {
                    var end = field.LastIndexOfAnyExcept((byte)' ', (byte)0);
                    ((string?[])values[i])[rows] = end < 0 ? null : Latin1.GetString(field[..(end + 1)]);
                }
            }
            rows++;
        }
        RowsRead += rows;
        return rows == 0 ? null : new ColumnBatch(Columns, values, rows, kinds);
    }

    private void Count(string variable, char missing)
    {
        if (!specialMissing.TryGetValue(variable, out var counts)) specialMissing[variable] = counts = [];
        counts[missing] = counts.GetValueOrDefault(missing) + 1;
    }

    /// <summary>Reads one observation into <see cref="rowBuffer"/>; false at the end of the data.</summary>
    private bool ReadRow()
    {
        var length = Member.RowLength;
        if (length == 0) { finished = true; return false; }
        var start = offset;
        // Another member starts on an 80-byte boundary after blank padding: look before reading it as data.
        var ahead = Peek(length + MemberHeaderPrefix.Length);
        for (var aligned = (int)((Record - start % Record) % Record); aligned + MemberHeaderPrefix.Length <= ahead.Length && aligned < length + 1; aligned += Record)
        {
            if (ahead[aligned] != (byte)'H' || !ahead.Slice(aligned, MemberHeaderPrefix.Length).SequenceEqual(MemberHeaderPrefix)) continue;
            if (ahead[..aligned].IndexOfAnyExcept((byte)' ') >= 0) continue;
            finished = true;
            throw new XptFormatException(SourceName, start + aligned, "several members (data sets) in one file; one was expected");
        }
        var read = ReadFully(rowBuffer.AsSpan(0, length));
        if (read < length)
        {
            finished = true;
            // The last record is padded to 80 bytes with blanks; anything else is a cut-off observation.
            if (rowBuffer.AsSpan(0, read).IndexOfAnyExcept((byte)' ') < 0) return false;
            throw new XptFormatException(SourceName, start, $"truncated record: the file ends {read} bytes into a {length}-byte observation");
        }
        if (rowBuffer.AsSpan(0, length).IndexOfAnyExcept((byte)' ') < 0 && AtEndAfterBlanks())
        {
            finished = true;
            return false; // an all-blank "row" that is only the final record's padding
        }
        return true;
    }

    /// <summary>True when nothing but blanks remains (consumes them).</summary>
    private bool AtEndAfterBlanks()
    {
        Span<byte> rest = stackalloc byte[Record];
        var read = ReadFully(rest);
        if (read == 0 || rest[..read].IndexOfAnyExcept((byte)' ') < 0)
        {
            if (read == Record && Peek(1).Length > 0)
                throw new XptFormatException(SourceName, offset, "unexpected data after the observations' padding");
            return true;
        }
        throw new XptFormatException(SourceName, offset - read, "a blank observation followed by more data: the record layout does not match the variables");
    }

    private int ReadFully(Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            if (bufferStart == bufferEnd && Fill() == 0) break;
            var n = Math.Min(destination.Length - total, bufferEnd - bufferStart);
            buffer.AsSpan(bufferStart, n).CopyTo(destination[total..]);
            bufferStart += n;
            total += n;
        }
        offset += total;
        return total;
    }

    /// <summary>Up to <paramref name="count"/> bytes ahead, without consuming them (fewer at the end of the file).</summary>
    private ReadOnlySpan<byte> Peek(int count)
    {
        if (bufferEnd - bufferStart < count)
        {
            buffer.AsSpan(bufferStart, bufferEnd - bufferStart).CopyTo(buffer);
            bufferEnd -= bufferStart;
            bufferStart = 0;
            while (bufferEnd < count && Fill() > 0) { }
        }
        return buffer.AsSpan(bufferStart, Math.Min(count, bufferEnd - bufferStart));
    }

    private int Fill()
    {
        if (bufferStart == bufferEnd) bufferStart = bufferEnd = 0;
        var n = stream.Read(buffer, bufferEnd, buffer.Length - bufferEnd);
        bufferEnd += n;
        return n;
    }

    private string ReadRecord(string expecting)
    {
        Span<byte> record = stackalloc byte[Record];
        var at = offset;
        var read = ReadFully(record);
        if (read < Record)
            throw new XptFormatException(SourceName, at, read == 0 && at == 0 ? "empty file: not a SAS transport file" : $"truncated record: the file ends while reading {expecting}");
        return Latin1.GetString(record);
    }

    private XptMember ReadHeaders()
    {
        var first = ReadRecord("the library header");
        XptVersion version;
        if (first.StartsWith("HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!", StringComparison.Ordinal)) version = XptVersion.V5;
        else if (first.StartsWith("HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!", StringComparison.Ordinal)) version = XptVersion.V8;
        else throw new XptFormatException(SourceName, 0, "not a SAS transport (XPORT) file: the first record is not a library header");

        var real = ReadRecord("the first real header");
        var sasVersion = real.Substring(24, 8).Trim();
        var os = real.Substring(32, 8).Trim();
        var created = real.Substring(64, 16).Trim();
        ReadRecord("the second real header");

        var memberAt = offset;
        var member = ReadRecord("the member header");
        var memberTag = version == XptVersion.V5 ? "MEMBER  HEADER RECORD" : "MEMBV8  HEADER RECORD";
        if (!member.StartsWith("HEADER RECORD*******" + memberTag, StringComparison.Ordinal))
            throw new XptFormatException(SourceName, memberAt, "no member header after the library header");
        if (!int.TryParse(member.AsSpan(74, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var namestrLength) || namestrLength is not (140 or 136))
            throw new XptFormatException(SourceName, memberAt, $"malformed member header: NAMESTR length '{member.Substring(74, 4)}' (expected 140 or 136)");
        ReadRecord("the descriptor header");
        var descriptor1 = ReadRecord("the member descriptor");
        var descriptor2 = ReadRecord("the member descriptor");
        var name = (version == XptVersion.V5 ? descriptor1.Substring(8, 8) : descriptor1.Substring(8, 32)).Trim();
        var label = descriptor2.Substring(32, 40).Trim();

        var namestrAt = offset;
        var namestrHeader = ReadRecord("the NAMESTR header");
        var namestrTag = version == XptVersion.V5 ? "NAMESTR HEADER RECORD" : "NAMSTV8 HEADER RECORD";
        if (!namestrHeader.StartsWith("HEADER RECORD*******" + namestrTag, StringComparison.Ordinal))
            throw new XptFormatException(SourceName, namestrAt, "malformed member: no NAMESTR header");
        if (!int.TryParse(namestrHeader.AsSpan(54, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new XptFormatException(SourceName, namestrAt, $"malformed NAMESTR header: variable count '{namestrHeader.Substring(54, 4)}'");

        var variables = ReadNamestrs(count, namestrLength, version);
        var next = ReadRecord("the observation header");
        if (version == XptVersion.V8 && (next.StartsWith("HEADER RECORD*******LABELV8 HEADER RECORD", StringComparison.Ordinal)
                                      || next.StartsWith("HEADER RECORD*******LABELV9 HEADER RECORD", StringComparison.Ordinal)))
        {
            variables = ReadLongLabels(variables, next, isV9: next[20..27] == "LABELV9");
            next = ReadRecord("the observation header");
        }
        var obsTag = version == XptVersion.V5 ? "OBS     HEADER RECORD" : "OBSV8   HEADER RECORD";
        if (!next.StartsWith("HEADER RECORD*******" + obsTag, StringComparison.Ordinal))
            throw new XptFormatException(SourceName, offset - Record, "malformed member: no observation header after the variable descriptions");
        return new XptMember(name, label.Length == 0 ? null : label, version, variables, sasVersion, os, created);
    }

    private List<XptVariable> ReadNamestrs(int count, int namestrLength, XptVersion version)
    {
        var at = offset;
        var bytes = count * namestrLength;
        var padded = (bytes + Record - 1) / Record * Record;
        var buffer = new byte[padded];
        if (ReadFully(buffer) < padded)
            throw new XptFormatException(SourceName, at, $"truncated record: the file ends inside the {count} NAMESTR records");
        var variables = new List<XptVariable>(count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < count; i++)
        {
            var start = at + (long)i * namestrLength;
            var n = buffer.AsSpan(i * namestrLength, namestrLength);
            var type = BinaryPrimitives.ReadInt16BigEndian(n);
            var length = BinaryPrimitives.ReadInt16BigEndian(n[4..]);
            var number = BinaryPrimitives.ReadInt16BigEndian(n[6..]);
            var shortName = Latin1.GetString(n.Slice(8, 8)).Trim();
            var label = Latin1.GetString(n.Slice(16, 40)).Trim();
            var format = FormatText(Latin1.GetString(n.Slice(56, 8)).Trim(), BinaryPrimitives.ReadInt16BigEndian(n[64..]), BinaryPrimitives.ReadInt16BigEndian(n[66..]));
            var informat = FormatText(Latin1.GetString(n.Slice(72, 8)).Trim(), BinaryPrimitives.ReadInt16BigEndian(n[80..]), BinaryPrimitives.ReadInt16BigEndian(n[82..]));
            var position = BinaryPrimitives.ReadInt32BigEndian(n[84..]);
            var name = shortName;
            if (version == XptVersion.V8 && namestrLength >= 120)
            {
                var longName = Latin1.GetString(n.Slice(88, 32)).Trim();
                if (longName.Length > 0) name = longName;
            }
            if (type is not (1 or 2))
                throw new XptFormatException(SourceName, start, $"malformed NAMESTR for variable {i + 1}: type {type} (expected 1 numeric or 2 character)");
            if (name.Length == 0)
                throw new XptFormatException(SourceName, start, $"malformed NAMESTR for variable {i + 1}: empty name");
            if (type == 1 && length is < 2 or > 8)
                throw new XptFormatException(SourceName, start, $"malformed NAMESTR for '{name}': numeric length {length} (expected 2 to 8)");
            if (length <= 0 || position < 0)
                throw new XptFormatException(SourceName, start, $"malformed NAMESTR for '{name}': length {length}, position {position}");
            if (!names.Add(name))
                throw new XptFormatException(SourceName, start, $"malformed NAMESTR: variable '{name}' appears twice");
            variables.Add(new XptVariable(number, name, type == 1 ? ColumnKind.Numeric : ColumnKind.Text, length, position,
                label.Length == 0 ? null : label, format, informat));
        }
        return variables;
    }

    private List<XptVariable> ReadLongLabels(List<XptVariable> variables, string header, bool isV9)
    {
        var at = offset - Record;
        if (!int.TryParse(header.AsSpan(48, 30).Trim().TrimStart('0'), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && header.AsSpan(48, 30).Trim().TrimStart('0').Length > 0)
            throw new XptFormatException(SourceName, at, "malformed long-label header");
        var byNumber = variables.ToDictionary(v => v.Number);
        var consumed = 0L;
        var head = new byte[10];
        for (var i = 0; i < count; i++)
        {
            var fields = isV9 ? 5 : 3;
            if (ReadFully(head.AsSpan(0, fields * 2)) < fields * 2) throw new XptFormatException(SourceName, offset, "truncated record inside the long labels");
            consumed += fields * 2;
            int Field(int k) => BinaryPrimitives.ReadInt16BigEndian(head.AsSpan(k * 2));
            var number = Field(0);
            var lengths = Enumerable.Range(1, fields - 1).Select(Field).ToArray();
            var texts = new string[lengths.Length];
            for (var k = 0; k < lengths.Length; k++)
            {
                if (lengths[k] < 0) throw new XptFormatException(SourceName, offset, "malformed long-label entry: negative length");
                var bytes = new byte[lengths[k]];
                if (ReadFully(bytes) < bytes.Length) throw new XptFormatException(SourceName, offset, "truncated record inside the long labels");
                consumed += bytes.Length;
                texts[k] = Latin1.GetString(bytes).Trim();
            }
            if (!byNumber.TryGetValue(number, out var variable))
                throw new XptFormatException(SourceName, offset, $"long label for variable number {number}, which does not exist");
            // v8: name, label. v9: name, label, format, informat.
            byNumber[number] = variable with
            {
                Label = texts[1].Length > 0 ? texts[1] : variable.Label,
                Format = isV9 && texts[2].Length > 0 ? texts[2] : variable.Format,
                Informat = isV9 && texts[3].Length > 0 ? texts[3] : variable.Informat,
            };
        }
        var padding = (Record - consumed % Record) % Record;
        if (padding > 0) ReadFully(new byte[padding]);
        return variables.Select(v => byNumber[v.Number]).ToList();
    }

    private static string? FormatText(string name, short width, short decimals) =>
        name.Length == 0 && width == 0 ? null
        : decimals > 0 ? $"{name}{width}.{decimals}"
        : width > 0 ? $"{name}{width}." : name;

    public void Dispose()
    {
        if (ownsStream) stream.Dispose();
    }
}
