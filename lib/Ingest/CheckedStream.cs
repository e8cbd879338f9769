using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using ICSharpCode.SharpZipLib;
using ICSharpCode.SharpZipLib.GZip;

namespace PopHealth.Ingest;

/// <summary>
/// Decompressed data checked to its end, with every failure naming the file: a cut-short stream, a bad CRC or
/// length, or damaged compressed bytes is an <see cref="InvalidDataException"/> saying so, never fewer rows.
/// </summary>
/// <remarks>
/// gzip is decoded by .NET's GZipStream (zlib: fast, and it checks each member's CRC), which returns a cut-short
/// file's first rows without a word; so at the end the data's CRC-32 and length are checked against the file's
/// last 8 bytes, the trailer of a complete single-member file. Should they differ, the file is cut short or damaged
/// or holds several members (concatenated gzip files, which are valid): SharpZipLib, whose reader follows every
/// member's framing, then decides. A zip entry goes through .NET's ZipArchive, checked here against the CRC-32 and
/// length of the zip's central directory (.NET checks neither on read).
/// </remarks>
internal sealed class CheckedStream : Stream
{
    private readonly Stream inner;
    private readonly string sourceName;
    private readonly IDisposable? owner;
    private readonly long? expectedLength;
    private readonly uint? expectedCrc;
    /// <summary>The gzip file whose trailer is checked at the end (null for a zip entry).</summary>
    private readonly string? gzipPath;
    private readonly Crc32 crc = new();
    private long length;
    private bool verified;

    private CheckedStream(Stream inner, string sourceName, IDisposable? owner, long? expectedLength, uint? expectedCrc, string? gzipPath)
    {
        this.inner = inner;
        this.sourceName = sourceName;
        this.owner = owner;
        this.expectedLength = expectedLength;
        this.expectedCrc = expectedCrc;
        this.gzipPath = gzipPath;
    }

    /// <summary>The decompressed content of the gzip file at <paramref name="path"/>.</summary>
    public static Stream Gzip(string path, string sourceName)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return new CheckedStream(new GZipStream(file, CompressionMode.Decompress), sourceName, null, null, null, path);
    }

    /// <summary>
    /// The content of <paramref name="entry"/>, checked against the central directory; disposing it disposes
    /// <paramref name="archive"/>.
    /// </summary>
    public static Stream ZipEntry(ZipArchive archive, ZipArchiveEntry entry, string sourceName)
    {
        try
        {
            return new CheckedStream(entry.Open(), sourceName, archive, entry.Length, entry.Crc32, null);
        }
        catch (InvalidDataException e)
        {
            archive.Dispose();
            throw Damaged(sourceName, e.Message, e);
        }
    }

    /// <summary>Opens a zip file for reading; a file that is no zip, or a cut-short one, is an error naming it.</summary>
    public static ZipArchive OpenZip(string path)
    {
        var name = Path.GetFileName(path);
        try
        {
            var archive = ZipFile.OpenRead(path);
            try
            {
                _ = archive.Entries; // the central directory is read on first use: read it here, where its errors are caught
                return archive;
            }
            catch
            {
                archive.Dispose();
                throw;
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: not a readable zip file ({e.Message}): it is cut short (an interrupted download?) " +
                $"or not a zip at all; download or copy it again.", e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = inner.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            // zlib's data errors (a damaged byte, a wrong gzip CRC) all come as "unsupported compression method": say what it means.
            throw Damaged(sourceName, "it does not decompress", e);
        }
        length += n;
        crc.Append(buffer[..n]);
        if (n == 0 && buffer.Length > 0) Verify();
        return n;
    }

    private void Verify()
    {
        if (verified) return;
        verified = true;
        if (expectedLength is { } expected && length != expected)
            throw new InvalidDataException($"{sourceName}: the zip's directory says {expected:N0} bytes but the entry holds {length:N0}: " +
                $"the zip is damaged; download or copy it again.");
        if (expectedCrc is { } expectedCrcValue && crc.GetCurrentHashAsUInt32() != expectedCrcValue)
            throw new InvalidDataException($"{sourceName}: CRC-32 mismatch (the zip says {expectedCrcValue:x8}, " +
                $"the data is {crc.GetCurrentHashAsUInt32():x8}): the zip is damaged; download or copy it again.");
        if (gzipPath is not null && !MatchesTrailer(gzipPath) && ReadsToTheEnd(gzipPath) is { } problem)
            throw Damaged(sourceName, problem, null);
    }

    /// <summary>Whether the data read is what a single-member gzip file's trailer (its last 8 bytes: CRC-32, length mod 2^32) says.</summary>
    private bool MatchesTrailer(string path)
    {
        using var handle = File.OpenHandle(path);
        Span<byte> trailer = stackalloc byte[8];
        var size = RandomAccess.GetLength(handle);
        return size >= 18 && RandomAccess.Read(handle, trailer, size - 8) == 8
            && BinaryPrimitives.ReadUInt32LittleEndian(trailer) == crc.GetCurrentHashAsUInt32()
            && BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == (uint)length;
    }

    /// <summary>
    /// Null when SharpZipLib reads every member of the gzip file to its end, checking each trailer; else what is wrong.
    /// It is the judge only here, for files of several members or damaged ones: its inflater, unlike zlib, can fail on
    /// damaged data with an internal exception (IndexOutOfRangeException), which here means "damaged" like the rest.
    /// </summary>
    private static string? ReadsToTheEnd(string path)
    {
        try
        {
            if (new FileInfo(path).Length == 0) return "an empty file";
            using var gzip = new GZipInputStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
            gzip.CopyTo(Stream.Null);
            return null;
        }
        catch (Exception e) when (e is EndOfStreamException || e.Message.Contains("EOF", StringComparison.Ordinal))
        {
            return "the file ends before its compressed data does";
        }
        catch (GZipException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is SharpZipBaseException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return "it does not decompress";
        }
    }

    private static InvalidDataException Damaged(string sourceName, string reason, Exception? inner) =>
        new($"{sourceName}: the compressed data is damaged or cut short ({reason}); download or copy the file again.", inner);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner?.Dispose();
        }
        base.Dispose(disposing);
    }
}
