using System.Buffers.Binary;
using System.Globalization;

namespace PopHealth.Ingest.Xpt;

/// <summary>The header records: library, member, NAMESTRs, v8/v9 long labels. Each number is checked before it sizes anything.</summary>
public sealed partial class XptReader
{
    /// <summary>
    /// Longest observation accepted (1 GiB): far beyond any survey file (BRFSS rows are a few KB) and keeps every
    /// offset within an int. Memory is not sized by it: buffers grow only as the file's bytes arrive.
    /// </summary>
    private const long MaxRowLength = 1L << 30;

    private string ReadRecord(string expecting)
    {
        Span<byte> record = stackalloc byte[Record];
        var at = offset;
        var read = ReadFully(record);
        if (read < Record)
            throw Malformed(at,
                read == 0 && at == 0 ? "empty file: not a SAS transport file" : $"truncated record: the file ends while reading {expecting}");
        return Latin1.GetString(record);
    }

    private XptMember ReadHeaders()
    {
        var first = ReadRecord("the library header");
        XptVersion version;
        if (first.StartsWith("HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!", StringComparison.Ordinal)) version = XptVersion.V5;
        else if (first.StartsWith("HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!", StringComparison.Ordinal)) version = XptVersion.V8;
        else if (first.StartsWith("**COMPRESSED**", StringComparison.Ordinal))
            throw Malformed(0,
                "a SAS CPORT file (PROC CPORT output), not a transport (XPORT) file; in SAS, " +
                "export the data set with PROC COPY to an XPORT library (libname x xport \"file.xpt\";) or in R with haven::write_xpt");
        else throw Malformed(0, "not a SAS transport (XPORT) file: the first record is not a library header");

        var real = ReadRecord("the first real header");
        var sasVersion = real.Substring(24, 8).Trim();
        var os = real.Substring(32, 8).Trim();
        var created = real.Substring(64, 16).Trim();
        ReadRecord("the second real header");

        var memberAt = offset;
        var member = ReadRecord("the member header");
        var memberTag = version == XptVersion.V5 ? "MEMBER  HEADER RECORD" : "MEMBV8  HEADER RECORD";
        if (!member.StartsWith("HEADER RECORD*******" + memberTag, StringComparison.Ordinal))
            throw Malformed(memberAt, "no member header after the library header");
        if (!int.TryParse(member.AsSpan(74, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var namestrLength)
            || namestrLength is not (140 or 136))
            throw Malformed(memberAt, $"malformed member header: NAMESTR length '{member.Substring(74, 4)}' (expected 140 or 136)");
        ReadRecord("the descriptor header");
        var descriptor1 = ReadRecord("the member descriptor");
        var descriptor2 = ReadRecord("the member descriptor");
        var name = (version == XptVersion.V5 ? descriptor1.Substring(8, 8) : descriptor1.Substring(8, 32)).Trim();
        var label = descriptor2.Substring(32, 40).Trim();

        var namestrAt = offset;
        var namestrHeader = ReadRecord("the NAMESTR header");
        var namestrTag = version == XptVersion.V5 ? "NAMESTR HEADER RECORD" : "NAMSTV8 HEADER RECORD";
        if (!namestrHeader.StartsWith("HEADER RECORD*******" + namestrTag, StringComparison.Ordinal))
            throw Malformed(namestrAt, "malformed member: no NAMESTR header");
        // Five digits, as ReadStat reads them (SAS writes "000000" and four digits; v8 may need the fifth).
        if (!int.TryParse(namestrHeader.AsSpan(53, 5), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw Malformed(namestrAt, $"malformed NAMESTR header: variable count '{namestrHeader.Substring(53, 5)}'");

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
            throw Malformed(offset - Record, "malformed member: no observation header after the variable descriptions");
        return new XptMember(name, label.Length == 0 ? null : label, version, variables, sasVersion, os, created);
    }

    /// <summary>
    /// The NAMESTR records, one at a time (nothing is sized by the count before the file holds the records), with
    /// the observation layout: see <see cref="LayOut"/>.
    /// </summary>
    private List<XptVariable> ReadNamestrs(int count, int namestrLength, XptVersion version)
    {
        var at = offset;
        var variables = new List<XptVariable>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var numbers = new HashSet<int>();
        var declaredPositions = new List<int>();
        Span<byte> n = stackalloc byte[namestrLength];
        for (var i = 0; i < count; i++)
        {
            var start = offset;
            if (ReadFully(n) < namestrLength)
                throw Malformed(start, $"truncated record: the file ends inside NAMESTR {i + 1} of {count}");
            var variable = ParseNamestr(n, i, start, namestrLength, version);
            if (!names.Add(variable.Name))
                throw Malformed(start, $"malformed NAMESTR: variable '{variable.Name}' appears twice");
            // v8 long labels refer to variables by number, so two variables may not share one.
            if (version == XptVersion.V8 && !numbers.Add(variable.Number))
                throw Malformed(start, $"malformed NAMESTR for '{variable.Name}': variable number {variable.Number} is used twice");
            variables.Add(variable);
            declaredPositions.Add(variable.Position);
        }
        var padding = (int)((Record - (long)count * namestrLength % Record) % Record);
        Span<byte> skip = stackalloc byte[Record];
        if (ReadFully(skip[..padding]) < padding)
            throw Malformed(offset, "truncated record: the file ends inside the NAMESTR records' padding");
        return LayOut(variables, declaredPositions, at, namestrLength);
    }

    private XptVariable ParseNamestr(ReadOnlySpan<byte> n, int i, long start, int namestrLength, XptVersion version)
    {
        var type = BinaryPrimitives.ReadInt16BigEndian(n);
        var length = BinaryPrimitives.ReadInt16BigEndian(n[4..]);
        var number = BinaryPrimitives.ReadInt16BigEndian(n[6..]);
        var shortName = Latin1.GetString(n.Slice(8, 8)).Trim();
        var label = Latin1.GetString(n.Slice(16, 40)).Trim();
        var format = FormatText(Latin1.GetString(n.Slice(56, 8)).Trim(), BinaryPrimitives.ReadInt16BigEndian(n[64..]),
            BinaryPrimitives.ReadInt16BigEndian(n[66..]));
        var informat = FormatText(Latin1.GetString(n.Slice(72, 8)).Trim(), BinaryPrimitives.ReadInt16BigEndian(n[80..]),
            BinaryPrimitives.ReadInt16BigEndian(n[82..]));
        var position = BinaryPrimitives.ReadInt32BigEndian(n[84..]);
        var name = shortName;
        if (version == XptVersion.V8 && namestrLength >= 120)
        {
            var longName = Latin1.GetString(n.Slice(88, 32)).Trim();
            if (longName.Length > 0) name = longName;
        }
        if (type is not (1 or 2))
            throw Malformed(start, $"malformed NAMESTR for variable {i + 1}: type {type} (expected 1 numeric or 2 character)");
        if (name.Length == 0)
            throw Malformed(start, $"malformed NAMESTR for variable {i + 1}: empty name");
        if (type == 1 && length is < 2 or > 8)
            throw Malformed(start, $"malformed NAMESTR for '{name}': numeric length {length} (expected 2 to 8)");
        if (length <= 0 || position < 0)
            throw Malformed(start, $"malformed NAMESTR for '{name}': length {length}, position {position}");
        return new XptVariable(number, name, type == 1 ? ColumnKind.Numeric : ColumnKind.Text, length, position,
            label.Length == 0 ? null : label, format, informat);
    }

    /// <summary>
    /// Where each field sits in an observation. The rule, as ReadStat (haven) and pandas read transport files: fields
    /// follow one another in variable order, and the observation is their lengths end to end. The NAMESTR positions
    /// (npos) usually say the same; where they disagree, variable order wins, because SAS 9.1 wrote v8 files whose
    /// npos follow the data set's physical order (numerics first: 0, 8, 16, …) while the observation bytes are in
    /// variable order. A position outside the observation (npos + length beyond the row length) is a corrupt
    /// header, not a layout: refused.
    /// </summary>
    private List<XptVariable> LayOut(List<XptVariable> variables, List<int> declaredPositions, long namestrAt, int namestrLength)
    {
        var total = variables.Sum(v => (long)v.Length);
        if (total > MaxRowLength)
            throw Malformed(namestrAt,
                $"malformed NAMESTRs: the variables' lengths add up to a {total:N0}-byte observation (at most {MaxRowLength:N0} accepted)");
        var laidOut = new List<XptVariable>(variables.Count);
        var position = 0;
        for (var i = 0; i < variables.Count; i++)
        {
            var v = variables[i];
            if ((long)declaredPositions[i] + v.Length > total)
                throw Malformed(namestrAt + (long)i * namestrLength,
                    $"malformed NAMESTR for '{v.Name}': " +
                    $"position {declaredPositions[i]:N0} + length {v.Length} runs past the {total:N0}-byte observation");
            laidOut.Add(v with { Position = position });
            position += v.Length;
        }
        return laidOut;
    }

    private List<XptVariable> ReadLongLabels(List<XptVariable> variables, string header, bool isV9)
    {
        var at = offset - Record;
        var digits = header.AsSpan(48, 30).Trim().TrimStart('0');
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && digits.Length > 0)
            throw Malformed(at, "malformed long-label header");
        if (count > variables.Count)
            throw Malformed(at, $"malformed long-label header: {count:N0} long labels for {variables.Count:N0} variables");
        var byNumber = variables.ToDictionary(v => v.Number);
        var consumed = 0L;
        var fields = isV9 ? 5 : 3;
        Span<byte> head = stackalloc byte[10];
        for (var i = 0; i < count; i++)
        {
            var entryAt = offset;
            if (ReadFully(head[..(fields * 2)]) < fields * 2) throw Malformed(offset, "truncated record inside the long labels");
            var number = BinaryPrimitives.ReadInt16BigEndian(head);
            var texts = new string[fields - 1];
            consumed += fields * 2;
            for (var k = 0; k < texts.Length; k++)
            {
                var length = BinaryPrimitives.ReadInt16BigEndian(head[((k + 1) * 2)..]);
                if (length < 0) throw Malformed(entryAt, "malformed long-label entry: negative length");
                var bytes = new byte[length]; // at most 32 KB
                if (ReadFully(bytes) < bytes.Length) throw Malformed(offset, "truncated record inside the long labels");
                consumed += bytes.Length;
                texts[k] = Latin1.GetString(bytes).Trim();
            }
            if (!byNumber.TryGetValue(number, out var variable))
                throw Malformed(entryAt, $"long label for variable number {number}, which does not exist");
            // v8: name, label. v9: name, label, format, informat.
            byNumber[number] = variable with
            {
                Label = texts[1].Length > 0 ? texts[1] : variable.Label,
                Format = isV9 && texts[2].Length > 0 ? texts[2] : variable.Format,
                Informat = isV9 && texts[3].Length > 0 ? texts[3] : variable.Informat,
            };
        }
        var padding = (int)((Record - consumed % Record) % Record);
        Span<byte> skip = stackalloc byte[Record];
        if (ReadFully(skip[..padding]) < padding) throw Malformed(offset, "truncated record inside the long labels' padding");
        return variables.Select(v => byNumber[v.Number]).ToList();
    }

    private static string? FormatText(string name, short width, short decimals) =>
        name.Length == 0 && width == 0 ? null
        : decimals > 0 ? $"{name}{width}.{decimals}"
        : width > 0 ? $"{name}{width}." : name;
}
