using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PopHealth.Workbook;

/// <summary>
/// Parquet page checksums, which Parquet.Net 6.1 neither writes nor checks. The format's <c>PageHeader.crc</c> (field 4,
/// i32) is the standard CRC-32 (polynomial 0x04C11DB7, as in gzip) of the page as stored after its header — compressed,
/// for every page type. <see cref="PageChecksumStream"/> sets that field in every page header as Parquet.Net writes (and
/// <see cref="Add"/> copies a file through it), with the footer's offsets and sizes moved to match (headers grow by a
/// few bytes); <see cref="Verify"/> checks every page that carries one, so a damaged page is an error naming the file,
/// column and byte offset instead of wrong values. Files from other writers without checksums are read as before.
/// <para>
/// The footer is covered too. The files the workbook writes carry the footer's own CRC-32 in its key-value metadata
/// (<see cref="FooterChecksumKey"/>, computed with that value as eight zeros), so any change to it is refused. Every
/// file, whoever wrote it, must agree with itself: its row groups' row counts with the values its columns' pages hold
/// (Parquet.Net pads a column with nulls up to a row count raised in the footer, inventing respondents), the file's row
/// count with its row groups', and each column chunk with the schema's column of its place.
/// </para>
/// </summary>
public static class ParquetChecksums
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    /// <summary>The key-value metadata entry holding the footer's CRC-32 in the files the workbook writes (hex, eight digits).</summary>
    public const string FooterChecksumKey = "pophealth.footer_crc32";
    private static readonly byte[] FooterChecksumPlaceholder = "00000000"u8.ToArray();

    /// <summary>
    /// One column chunk: where its pages are, the footer structs that describe it, the values its footer says it holds,
    /// its row group's rows, and whether its column repeats (then values and rows differ by design).
    /// </summary>
    private sealed record Chunk(int RowGroup, string Column, long Start, long Length, ThriftStruct ColumnChunk, ThriftStruct Meta, long Values,
        long Rows, bool Repeated);

    /// <summary>A leaf of the schema: its dotted path, physical type, whether it or a parent repeats, and whether it is required.</summary>
    private sealed record Leaf(string Path, long? Type, bool Repeated, bool Required);

    /// <summary>Fields Parquet defines in FileMetaData (1 version … 9 footer signing key); any other is a damaged field header.</summary>
    private const int FileMetaDataFields = 9;

    /// <summary>One page inside a chunk's bytes: where its header starts, how long the header is, its header and data length.</summary>
    private sealed record Page(int Offset, int HeaderLength, ThriftStruct Header, int DataLength);

    /// <summary>
    /// Copies the Parquet file <paramref name="source"/> (as Parquet.Net writes them: pages from its magic to its footer)
    /// to the new file <paramref name="target"/> with every page's CRC-32 in its header, and the footer's page offsets,
    /// chunk and row-group sizes moved by the bytes the headers grew: what
    /// <see cref="ParquetFrames.WriteAsync(string, Parquet.Schema.ParquetSchema, Func{Parquet.ParquetWriter, Task},
    /// IReadOnlyDictionary{string, string}?, Parquet.ParquetOptions?, Func{string, Task}?)"/>
    /// does while Parquet.Net writes, through the same <see cref="PageChecksumStream"/>.
    /// </summary>
    public static void Add(string source, string target)
    {
        using var input = File.OpenHandle(source);
        var (_, footerStart) = ReadFooter(input, source);
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        var pages = new PageChecksumStream(output, source);
        var buffer = new byte[1 << 16];
        var length = RandomAccess.GetLength(input);
        for (long at = 0; at < length;)
        {
            if (at == footerStart) pages.EndOfPages();
            var read = RandomAccess.Read(input, buffer.AsSpan(0, (int)Math.Min(buffer.Length, (at < footerStart ? footerStart : length) - at)), at);
            if (read <= 0) throw NotParquet(source, "it is cut short");
            pages.Write(buffer.AsSpan(0, read));
            at += read;
        }
        pages.Finish();
        output.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Checks every page of <paramref name="path"/> that carries a CRC-32 against its bytes; a mismatch, or a page that
    /// does not fit its column chunk, is an <see cref="InvalidDataException"/> naming the file, column, row group and byte offset.
    /// Pages without a checksum (other writers) are skipped. Returns how many pages the file has and how many were checked.
    /// </summary>
    public static (int Pages, int Checked) Verify(string path)
    {
        var (pages, verified, _) = VerifyWithFooter(path);
        return (pages, verified);
    }

    /// <summary><see cref="Verify"/>, with the footer it held the pages against (what a reader then opens the file with).</summary>
    internal static (int Pages, int Checked, FooterSummary Footer) VerifyWithFooter(string path)
    {
        using var input = File.OpenHandle(path);
        var (metadata, footerStart) = ReadFooter(input, path);
        var (pages, verified, bytes) = (0, 0, Array.Empty<byte>());
        foreach (var chunk in Chunks(metadata, path))
        {
            ReadChunk(input, chunk, footerStart, path, ref bytes);
            var (values, rows, anyV2) = (0L, 0L, false);
            foreach (var page in Pages(bytes, chunk, path))
            {
                pages++;
                CountValues(page, chunk, path, ref values, ref rows, ref anyV2);
                if (page.Header.Number(4) is not { } stored) continue;
                var computed = Crc32.HashToUInt32(bytes.AsSpan(page.Offset + page.HeaderLength, page.DataLength));
                if (unchecked((uint)stored) != computed)
                    throw new InvalidDataException($"{path}: column '{chunk.Column}' (row group {chunk.RowGroup + 1}) " +
                        $"has a damaged page at byte offset {chunk.Start + page.Offset:N0}: its CRC-32 is 0x{computed:x8}, " +
                        $"its header says 0x{unchecked((uint)stored):x8}. The file changed after it was written; write it again from its source.");
                verified++;
            }
            if (values != chunk.Values)
                throw FooterDamaged(path,
                    $"column '{chunk.Column}' (row group {chunk.RowGroup + 1}) holds {values:N0} values in its pages, " +
                    $"but the footer says {chunk.Values:N0}");
            // A repeated column's values are not rows: only v2 pages count its rows.
            if ((chunk.Repeated ? anyV2 ? rows : (long?)null : values) is { } pageRows && pageRows != chunk.Rows)
                throw FooterDamaged(path,
                    $"row group {chunk.RowGroup + 1} says it has {chunk.Rows:N0} rows, " +
                    $"but column '{chunk.Column}' holds {pageRows:N0} in its pages (a reader would invent or drop rows)");
        }
        return (pages, verified, Summary(metadata, path));
    }

    /// <summary>
    /// Checks the footer of <paramref name="path"/> without reading its pages: its own checksum when it carries one, and that
    /// its row counts, value counts and columns agree with each other and with its schema. What every open of a Parquet file
    /// does first (<see cref="ParquetFrames.OpenAsync(string)"/>); <see cref="Verify"/> also holds each page against it.
    /// </summary>
    public static FooterSummary VerifyFooter(string path)
    {
        using var input = File.OpenHandle(path);
        var (metadata, _) = ReadFooter(input, path);
        _ = Chunks(metadata, path).Count(); // checks every chunk against the schema and its row group
        return Summary(metadata, path);
    }

    /// <summary>The rows, row groups' rows and columns of a footer whose chunks <see cref="Chunks"/> has checked.</summary>
    private static FooterSummary Summary(ThriftStruct metadata, string path)
    {
        var groups = ((metadata[4] as ThriftList)?.Items ?? []).OfType<ThriftStruct>().Select(g => g.Number(3)!.Value).ToArray();
        return new FooterSummary(groups.Sum(), groups, Leaves(metadata, path).Select(l => l.Path).ToArray());
    }

    /// <summary>
    /// Refuses <paramref name="path"/> unless a reader's view of it (its row count, row groups' rows and columns) is the footer's
    /// as <see cref="VerifyFooter"/> read it: a damaged footer can send two parsers different ways (Parquet.Net has read a
    /// footer whose schema holds an unknown field as one without row groups: a table of no rows).
    /// </summary>
    public static void CheckSameView(string path, FooterSummary footer, long rows, IReadOnlyList<long> groupRows, IReadOnlyList<string> columns)
    {
        if (rows != footer.Rows || !groupRows.SequenceEqual(footer.GroupRows) || !columns.SequenceEqual(footer.Columns))
            throw FooterDamaged(path,
                $"Parquet.Net reads {rows:N0} rows in {groupRows.Count:N0} row groups and columns {string.Join(", ", columns)}, " +
                $"the footer says {footer.Rows:N0} rows in {footer.GroupRows.Count:N0} and {string.Join(", ", footer.Columns)}");
    }

    /// <summary>Adds a data page's value count (and, for a v2 page, its row count) to the chunk's; dictionary and index pages hold no rows.</summary>
    private static void CountValues(Page page, Chunk chunk, string path, ref long values, ref long rows, ref bool anyV2)
    {
        switch (page.Header.Number(1))
        {
            case 0: // DATA_PAGE: num_values counts every value, nulls included (definition levels)
                values += (page.Header[5] as ThriftStruct)?.Number(1) is { } v and >= 0 ? v
                    : throw Damaged(path, chunk, page.Offset, "its data page header gives no number of values");
                break;
            case 3: // DATA_PAGE_V2: num_values and num_rows
                var v2 = page.Header[8] as ThriftStruct;
                if (v2?.Number(1) is not { } n || n < 0 || v2.Number(3) is not { } r || r < 0)
                    throw Damaged(path, chunk, page.Offset, "its data page header gives no number of values or rows");
                (values, rows, anyV2) = (values + n, rows + r, true);
                break;
            case 1 or 2: break; // INDEX_PAGE, DICTIONARY_PAGE
            default: throw Damaged(path, chunk, page.Offset,
                $"its page type {page.Header.Number(1)?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} is not one Parquet has");
        }
    }

    internal static InvalidDataException FooterDamaged(string path, string what) =>
        new($"{path}: the footer is damaged: {what}. The file changed after it was written; write it again from its source.");

    private static (ThriftStruct Metadata, long Start) ReadFooter(SafeFileHandle input, string path)
    {
        var length = RandomAccess.GetLength(input);
        Span<byte> tail = stackalloc byte[8];
        Span<byte> head = stackalloc byte[4];
        if (length < 12 || RandomAccess.Read(input, tail, length - 8) != 8 || RandomAccess.Read(input, head, 0) != 4
            || !tail[4..].SequenceEqual(Magic) || !head.SequenceEqual(Magic))
            throw NotParquet(path, "no PAR1 marks at its start and end");
        var footerLength = BitConverter.ToInt32(tail);
        var start = length - 8 - footerLength;
        if (footerLength <= 0 || start < 4) throw NotParquet(path, $"a footer length of {footerLength:N0} bytes does not fit the file");
        var footer = new byte[footerLength];
        if (RandomAccess.Read(input, footer, start) != footerLength) throw NotParquet(path, "its footer is cut short");
        ThriftStruct metadata;
        var position = 0;
        try { metadata = ThriftStruct.Read(footer, ref position); }
        catch (InvalidDataException e)
        {
            throw NotParquet(path, $"its footer is damaged: {e.Message}");
        }
        if (position != footerLength) throw FooterDamaged(path, $"its metadata ends {footerLength - position:N0} bytes before the footer does");
        if (metadata.Fields.Where(f => f.Id is < 1 or > FileMetaDataFields).Select(f => (int?)f.Id).FirstOrDefault() is { } unknown)
            throw FooterDamaged(path, $"it holds field {unknown}, which Parquet does not define");
        CheckFooterChecksum(metadata, path);
        return (metadata, start);
    }

    /// <summary>The key-value entry <see cref="FooterChecksumKey"/> of a footer (added when <paramref name="create"/>), or null.</summary>
    private static ThriftStruct? FooterChecksumEntry(ThriftStruct metadata, bool create)
    {
        var key = Encoding.ASCII.GetBytes(FooterChecksumKey);
        if (metadata[5] is not ThriftList list)
        {
            if (!create) return null;
            metadata.Put(5, ThriftStruct.List, list = new ThriftList(ThriftStruct.Struct, []));
        }
        // Reading, the key may sit in another field (its field header changed): any text of the entry counts.
        if (list.Items.OfType<ThriftStruct>().FirstOrDefault(e => create
                ? e[1] is byte[] k && k.AsSpan().SequenceEqual(key)
                : e.Fields.Any(f => f.Value is byte[] k && IsChecksumKey(k, key))) is { } found) return found;
        if (!create) return null;
        var entry = new ThriftStruct();
        entry.Put(1, ThriftStruct.Binary, key);
        list.Items.Add(entry);
        return entry;
    }

    /// <summary>
    /// Whether <paramref name="candidate"/>, read from a footer, is the checksum's key, or a key a byte or two from it, or cut
    /// short (a changed length): the checksum damaged, which must not pass for a footer without one.
    /// </summary>
    private static bool IsChecksumKey(byte[] candidate, byte[] key)
    {
        if (candidate.Length == key.Length) return Enumerable.Range(0, key.Length).Count(i => candidate[i] != key[i]) <= 2;
        var common = Math.Min(candidate.Length, key.Length);
        return common >= "pophealth.footer".Length && candidate.AsSpan(0, common).SequenceEqual(key.AsSpan(0, common));
    }

    /// <summary>The CRC-32 of the footer's bytes with its checksum entry's value set to eight zeros.</summary>
    private static uint FooterChecksum(ThriftStruct metadata, ThriftStruct entry)
    {
        var stored = entry[2];
        entry.Put(2, ThriftStruct.Binary, FooterChecksumPlaceholder);
        var crc = Crc32.HashToUInt32(metadata.ToBytes());
        if (stored is not null) entry.Put(2, ThriftStruct.Binary, stored);
        return crc;
    }

    /// <summary>Sets the footer's own checksum (<see cref="FooterChecksumKey"/>): the last change before the footer is written.</summary>
    internal static void SealFooter(ThriftStruct metadata)
    {
        var entry = FooterChecksumEntry(metadata, create: true)!;
        entry.Put(2, ThriftStruct.Binary, Encoding.ASCII.GetBytes(FooterChecksum(metadata, entry).ToString("x8", CultureInfo.InvariantCulture)));
    }

    /// <summary>A footer that carries its own checksum must match it; footers from other writers carry none.</summary>
    private static void CheckFooterChecksum(ThriftStruct metadata, string path)
    {
        if (FooterChecksumEntry(metadata, create: false) is not { } entry) return;
        var computed = FooterChecksum(metadata, entry).ToString("x8", CultureInfo.InvariantCulture);
        var stored = entry[2] is byte[] value ? Encoding.ASCII.GetString(value) : "(none)";
        if (stored != computed || entry[1] is not byte[] key || Encoding.ASCII.GetString(key) != FooterChecksumKey)
            throw FooterDamaged(path, $"its CRC-32 is 0x{computed}, but it says 0x{stored}");
    }

    /// <summary>
    /// The column chunks the footer lists (row group 4 → columns 1 → meta data 3: data page 9, dictionary page 11, size 7,
    /// path 3, type 1, values 5), each checked against the schema's leaf of its place and its row group's row count (3);
    /// the file's row count (3) must be its row groups' sum.
    /// </summary>
    private static IEnumerable<Chunk> Chunks(ThriftStruct metadata, string path)
    {
        var leaves = Leaves(metadata, path);
        var groups = (metadata[4] as ThriftList)?.Items ?? [];
        long total = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            if (groups[g] is not ThriftStruct group || group.Number(3) is not { } rows || rows < 0)
                throw FooterDamaged(path, $"row group {g + 1} gives no number of rows");
            total += rows;
            var columns = (group[1] as ThriftList)?.Items ?? [];
            if (columns.Count != leaves.Count)
                throw FooterDamaged(path, $"row group {g + 1} has {columns.Count:N0} columns, but the schema {leaves.Count:N0}");
            for (var c = 0; c < columns.Count; c++)
            {
                if (columns[c] is not ThriftStruct { } chunk || chunk[3] is not ThriftStruct meta || meta.Number(9) is not { } dataPage
                    || meta.Number(7) is not { } size)
                    throw NotParquet(path, $"row group {g + 1} has a column without its page offsets");
                var name = string.Join('.', ((meta[3] as ThriftList)?.Items ?? []).OfType<byte[]>().Select(b => Encoding.UTF8.GetString(b)));
                if (name != leaves[c].Path || meta.Number(1) != leaves[c].Type)
                    throw FooterDamaged(path,
                        $"column {c + 1} of row group {g + 1} is '{name}' of type {meta.Number(1)}, " +
                        $"but the schema's is '{leaves[c].Path}' of type {leaves[c].Type}");
                if (meta.Number(5) is not { } values || values < 0 || (!leaves[c].Repeated && values != rows))
                    throw FooterDamaged(path,
                        $"row group {g + 1} says it has {rows:N0} rows, " +
                        $"but its column '{name}' holds {(meta.Number(5) is { } v ? $"{v:N0} values" : "no number of values")} " +
                        $"(a reader would invent or drop rows)");
                // A required column holds no nulls: statistics (12) counting some (3) mean its repetition was changed.
                if (leaves[c].Required && (meta[12] as ThriftStruct)?.Number(3) is > 0 and var nulls)
                    throw FooterDamaged(path,
                        $"column '{name}' is required (no nulls), but its statistics count {nulls:N0} nulls in row group {g + 1}");
                var start = meta.Number(11) is > 0 and var dictionary && dictionary < dataPage ? dictionary : dataPage;
                yield return new Chunk(g, name, start, size, chunk, meta, values, rows, leaves[c].Repeated);
            }
        }
        if (metadata.Number(3) != total)
            throw FooterDamaged(path, string.Create(CultureInfo.InvariantCulture,
                $"the file says it has {metadata.Number(3)?.ToString("N0", CultureInfo.InvariantCulture) ?? "no number of"} rows, " +
                $"but its row groups {total:N0}"));
    }

    /// <summary>The schema's leaves (list 2 of elements: type 1, repetition 3, name 4, children 5), depth first, below its root.</summary>
    private static List<Leaf> Leaves(ThriftStruct metadata, string path)
    {
        var elements = ((metadata[2] as ThriftList)?.Items ?? []).OfType<ThriftStruct>().ToList();
        if (elements.Count == 0) throw FooterDamaged(path, "it has no schema");
        var leaves = new List<Leaf>();
        var next = 1;
        void Walk(long children, string parent, bool repeated, int depth)
        {
            if (depth > 64) throw FooterDamaged(path, "its schema nests too deep");
            for (var i = 0; i < children; i++)
            {
                if (next >= elements.Count) throw FooterDamaged(path, "its schema lists fewer columns than its groups say");
                var element = elements[next++];
                var name = element[4] is byte[] bytes ? Encoding.UTF8.GetString(bytes)
                    : throw FooterDamaged(path, $"schema element {next} has no name");
                var full = parent.Length == 0 ? name : parent + "." + name;
                var repeats = repeated || element.Number(3) == 2;
                if (element.Number(5) is > 0 and var count) Walk(count, full, repeats, depth + 1);
                else leaves.Add(new Leaf(full, element.Number(1), repeats, element.Number(3) == 0));
            }
        }
        Walk(elements[0].Number(5) ?? 0, "", false, 0);
        if (next != elements.Count) throw FooterDamaged(path, $"its schema has {elements.Count - next:N0} elements outside its root");
        return leaves;
    }

    /// <summary>
    /// Reads a column chunk's bytes into <paramref name="bytes"/> (grown when too small; the chunk is its first
    /// <see cref="Chunk.Length"/> bytes).
    /// </summary>
    private static void ReadChunk(SafeFileHandle input, Chunk chunk, long footerStart, string path, ref byte[] bytes)
    {
        if (chunk.Start < 4 || chunk.Length < 0 || chunk.Start + chunk.Length > footerStart || chunk.Length > int.MaxValue)
            throw new InvalidDataException($"{path}: column '{chunk.Column}' (row group {chunk.RowGroup + 1}) " +
                $"claims bytes {chunk.Start:N0}–{chunk.Start + chunk.Length:N0}, outside the file's pages.");
        if (bytes.Length < chunk.Length) bytes = new byte[chunk.Length];
        if (RandomAccess.Read(input, bytes.AsSpan(0, (int)chunk.Length), chunk.Start) != chunk.Length) throw NotParquet(path, "it is cut short");
    }

    /// <summary>The pages of one chunk's bytes, which they must fill exactly.</summary>
    private static List<Page> Pages(byte[] bytes, Chunk chunk, string path)
    {
        var pages = new List<Page>();
        var length = (int)chunk.Length;
        for (var position = 0; position < length;)
        {
            var start = position;
            ThriftStruct header;
            try { header = ThriftStruct.Read(bytes.AsSpan(0, length), ref position); }
            catch (InvalidDataException e) { throw Damaged(path, chunk, start, $"its page header cannot be read ({e.Message})"); }
            if (header.Number(3) is not { } size || size < 0 || size > length - position)
                throw Damaged(path, chunk, start,
                    $"its page header gives {header.Number(3)?.ToString("N0", CultureInfo.InvariantCulture) ?? "no"} bytes of data, " +
                    $"which do not fit the column chunk");
            pages.Add(new Page(start, position - start, header, (int)size));
            position += (int)size;
        }
        return pages;
    }

    /// <summary>
    /// Moves every offset in the footer <paramref name="metadata"/> past the header growth before it, and adds each chunk's
    /// growth to the sizes that count its headers. The column chunks must be exactly the pages that were written: one after
    /// another from the magic to <paramref name="footerStart"/>, each starting on a page (no page indexes or Bloom filters,
    /// which Parquet.Net 6.1 does not write, and which checksums could not be added around).
    /// </summary>
    internal static void MoveOffsets(ThriftStruct metadata, string path, long footerStart, PageShifts shifts)
    {
        var chunks = Chunks(metadata, path).OrderBy(c => c.Start).ToArray();
        if (chunks.Any(c => c.ColumnChunk[4] is not null || c.ColumnChunk[6] is not null || c.Meta[14] is not null))
            throw new NotSupportedException($"{path}: has page indexes or Bloom filters, which page checksums cannot be added around.");
        var next = (long)Magic.Length;
        foreach (var chunk in chunks)
        {
            if (chunk.Start != next || !shifts.IsPageStart(chunk.Start))
                throw new InvalidDataException($"{path}: column '{chunk.Column}' (row group {chunk.RowGroup + 1}) starts at byte {chunk.Start:N0}, " +
                    $"not where the pages before it end ({next:N0}); page checksums cannot be added.");
            next = chunk.Start + chunk.Length;
        }
        if (next != footerStart)
            throw new InvalidDataException($"{path}: the column chunks end at byte {next:N0}, the pages at {footerStart:N0}; " +
                $"page checksums cannot be added.");
        long Moved(long offset) => offset + shifts.Before(offset);
        void Shift(ThriftStruct s, short field) { if (s.Number(field) is > 0 and var v) s.Put(field, ThriftStruct.I64, Moved(v)); }
        void Grow(ThriftStruct s, short field, long by) { if (s.Number(field) is { } v) s.Put(field, ThriftStruct.I64, v + by); }
        var groupGrowth = new Dictionary<int, long>();
        foreach (var chunk in chunks)
        {
            var grown = shifts.Within(chunk.Start, chunk.Length);
            groupGrowth[chunk.RowGroup] = groupGrowth.GetValueOrDefault(chunk.RowGroup) + grown;
            Grow(chunk.Meta, 6, grown); // total_uncompressed_size (headers included)
            Grow(chunk.Meta, 7, grown); // total_compressed_size
            foreach (short field in new short[] { 9, 10, 11 }) Shift(chunk.Meta, field); // data, index and dictionary page offsets
            Shift(chunk.ColumnChunk, 2); // file_offset
        }
        var groups = ((metadata[4] as ThriftList)?.Items ?? []).OfType<ThriftStruct>().ToArray();
        for (var g = 0; g < groups.Length; g++)
        {
            Grow(groups[g], 2, groupGrowth.GetValueOrDefault(g)); // total_byte_size
            Grow(groups[g], 6, groupGrowth.GetValueOrDefault(g)); // total_compressed_size
            Shift(groups[g], 5);       // file_offset
        }
    }

    private static InvalidDataException NotParquet(string path, string why) => new($"{path}: not a readable Parquet file ({why}).");

    private static InvalidDataException Damaged(string path, Chunk chunk, long offset, string why) =>
        new($"{path}: column '{chunk.Column}' (row group {chunk.RowGroup + 1}) has a damaged page at byte offset {chunk.Start + offset:N0}: {why}. " +
            "The file changed after it was written; write it again from its source.");
}

/// <summary>What a Parquet file's footer says, once checked: its rows, each row group's rows, and its columns (dotted paths), in order.</summary>
public sealed record FooterSummary(long Rows, IReadOnlyList<long> GroupRows, IReadOnlyList<string> Columns);
