using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace PopHealth.Ingest.Xpt;

/// <summary>
/// Streams a SAS transport file (XPORT v5 as CDC publishes BRFSS, or v8/v9) as column batches. Memory is
/// bounded by the batch, not the file. Numbers become doubles (IBM hexadecimal floats converted with a
/// single correct rounding), SAS missing values become nulls (which one is kept in <see cref="ColumnBatch.MissingKinds"/>),
/// text is trimmed on the right and blank text is null (SAS's character missing value).
/// </summary>
/// <remarks>
/// Every number in the headers is checked against the file before anything is sized by it, and buffers grow
/// only as bytes actually arrive: a 1 KB file claiming 99,999 variables of 32 KB costs what its bytes hold, not
/// what its header says. Every malformed file ends in an <see cref="InvalidDataException"/> naming file and offset.
/// </remarks>
public sealed partial class XptReader : IColumnSource
{
    private const int Record = 80;
    private const int ReadAhead = 1 << 20;
    /// <summary>Batch memory granted before the file has shown its rows, when its length is unknown (a zip entry).</summary>
    private const int InitialBatchBytes = 4 << 20;
    private static readonly Encoding Latin1 = Encoding.Latin1;
    private static readonly byte[] MemberHeaderPrefix = Encoding.ASCII.GetBytes("HEADER RECORD*******MEMB");

    private readonly Stream stream;
    private readonly bool ownsStream;
    /// <summary>Bytes from the start of the file to its end, when the stream can tell (a file on disk); sizes batches exactly.</summary>
    private readonly long? streamLength;
    private readonly int rowLength;
    private readonly int[] positions, lengths;
    private readonly bool[] numeric;
    /// <summary>Per numeric variable, counts of SAS missing values by <see cref="MissingSlot"/>.</summary>
    private readonly long[]?[] missingCounts;
    /// <summary>Bytes of rows decoded together, column by column (at least one row).</summary>
    private const int TileBytes = 64 << 10;
    private byte[]? tile;
    private byte[] buffer = new byte[1 << 16];
    private int bufferStart, bufferEnd;
    private bool endOfStream;
    private long offset;
    private bool finished;
    /// <summary>
    /// All-blank observations read but not yet handed out: they are data only if more data follows (or more than a
    /// record's padding of them).
    /// </summary>
    private long pendingBlankRows;
    private byte[]? blankRow;

    private XptReader(Stream stream, string sourceName, bool ownsStream)
    {
        this.stream = stream;
        this.ownsStream = ownsStream;
        SourceName = sourceName;
        streamLength = stream.CanSeek ? stream.Length - stream.Position : null;
        Member = ReadHeaders();
        Columns = Member.Variables.Select(v => new SourceColumn(v.Name, v.Kind, v.Label, v.Format)).ToArray();
        rowLength = Member.RowLength;
        positions = Member.Variables.Select(v => v.Position).ToArray();
        lengths = Member.Variables.Select(v => v.Length).ToArray();
        numeric = Member.Variables.Select(v => v.Kind == ColumnKind.Numeric).ToArray();
        missingCounts = numeric.Select(n => n ? new long[28] : null).ToArray();
        // A file on disk says how much it holds: read ahead in large blocks, but never past its end.
        if (streamLength is { } total)
            GrowBuffer((int)Math.Min(Math.Min(Math.Max(total - offset, 0) + Record, Math.Max(ReadAhead, 2L * (rowLength + Record))),
                Array.MaxLength));
    }

    /// <summary>Opens a transport file on disk.</summary>
    public static XptReader Open(string path) =>
        Open(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1), Path.GetFileName(path), ownsStream: true);

    /// <summary>
    /// Reads a transport file from <paramref name="stream"/> (need not be seekable); <paramref name="sourceName"/>
    /// names it in errors.
    /// </summary>
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

    /// <summary>
    /// Counts of SAS missing values (.A–.Z, ._, and plain '.') per numeric variable that had any, over the rows read
    /// so far: a snapshot, taken when asked.
    /// </summary>
    public IReadOnlyDictionary<string, Dictionary<char, long>> MissingCounts
    {
        get
        {
            var result = new Dictionary<string, Dictionary<char, long>>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < missingCounts.Length; i++)
            {
                if (missingCounts[i] is not { } counts) continue;
                var kinds = new Dictionary<char, long>();
                for (var slot = 0; slot < counts.Length; slot++)
                    if (counts[slot] > 0) kinds[MissingKind(slot)] = counts[slot];
                if (kinds.Count > 0) result[Member.Variables[i].Name] = kinds;
            }
            return result;
        }
    }

    /// <summary>The next batch of at most <paramref name="maxRows"/> rows, or null at the end.</summary>
    public ColumnBatch? ReadBatch(int maxRows) =>
        ReadBlock(new RowBlock(Columns, 0), maxRows) is var block && block.RowCount > 0 ? block.ToBatch() : null;

    /// <summary>
    /// Empties <paramref name="block"/> (of this reader's <see cref="Columns"/>) and fills it with the next rows, at most
    /// <paramref name="maxRows"/>; no rows at the end. The converter refills the same few blocks: its memory stays at
    /// those blocks whatever the file's size. A block grows only as rows arrive (by what the rest of the file can hold
    /// when its length is known), so a header's claim never sizes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RowBlock ReadBlock(RowBlock block, int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        if (block.Columns.Count != Columns.Count) throw new ArgumentException("The block was made for another source's columns.", nameof(block));
        block.Clear();
        var tileRows = 0;
        while (block.RowCount + tileRows < maxRows && ReadRow(out var row))
        {
            // Sized by a row actually read, never by a header's claim: a few dozen KB, or one row if rows are larger.
            tile ??= new byte[Math.Max(1, Math.Min(TileBytes / Math.Max(rowLength, 1), 256)) * rowLength];
            row.CopyTo(tile.AsSpan(tileRows * rowLength));
            if (++tileRows * rowLength + rowLength > tile.Length)
            {
                DecodeTile(block, tileRows, maxRows);
                tileRows = 0;
            }
        }
        if (tileRows > 0) DecodeTile(block, tileRows, maxRows);
        RowsRead += block.RowCount;
        return block;
    }

    /// <summary>
    /// Room in <paramref name="block"/> for <paramref name="more"/> rows: what the rest of the file can hold when its length
    /// is known, else a modest start, then eight times the rows already read, straight to <paramref name="maxRows"/> past
    /// half of it (few reallocations, so little garbage on the way to full-size blocks).
    /// </summary>
    private void MakeRoom(RowBlock block, int more, int maxRows)
    {
        var needed = block.RowCount + more;
        if (needed <= block.Capacity) return;
        long capacity;
        if (streamLength is { } total) capacity = needed + (total - offset) / Math.Max(rowLength, 1) + pendingBlankRows;
        else if (block.Capacity == 0) capacity = InitialBatchBytes / Math.Max(1, numeric.Length * 18);
        else capacity = 8L * block.Capacity > maxRows / 2 ? maxRows : 8L * block.Capacity;
        block.Grow((int)Math.Clamp(capacity, needed, maxRows));
    }

    /// <summary>
    /// Decodes the rows copied into the tile, one column at a time: each column's arrays are written in order, which keeps
    /// the caches on a few streams instead of one per column (row by row, decoding was bound by memory, not arithmetic).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeTile(RowBlock block, int tileRows, int maxRows)
    {
        MakeRoom(block, tileRows, maxRows);
        var tileBytes = tile.AsSpan(0, tileRows * rowLength);
        for (var i = 0; i < positions.Length; i++)
        {
            if (numeric[i]) DecodeNumbers(block, i, tileBytes, tileRows);
            else
            {
                var texts = block.Texts[i]!;
                for (int t = 0, at = positions[i]; t < tileRows; t++, at += rowLength)
                {
                    var field = tileBytes.Slice(at, lengths[i]);
                    var end = field.LastIndexOfAnyExcept((byte)' ', (byte)0);
                    texts[block.RowCount + t] = end < 0 ? null : Latin1.GetString(field[..(end + 1)]);
                }
            }
        }
        block.RowsAdded(tileRows);
    }

    // Straight to optimized code: in a notebook's kernel the conversion runs once, too briefly for tiering to catch up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeNumbers(RowBlock block, int column, ReadOnlySpan<byte> tileBytes, int tileRows)
    {
        var present = block.Present[column]!;
        var defined = block.Defined[column]!;
        var kinds = block.MissingKinds[column]!;
        var counts = missingCounts[column]!;
        var count = block.PresentCount[column];
        var row = block.RowCount;
        var missingAt = row - count;
        var width = lengths[column];
        Span<byte> padded = stackalloc byte[8];
        for (int t = 0, at = positions[column]; t < tileRows; t++, at += rowLength, row++)
        {
            ulong bits;
            if (width == 8) bits = BinaryPrimitives.ReadUInt64BigEndian(tileBytes.Slice(at, 8));
            else
            {
                padded.Clear();
                tileBytes.Slice(at, width).CopyTo(padded);
                bits = BinaryPrimitives.ReadUInt64BigEndian(padded);
            }
            if (IbmFloat.IsMissing(bits) is var missing && missing != '\0')
            {
                kinds[missingAt++] = missing;
                counts[MissingSlot(missing)]++;
                defined[row] = 0;
            }
            else
            {
                present[count++] = IbmFloat.FromBits(bits);
                defined[row] = 1;
            }
        }
        block.PresentCount[column] = count;
    }

    private static int MissingSlot(char kind) => kind switch { '.' => 0, '_' => 27, _ => kind - 'A' + 1 };
    private static char MissingKind(int slot) => slot switch { 0 => '.', 27 => '_', _ => (char)('A' + slot - 1) };

    /// <summary>
    /// The next observation (a view of the read buffer, valid until the next read), or false at the end of the data.
    /// All-blank observations are held back: at the end of the file, up to a record's worth of blanks is the last
    /// record's padding, not data (as ReadStat reads it); anything longer, or followed by data, is observations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ReadRow(out ReadOnlySpan<byte> row)
    {
        row = default;
        while (true)
        {
            if (finished)
            {
                if (pendingBlankRows == 0) return false;
                pendingBlankRows--;
                row = blankRow;
                return true;
            }
            if (rowLength == 0) { finished = true; continue; }
            var start = offset;
            var ahead = Peek(rowLength + MemberHeaderPrefix.Length);
            CheckForAnotherMember(ahead, start);
            if (ahead.Length < rowLength)
            {
                EndOfObservations(ahead.Length, ahead.IndexOfAnyExcept((byte)' ') >= 0, start);
                continue;
            }
            var candidate = ahead[..rowLength];
            if (candidate.IndexOfAnyExcept((byte)' ') < 0)
            {
                blankRow ??= candidate.ToArray();
                Consume(rowLength);
                pendingBlankRows++;
                continue;
            }
            if (pendingBlankRows > 0)
            {
                // Blank observations followed by data are data: hand them out first, and read this one again next time.
                pendingBlankRows--;
                row = blankRow;
                return true;
            }
            Consume(rowLength);
            row = candidate;
            return true;
        }
    }

    /// <summary>Another member starts on an 80-byte boundary after blank padding: refuse it rather than read its headers as data.</summary>
    private void CheckForAnotherMember(ReadOnlySpan<byte> ahead, long start)
    {
        for (var aligned = (int)((Record - start % Record) % Record); aligned + MemberHeaderPrefix.Length <= ahead.Length && aligned <= rowLength;
            aligned += Record)
        {
            if (ahead[aligned] != (byte)'H' || !ahead.Slice(aligned, MemberHeaderPrefix.Length).SequenceEqual(MemberHeaderPrefix)) continue;
            if (ahead[..aligned].IndexOfAnyExcept((byte)' ') >= 0) continue;
            finished = true;
            pendingBlankRows = 0;
            throw Malformed(start + aligned, "several members (data sets) in one file; one was expected");
        }
    }

    /// <summary>The file ended <paramref name="left"/> bytes before a whole observation: padding, or a truncated file.</summary>
    private void EndOfObservations(int left, bool leftHasData, long start)
    {
        finished = true;
        var end = start + left;
        // The last record is padded to 80 bytes with blanks: fewer than 80 of them, and the file a whole number of records.
        if (leftHasData || left >= Record)
        {
            pendingBlankRows = 0;
            throw Malformed(start, $"truncated record: the file ends {left:N0} bytes into a {rowLength:N0}-byte observation");
        }
        if (end % Record != 0)
        {
            pendingBlankRows = 0;
            throw Malformed(end,
                $"the file ends {end % Record} bytes into an 80-byte record: it is truncated (a transport file is a whole number of records)");
        }
        Consume(left);
        // Of the trailing blanks, all but the last record's padding (under 80 bytes) are observations whose values are all blank.
        var trailing = pendingBlankRows * rowLength + left;
        pendingBlankRows = trailing < Record ? 0 : (trailing - Record) / rowLength + 1;
    }

    /// <summary>
    /// The one error a malformed file gets: an <see cref="InvalidDataException"/> (the type every ingest refusal has)
    /// naming the file and the byte offset.
    /// </summary>
    private InvalidDataException Malformed(long at, string problem) => new($"{SourceName}: {problem} (at byte offset {at:N0}).");

    private void Consume(int count)
    {
        bufferStart += count;
        offset += count;
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
        if (bufferEnd - bufferStart < count && !endOfStream)
        {
            buffer.AsSpan(bufferStart, bufferEnd - bufferStart).CopyTo(buffer);
            bufferEnd -= bufferStart;
            bufferStart = 0;
            while (bufferEnd < count)
            {
                // The buffer grows only when full of bytes actually read: its size follows the file, not a header's claim.
                if (bufferEnd == buffer.Length) GrowBuffer((int)Math.Min(2L * buffer.Length, Math.Max(count, ReadAhead)));
                if (Fill() == 0) break;
            }
        }
        return buffer.AsSpan(bufferStart, Math.Min(count, bufferEnd - bufferStart));
    }

    private void GrowBuffer(int size)
    {
        if (size <= buffer.Length) return;
        var bigger = new byte[size];
        buffer.AsSpan(bufferStart, bufferEnd - bufferStart).CopyTo(bigger);
        (buffer, bufferEnd, bufferStart) = (bigger, bufferEnd - bufferStart, 0);
    }

    private int Fill()
    {
        if (endOfStream) return 0;
        if (bufferStart == bufferEnd) bufferStart = bufferEnd = 0;
        var n = stream.Read(buffer, bufferEnd, buffer.Length - bufferEnd);
        if (n == 0) endOfStream = true;
        bufferEnd += n;
        return n;
    }

    public void Dispose()
    {
        if (ownsStream) stream.Dispose();
    }
}
