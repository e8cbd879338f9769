using System.IO.Hashing;

namespace PopHealth.Workbook;

/// <summary>
/// The stream Parquet.Net writes into when the workbook writes Parquet: it passes the file on to <c>output</c> with the
/// CRC-32 of every page set in the page's header as the pages go by, so the file is written once, with its checksums
/// (see <see cref="ParquetChecksums"/>). Parquet.Net writes the magic, then nothing but pages (header, then data) until
/// its footer: the bytes are held until a page is whole, its header is read and written back with field 4 (crc) set,
/// and the page's data follows unchanged. Offsets are counted as Parquet.Net sees them (its footer records those), so
/// the footer is held too and written with its offsets and sizes moved by the bytes the headers grew, and its own CRC-32.
/// </summary>
/// <remarks>
/// Call <see cref="EndOfPages"/> when the last row group is written and before the writer is disposed (which writes
/// the footer), then <see cref="Finish"/> after. Memory is the bytes of a page or two and the footer, whatever the file's size.
/// </remarks>
internal sealed class PageChecksumStream(Stream output, string path) : Stream
{
    /// <summary>Bytes held before whole pages are taken out of them (a cut-short header is retried once per this many).</summary>
    private const int DrainAt = 1 << 20;
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    private byte[] pending = new byte[1 << 16];
    private int start, end;
    private long received, footerStart;
    private bool magicPassed, inFooter, abandoned;
    private readonly MemoryStream footer = new();
    private readonly PageShifts shifts = new();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => received;
    /// <summary>Bytes written into this stream: the offsets Parquet.Net records in its footer.</summary>
    public override long Position { get => received; set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        received += buffer.Length;
        if (abandoned) return;
        if (inFooter) { footer.Write(buffer); return; }
        if (end + buffer.Length > pending.Length) MakeRoom(buffer.Length);
        buffer.CopyTo(pending.AsSpan(end));
        end += buffer.Length;
        if (end - start >= DrainAt) Drain();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The write failed: whatever follows (the footer a disposed writer still writes) is dropped.</summary>
    public void Abandon() => abandoned = true;

    /// <summary>Every page is written: what follows is the footer. Every byte before must have been whole pages.</summary>
    public void EndOfPages()
    {
        Drain();
        if (!magicPassed || start != end)
            throw new InvalidDataException($"{path}: the Parquet writer left {end - start:N0} bytes that are not whole pages before its footer; " +
                $"page checksums cannot be added.");
        inFooter = true;
        footerStart = received;
    }

    /// <summary>
    /// After the writer is disposed: its footer, with offsets and sizes moved, then its length and the magic. Returns
    /// the pages written.
    /// </summary>
    public int Finish()
    {
        if (!inFooter) throw new InvalidOperationException("EndOfPages was not called before the footer.");
        var bytes = footer.GetBuffer().AsSpan(0, (int)footer.Length);
        if (bytes.Length < 8 || !bytes[^4..].SequenceEqual(Magic) || BitConverter.ToInt32(bytes[^8..]) != bytes.Length - 8)
            throw new InvalidDataException($"{path}: the Parquet writer's footer does not end with its length and PAR1.");
        var position = 0;
        var metadata = ThriftStruct.Read(bytes[..^8], ref position);
        ParquetChecksums.MoveOffsets(metadata, path, footerStart, shifts);
        ParquetChecksums.SealFooter(metadata); // last: the checksum covers every other byte of the footer
        var moved = metadata.ToBytes();
        output.Write(moved);
        output.Write(BitConverter.GetBytes(moved.Length)); // little-endian, as Parquet stores it
        output.Write(Magic);
        return shifts.Count;
    }

    /// <summary>Writes out every whole page held (header with its CRC-32, then its data), keeping a page still arriving.</summary>
    private void Drain()
    {
        if (!magicPassed)
        {
            if (end - start < Magic.Length) return;
            if (!pending.AsSpan(start, Magic.Length).SequenceEqual(Magic))
                throw new InvalidDataException($"{path}: the Parquet writer did not start with PAR1.");
            output.Write(Magic);
            start += Magic.Length;
            magicPassed = true;
        }
        while (start < end)
        {
            var held = pending.AsSpan(start, end - start);
            var at = 0;
            ThriftStruct header;
            try { header = ThriftStruct.Read(held, ref at); }
            catch (InvalidDataException e) when (ThriftStruct.IsCutShort(e)) { break; } // the rest of the header is still to come
            if (header.Number(3) is not { } size || size < 0 || size > int.MaxValue)
                throw new InvalidDataException($"{path}: " +
                    $"the Parquet writer wrote a page header without a valid size at byte offset {received - held.Length:N0}.");
            if (at + size > held.Length) break; // the page's data is still to come
            var data = held.Slice(at, (int)size);
            header.Put(4, ThriftStruct.I32, (long)unchecked((int)Crc32.HashToUInt32(data)));
            var written = header.ToBytes();
            output.Write(written);
            output.Write(data);
            shifts.Add(received - held.Length, written.Length - at);
            start += at + (int)size;
        }
        if (start == end) start = end = 0;
    }

    private void MakeRoom(int more)
    {
        var kept = end - start;
        var target = pending.Length;
        while (kept + more > target) target *= 2;
        var bytes = target == pending.Length ? pending : new byte[target];
        pending.AsSpan(start, kept).CopyTo(bytes);
        (pending, start, end) = (bytes, 0, kept);
    }
}

/// <summary>
/// Where each page started (as first written) and how many bytes its header grew, in file order: an offset moves by the
/// growth of the pages before it.
/// </summary>
internal sealed class PageShifts
{
    private readonly List<long> starts = [];
    private readonly List<long> grownBefore = [0];

    public int Count => starts.Count;

    public void Add(long start, int grown)
    {
        if (starts.Count > 0 && start <= starts[^1]) throw new ArgumentException("Pages are added in file order.");
        starts.Add(start);
        grownBefore.Add(grownBefore[^1] + grown);
    }

    /// <summary>Whether a page starts at <paramref name="offset"/>.</summary>
    public bool IsPageStart(long offset) => starts.BinarySearch(offset) >= 0;

    /// <summary>Bytes grown by the pages that start before <paramref name="offset"/>.</summary>
    public long Before(long offset)
    {
        var i = starts.BinarySearch(offset);
        return grownBefore[i < 0 ? ~i : i];
    }

    /// <summary>Bytes grown by the pages that start in [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>).</summary>
    public long Within(long start, long length) => Before(start + length) - Before(start);
}
