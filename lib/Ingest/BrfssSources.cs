using System.IO.Compression;
using PopHealth.Ingest.Xpt;

namespace PopHealth.Ingest;

/// <summary>Opens any BRFSS source the workbook accepts: <c>.xpt</c>, <c>.csv</c>, <c>.csv.gz</c>, or a <c>.zip</c> holding one XPT or CSV.</summary>
public static class BrfssSources
{
    public static IColumnSource Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"BRFSS source not found: {path}", path);
        var name = Path.GetFileName(path);
        if (name.EndsWith(".xpt", StringComparison.OrdinalIgnoreCase)) return XptReader.Open(path);
        if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase)) return CsvSource.Open(path);
        if (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return OpenZip(path);
        throw new NotSupportedException($"{name}: unsupported BRFSS source; expected .xpt, .csv, .csv.gz or .zip.");
    }

    private static IColumnSource OpenZip(string path)
    {
        string entryName;
        using (var archive = ZipFile.OpenRead(path))
        {
            var entries = archive.Entries.Where(e => e.Length > 0 && !e.FullName.EndsWith('/')).ToList();
            if (entries.Count != 1)
                throw new InvalidDataException($"{Path.GetFileName(path)}: a BRFSS zip must hold exactly one XPT or CSV file; it holds {entries.Count}: {string.Join(", ", entries.Select(e => e.FullName))}.");
            entryName = entries[0].FullName;
        }
        var sourceName = $"{Path.GetFileName(path)}!{entryName}";
        Stream OpenEntry()
        {
            var archive = ZipFile.OpenRead(path);
            return new OwningStream(archive.GetEntry(entryName)!.Open(), archive);
        }
        // CDC names the XPT inside its zip "LLCP2024.XPT " (with a trailing blank), hence the trim.
        var trimmed = entryName.Trim();
        if (trimmed.EndsWith(".xpt", StringComparison.OrdinalIgnoreCase)) return XptReader.Open(OpenEntry(), sourceName, ownsStream: true);
        if (trimmed.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return CsvSource.Open(OpenEntry, sourceName);
        throw new NotSupportedException($"{sourceName}: the zip holds neither an XPT nor a CSV file.");
    }

    /// <summary>A stream that also disposes what it came from (the zip archive).</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); owner.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
