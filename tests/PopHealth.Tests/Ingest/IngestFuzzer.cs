using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using PopHealth.Ingest;

namespace PopHealth.Tests.Ingest;

/// <summary>
/// A seeded mutation fuzzer over the workbook's sources: each case mutates one fixture (XPT, CSV, gzip, zip), reads it
/// as a user's file is read (<see cref="BrfssSources.Open"/>, batches of 50,000 rows) and classifies the end: a clean
/// read, our format error (an <see cref="InvalidDataException"/> whose message starts with the file's name), or a
/// failure (any other exception, or more memory than the file's size allows).
/// </summary>
/// <remarks>
/// Why a plain seeded mutator rather than CsCheck or SharpFuzz: every case is reproducible from (seed, case number)
/// alone and its mutations know the XPT, CSV, gzip and zip layouts; CsCheck's shrinking buys little on byte mutants,
/// and SharpFuzz needs an AFL or libFuzzer driver that CI does not run.
/// </remarks>
internal static partial class IngestFuzzer
{
    /// <summary>A fixture to mutate, and the file name its mutants are read under (the extension picks the reader).</summary>
    public sealed record Seed(string FileName, byte[] Bytes);

    /// <summary>What a run saw: outcome classes with counts, the most a case allocated, and every failure.</summary>
    public sealed record Report(int Cases, IReadOnlyDictionary<string, int> Classes, long MaxAllocated, string MaxAllocatedCase,
        IReadOnlyList<string> Failures, TimeSpan Elapsed);

    /// <summary>Memory one case may allocate: a fixed allowance for the readers' buffers, plus a multiple of the file's size.</summary>
    public static long AllocationBound(long fileLength) => (24L << 20) + 64 * fileLength;

    public static IReadOnlyList<Seed> Seeds()
    {
        var xpt = Directory.GetFiles(Repo.Path("tests", "fixtures", "xpt"), "*.xpt").Order(StringComparer.Ordinal);
        var seeds = xpt.Select(p => new Seed("LLCP2016.xpt", File.ReadAllBytes(p))).ToList();
        var ingest = Repo.Path("tests", "fixtures", "ingest");
        seeds.Add(new("brfss.csv", File.ReadAllBytes(Path.Combine(ingest, "small.csv"))));
        seeds.Add(new("brfss.csv.gz", File.ReadAllBytes(Path.Combine(ingest, "small.csv.gz"))));
        seeds.Add(new("brfss.zip", File.ReadAllBytes(Path.Combine(ingest, "small_csv.zip"))));
        seeds.Add(new("LLCP2024XPT.zip", File.ReadAllBytes(Path.Combine(ingest, "small_xpt.zip"))));
        return seeds;
    }

    public static Report Run(int seed, int cases, string folder)
    {
        var seeds = Seeds();
        var classes = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        long maxAllocated = 0;
        var maxCase = "";
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            var fixture = seeds[i % seeds.Count];
            var random = new Random(unchecked(seed * 1_000_003 + i));
            var bytes = Mutate(fixture, random, out var how);
            var path = Path.Combine(folder, fixture.FileName);
            File.WriteAllBytes(path, bytes);
            var (outcome, allocated, failure) = ReadCase(path);
            var label = $"case {i} (seed {seed}, {fixture.FileName}, {bytes.Length:N0} bytes: {how})";
            if (allocated > maxAllocated) (maxAllocated, maxCase) = (allocated, label);
            if (allocated > AllocationBound(bytes.Length))
                failure ??= $"allocated {allocated:N0} bytes, over the bound of {AllocationBound(bytes.Length):N0}";
            if (failure is not null) failures.Add($"{label}: {failure}");
            classes[outcome] = classes.GetValueOrDefault(outcome) + 1;
        }
        return new Report(cases, classes, maxAllocated, maxCase, failures, watch.Elapsed);
    }

    /// <summary>Reads one mutant to its end: its outcome class, the bytes this thread allocated, and what failed if anything did.</summary>
    private static (string Outcome, long Allocated, string? Failure) ReadCase(string path)
    {
        var name = Path.GetFileName(path);
        var before = GC.GetAllocatedBytesForCurrentThread();
        string outcome;
        string? failure = null;
        try
        {
            using var source = BrfssSources.Open(path);
            long rows = 0;
            while (source.ReadBatch(50_000) is { } batch) rows += batch.RowCount;
            outcome = rows == 0 ? "clean read (no rows)" : "clean read";
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(name, StringComparison.Ordinal))
        {
            outcome = "format error: " + Classify(e.Message, name);
        }
#pragma warning disable CA1031 // the fuzzer's job is to catch whatever escapes and report it
        catch (Exception e)
#pragma warning restore CA1031
        {
            outcome = "FAILURE: " + e.GetType().Name;
            failure = $"{e.GetType().FullName}: {e.Message}\n{e.StackTrace}";
        }
        return (outcome, GC.GetAllocatedBytesForCurrentThread() - before, failure);
    }

    /// <summary>The message without file name, numbers and quoted values, cut short: one class per kind of refusal.</summary>
    private static string Classify(string message, string name)
    {
        var text = message[name.Length..];
        if (text.StartsWith('!')) text = text[(text.IndexOf(':') is var colon and >= 0 ? colon : 0)..];
        text = Quoted().Replace(Numbers().Replace(text.TrimStart(':', ' '), "#"), "'…'");
        var cut = text.IndexOfAny(['(', '.', ';']);
        return (cut > 0 ? text[..cut] : text).Trim();
    }

    [GeneratedRegex(@"\d+(,\d{3})*")]
    private static partial Regex Numbers();

    [GeneratedRegex(@"'[^']*'")]
    private static partial Regex Quoted();

    /// <summary>One to four stacked mutations; <paramref name="how"/> says which, to reproduce a failure by hand.</summary>
    public static byte[] Mutate(Seed seed, Random random, out string how)
    {
        var steps = new List<string>();
        var bytes = seed.Bytes;
        // A container's content deserves mutation too: unpack, mutate, repack, so that the container is valid and its content is not.
        if (seed.FileName.EndsWith(".gz", StringComparison.Ordinal) && random.Next(3) == 0)
        {
            bytes = Gzip(MutateContent(Gunzip(bytes), ".csv", random, steps));
            steps.Insert(0, "inside the gzip");
        }
        else if (seed.FileName.EndsWith(".zip", StringComparison.Ordinal) && random.Next(3) == 0)
        {
            var (entry, content) = Unzip(bytes);
            bytes = Zip(entry, MutateContent(content, entry.Trim(), random, steps));
            steps.Insert(0, $"inside the zip's {entry}");
        }
        else bytes = MutateContent(bytes, seed.FileName, random, steps);
        how = string.Join(", ", steps);
        return bytes;
    }

    private static byte[] MutateContent(byte[] original, string fileName, Random random, List<string> steps)
    {
        var bytes = original.ToList();
        var count = 1 + random.Next(4);
        for (var k = 0; k < count; k++)
        {
            var choice = random.Next(10);
            if (choice < 4 && fileName.EndsWith(".xpt", StringComparison.OrdinalIgnoreCase)) steps.Add(MutateXpt(bytes, random));
            else if (choice < 4 && fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) steps.Add(MutateCsv(bytes, random));
            else if (choice < 4 && fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) steps.Add(MutateZip(bytes, random));
            else if (choice < 4 && fileName.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) steps.Add(MutateGzip(bytes, random));
            else steps.Add(MutateBytes(bytes, random));
        }
        return bytes.ToArray();
    }

    private static readonly long[] Interesting = [0, 1, 2, 7, 8, 9, 80, 136, 140, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFF7, 0x7FFF_FFFF,
        0x8000_0000, 0xFFFF_FFFF];

    /// <summary>Blind byte mutations: flips, random or boundary values, cuts, insertions, deletions, duplications.</summary>
    private static string MutateBytes(List<byte> bytes, Random random)
    {
        var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(8))
        {
            case 0 when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                return $"flip a bit at {at}";
            case 1 when bytes.Count > 0:
                bytes[at] = (byte)random.Next(256);
                return $"random byte at {at}";
            case 2:
                var width = new[] { 1, 2, 4 }[random.Next(3)];
                WriteBigEndian(bytes, at, width, Interesting[random.Next(Interesting.Length)]);
                return $"boundary value ({width} bytes) at {at}";
            case 3:
                var keep = random.Next(2) == 0 ? random.Next(bytes.Count + 1) : Math.Max(0, bytes.Count - 1 - random.Next(100));
                bytes.RemoveRange(keep, bytes.Count - keep);
                return $"cut to {keep} bytes";
            case 4:
                var filler = random.Next(3) switch { 0 => (byte)' ', 1 => (byte)0, _ => (byte)random.Next(256) };
                var n = 1 + random.Next(200);
                bytes.AddRange(Enumerable.Repeat(filler, n));
                return $"append {n} bytes of {filler}";
            case 5 when bytes.Count > 0:
                var length = Math.Min(bytes.Count - at, 1 + random.Next(160));
                bytes.RemoveRange(at, length);
                return $"delete {length} bytes at {at}";
            case 6 when bytes.Count > 0:
                var chunk = bytes.GetRange(at, Math.Min(bytes.Count - at, 1 + random.Next(240)));
                var to = random.Next(bytes.Count + 1);
                bytes.InsertRange(to, chunk);
                return $"duplicate {chunk.Count} bytes from {at} to {to}";
            default:
                var inserted = Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)).ToArray();
                bytes.InsertRange(Math.Min(at, bytes.Count), inserted);
                return $"insert {inserted.Length} random bytes at {at}";
        }
    }

    /// <summary>XPT-aware: the header numbers a reader sizes things by (NAMESTR fields, variable and label counts, NAMESTR length).</summary>
    private static string MutateXpt(List<byte> bytes, Random random)
    {
        const int namestrs = 8 * 80;
        var variables = Math.Max(1, (bytes.Count - namestrs) / 140);
        switch (random.Next(5))
        {
            case 0:
            case 1:
                var field = new[] { 0, 4, 6, 84 }[random.Next(4)];
                var at = namestrs + random.Next(Math.Min(variables, 8)) * 140 + field;
                var value = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : random.Next(-2, 400);
                WriteBigEndian(bytes, at, field == 84 ? 4 : 2, value);
                return $"NAMESTR field +{field % 140} at {at} = {value}";
            case 2:
                var count = random.Next(2) == 0 ? random.Next(100_000) : random.Next(12);
                WriteAscii(bytes, 7 * 80 + 53, count.ToString("D5", System.Globalization.CultureInfo.InvariantCulture));
                return $"variable count {count}";
            case 3:
                var length = new[] { "0140", "0136", "0000", "9999", "01 0" }[random.Next(5)];
                WriteAscii(bytes, 3 * 80 + 74, length);
                return $"NAMESTR length '{length}'";
            default:
                var record = Encoding.ASCII.GetBytes("HEADER RECORD*******");
                var header = IndexOf(bytes, record, namestrs);
                if (header < 0) return "no later header record";
                WriteAscii(bytes, header + 48, random.Next(1_000_000).ToString("D30", System.Globalization.CultureInfo.InvariantCulture));
                return $"header number at {header + 48}";
        }
    }

    private static readonly string[] CsvTokens = ["NA", ".", "inf", "-inf", "Infinity", "1e999", "NaN", "\"", ",", "\n", "\r\n", "\r", " ", "x",
        "\n\n", "\uFEFF", "1e-400", "-0", "0x1F"];

    /// <summary>CSV-aware: missing and non-finite tokens, quotes, separators, line breaks, and now and then a field past the length limit.</summary>
    private static string MutateCsv(List<byte> bytes, Random random)
    {
        var at = random.Next(bytes.Count + 1);
        if (random.Next(40) == 0)
        {
            var run = CsvSource.MaxFieldLength + random.Next(-2, 3000);
            bytes.InsertRange(at, Enumerable.Repeat((byte)'9', run));
            return $"insert a {run:N0}-character run at {at}";
        }
        var token = CsvTokens[random.Next(CsvTokens.Length)];
        var replace = random.Next(2) == 0 && at < bytes.Count ? 1 + random.Next(Math.Min(6, bytes.Count - at)) : 0;
        bytes.RemoveRange(at, replace);
        bytes.InsertRange(at, Encoding.UTF8.GetBytes(token));
        return $"{(replace > 0 ? $"replace {replace} bytes" : "insert")} at {at} with {Escape(token)}";
    }

    /// <summary>Zip-aware: the central directory's and local header's CRC, sizes, name length and offset.</summary>
    private static string MutateZip(List<byte> bytes, Random random)
    {
        var central = random.Next(2) == 0;
        var header = IndexOf(bytes, central ? [0x50, 0x4B, 0x01, 0x02] : [0x50, 0x4B, 0x03, 0x04], 0);
        if (header < 0) return "no zip header";
        var fields = central ? new[] { 16, 20, 24, 28, 42 } : new[] { 14, 18, 22, 26 };
        var field = fields[random.Next(fields.Length)];
        var width = field is 28 or 26 ? 2 : 4;
        var value = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : random.Next(0, 5000);
        for (var b = 0; b < width && header + field + b < bytes.Count; b++) bytes[header + field + b] = (byte)(value >> (8 * b)); // little-endian
        return $"{(central ? "central" : "local")} header field +{field} = {value}";
    }

    /// <summary>gzip-aware: the header's flags and the trailer's CRC and length.</summary>
    private static string MutateGzip(List<byte> bytes, Random random)
    {
        if (bytes.Count < 18) return "too short for gzip fields";
        var (at, what) = random.Next(3) switch
        {
            0 => (3, "flags"),
            1 => (bytes.Count - 8 + random.Next(4), "trailer CRC"),
            _ => (bytes.Count - 4 + random.Next(4), "trailer length"),
        };
        bytes[at] = (byte)random.Next(256);
        return $"gzip {what} byte at {at}";
    }

    private static void WriteBigEndian(List<byte> bytes, int at, int width, long value)
    {
        for (var b = 0; b < width && at + b < bytes.Count; b++) bytes[at + b] = (byte)(value >> (8 * (width - 1 - b)));
    }

    private static void WriteAscii(List<byte> bytes, int at, string text)
    {
        for (var b = 0; b < text.Length && at + b < bytes.Count; b++) bytes[at + b] = (byte)text[b];
    }

    private static int IndexOf(List<byte> bytes, byte[] pattern, int from)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        if (from >= span.Length) return -1;
        var i = span[from..].IndexOf(pattern);
        return i < 0 ? -1 : from + i;
    }

    private static string Escape(string token) => token.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\uFEFF", "BOM");

    private static byte[] Gzip(byte[] content)
    {
        var memory = new MemoryStream();
        using (var gz = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(content);
        return memory.ToArray();
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var gz = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var memory = new MemoryStream();
        gz.CopyTo(memory);
        return memory.ToArray();
    }

    private static (string Entry, byte[] Content) Unzip(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        var entry = archive.Entries[0];
        using var stream = entry.Open();
        var memory = new MemoryStream();
        stream.CopyTo(memory);
        return (entry.FullName, memory.ToArray());
    }

    private static byte[] Zip(string entryName, byte[] content)
    {
        var memory = new MemoryStream();
        using (var archive = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry(entryName, CompressionLevel.Fastest);
            entry.LastWriteTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero); // the same bytes on every run
            using var stream = entry.Open();
            stream.Write(content);
        }
        return memory.ToArray();
    }
}
