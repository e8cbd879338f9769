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
/// gzip goes through SharpZipLib, whose reader checks each member's CRC-32 and length and reports a stream that
/// ends early (.NET's GZipStream returns a cut-short file's first rows without a word). A zip entry goes through
/// .NET's ZipArchive, checked here against the CRC-32 and length of the zip's central directory (.NET checks
/// neither on read).
/// </remarks>
internal sealed class CheckedStream : Stream
{
    private readonly Stream inner;
    private readonly string sourceName;
    private readonly IDisposable? owner;
    private readonly long? expectedLength;
    private readonly uint? expectedCrc;
    private readonly Crc32? crc;
    private long length;
    private bool verified;

    private CheckedStream(Stream inner, string sourceName, IDisposable? owner, long? expectedLength, uint? expectedCrc)
    {
        this.inner = inner;
        this.sourceName = sourceName;
        this.owner = owner;
        this.expectedLength = expectedLength;
        this.expectedCrc = expectedCrc;
        crc = expectedCrc is null ? null : new Crc32();
    }

    /// <summary>The decompressed content of a gzip file; disposing it closes <paramref name="compressed"/>.</summary>
    public static Stream Gzip(Stream compressed, string sourceName) => new CheckedStream(new GZipInputStream(compressed), sourceName, null, null, null);

    /// <summary>The content of <paramref name="entry"/>, checked against the central directory; disposing it disposes <paramref name="archive"/>.</summary>
    public static Stream ZipEntry(ZipArchive archive, ZipArchiveEntry entry, string sourceName)
    {
        try
        {
            return new CheckedStream(entry.Open(), sourceName, archive, entry.Length, entry.Crc32);
        }
        catch (InvalidDataException e)
        {
            archive.Dispose();
            throw Damaged(sourceName, e);
        }
    }

    /// <summary>Opens a zip file for reading; a file that is no zip, or a cut-short one, is an error naming it.</summary>
    public static ZipArchive OpenZip(string path)
    {
        var name = Path.GetFileName(path);
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: not a readable zip file ({e.Message}): it is cut short (an interrupted download?) or not a zip at all; download or copy it again.", e);
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
        catch (Exception e) when (e is InvalidDataException or SharpZipBaseException or EndOfStreamException)
        {
            throw Damaged(sourceName, e);
        }
        length += n;
        crc?.Append(buffer[..n]);
        if (n == 0 && buffer.Length > 0) Verify();
        return n;
    }

    private void Verify()
    {
        if (verified) return;
        verified = true;
        if (expectedLength is { } expected && length != expected)
            throw new InvalidDataException($"{sourceName}: the zip's directory says {expected:N0} bytes but the entry holds {length:N0}: the zip is damaged; download or copy it again.");
        if (expectedCrc is { } expectedCrcValue && crc is not null && crc.GetCurrentHashAsUInt32() != expectedCrcValue)
            throw new InvalidDataException($"{sourceName}: CRC-32 mismatch (the zip says {expectedCrcValue:x8}, the data is {crc.GetCurrentHashAsUInt32():x8}): the zip is damaged; download or copy it again.");
    }

    private static InvalidDataException Damaged(string sourceName, Exception e) =>
        new($"{sourceName}: the compressed data is damaged or cut short ({e.Message}); download or copy the file again.", e);

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
