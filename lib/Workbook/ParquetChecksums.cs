using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PopHealth.Workbook;

/// <summary>
/// Parquet page checksums, which Parquet.Net 6.1 neither writes nor checks. The format's <c>PageHeader.crc</c> (field 4,
/// i32) is the standard CRC-32 (polynomial 0x04C11DB7, as in gzip) of the page as stored after its header — compressed,
/// for every page type. <see cref="PageChecksumStream"/> sets that field in every page header as Parquet.Net writes (and
/// <see cref="Add"/> copies a file through it), with the footer's offsets and sizes moved to match (headers grow by a few bytes); <see cref="Verify"/> checks every page
/// that carries one, so a damaged page is an error naming the file, column and byte offset instead of wrong values. Files
/// from other writers without checksums are read as before.
/// </summary>
public static class ParquetChecksums
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    /// <summary>One column chunk: where its pages are and the footer structs that describe it.</summary>
    private sealed record Chunk(int RowGroup, string Column, long Start, long Length, ThriftStruct ColumnChunk, ThriftStruct Meta);

    /// <summary>One page inside a chunk's bytes: where its header starts, how long the header is, its header and data length.</summary>
    private sealed record Page(int Offset, int HeaderLength, ThriftStruct Header, int DataLength);

    /// <summary>
    /// Copies the Parquet file <paramref name="source"/> (as Parquet.Net writes them: pages from its magic to its footer)
    /// to the new file <paramref name="target"/> with every page's CRC-32 in its header, and the footer's page offsets,
    /// chunk and row-group sizes moved by the bytes the headers grew: what <see cref="ParquetFrames.WriteAsync(string, Parquet.Schema.ParquetSchema, Func{Parquet.ParquetWriter, Task}, IReadOnlyDictionary{string, string}?, Parquet.ParquetOptions?, Func{string, Task}?)"/>
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
        using var input = File.OpenHandle(path);
        var (metadata, footerStart) = ReadFooter(input, path);
        var (pages, verified, bytes) = (0, 0, Array.Empty<byte>());
        foreach (var chunk in Chunks(metadata, path))
        {
            ReadChunk(input, chunk, footerStart, path, ref bytes);
            foreach (var page in Pages(bytes, chunk, path))
            {
                pages++;
                if (page.Header.Number(4) is not { } stored) continue;
                var computed = Crc32.HashToUInt32(bytes.AsSpan(page.Offset + page.HeaderLength, page.DataLength));
                if (unchecked((uint)stored) != computed)
                    throw new InvalidDataException($"{path}: column '{chunk.Column}' (row group {chunk.RowGroup + 1}) has a damaged page at byte offset " +
                        $"{chunk.Start + page.Offset:N0}: its CRC-32 is 0x{computed:x8}, its header says 0x{unchecked((uint)stored):x8}. The file changed after it was written; write it again from its source.");
                verified++;
            }
        }
        return (pages, verified);
    }

    private static (ThriftStruct Metadata, long Start) ReadFooter(SafeFileHandle input, string path)
    {
        var length = RandomAccess.GetLength(input);
        Span<byte> tail = stackalloc byte[8];
        Span<byte> head = stackalloc byte[4];
        if (length < 12 || RandomAccess.Read(input, tail, length - 8) != 8 || RandomAccess.Read(input, head, 0) != 4 || !tail[4..].SequenceEqual(Magic) || !head.SequenceEqual(Magic))
            throw NotParquet(path, "no PAR1 marks at its start and end");
        var footerLength = BitConverter.ToInt32(tail);
        var start = length - 8 - footerLength;
        if (footerLength <= 0 || start < 4) throw NotParquet(path, $"a footer length of {footerLength:N0} bytes does not fit the file");
        var footer = new byte[footerLength];
        if (RandomAccess.Read(input, footer, start) != footerLength) throw NotParquet(path, "its footer is cut short");
        try
        {
            var position = 0;
            return (ThriftStruct.Read(footer, ref position), start);
        }
        catch (InvalidDataException e)
        {
            throw NotParquet(path, $"its footer is damaged: {e.Message}");
        }
    }

    /// <summary>The column chunks the footer lists: row group 4 → columns 1 → meta data 3 (data page 9, dictionary page 11, size 7, path 3).</summary>
    private static IEnumerable<Chunk> Chunks(ThriftStruct metadata, string path)
    {
        var groups = (metadata[4] as ThriftList)?.Items ?? [];
        for (var g = 0; g < groups.Count; g++)
            foreach (var column in ((groups[g] as ThriftStruct)?[1] as ThriftList)?.Items ?? [])
            {
                if (column is not ThriftStruct { } chunk || chunk[3] is not ThriftStruct meta || meta.Number(9) is not { } dataPage || meta.Number(7) is not { } size)
                    throw NotParquet(path, $"row group {g + 1} has a column without its page offsets");
                var name = string.Join('.', ((meta[3] as ThriftList)?.Items ?? []).OfType<byte[]>().Select(b => Encoding.UTF8.GetString(b)));
                var start = meta.Number(11) is > 0 and var dictionary && dictionary < dataPage ? dictionary : dataPage;
                yield return new Chunk(g, name, start, size, chunk, meta);
            }
    }

    /// <summary>Reads a column chunk's bytes into <paramref name="bytes"/> (grown when too small; the chunk is its first <see cref="Chunk.Length"/> bytes).</summary>
    private static void ReadChunk(SafeFileHandle input, Chunk chunk, long footerStart, string path, ref byte[] bytes)
    {
        if (chunk.Start < 4 || chunk.Length < 0 || chunk.Start + chunk.Length > footerStart || chunk.Length > int.MaxValue)
            throw new InvalidDataException($"{path}: column '{chunk.Column}' (row group {chunk.RowGroup + 1}) claims bytes {chunk.Start:N0}–{chunk.Start + chunk.Length:N0}, outside the file's pages.");
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
                throw Damaged(path, chunk, start, $"its page header gives {header.Number(3)?.ToString("N0") ?? "no"} bytes of data, which do not fit the column chunk");
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
                throw new InvalidDataException($"{path}: column '{chunk.Column}' (row group {chunk.RowGroup + 1}) starts at byte {chunk.Start:N0}, not where the pages before it end ({next:N0}); page checksums cannot be added.");
            next = chunk.Start + chunk.Length;
        }
        if (next != footerStart) throw new InvalidDataException($"{path}: the column chunks end at byte {next:N0}, the pages at {footerStart:N0}; page checksums cannot be added.");
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
