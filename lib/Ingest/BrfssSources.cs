using System.IO.Compression;
using PopHealth.Ingest.Xpt;

namespace PopHealth.Ingest;

/// <summary>The kinds of file a BRFSS source may be.</summary>
public enum SourceFormat { Xpt, Csv, CsvGzip, Zip }

/// <summary>Opens any BRFSS source the workbook accepts: <c>.xpt</c>, <c>.csv</c>, <c>.csv.gz</c>, or a <c>.zip</c> holding one XPT or CSV.</summary>
public static class BrfssSources
{
    /// <summary>
    /// The format a file name says, or null. The one rule for names on disk and inside zips alike: the name is
    /// trimmed first, because CDC names the XPT inside its zip "LLCP2024.XPT " (with a trailing blank).
    /// </summary>
    public static SourceFormat? FormatOf(string fileName)
    {
        var name = fileName.Trim();
        if (name.EndsWith(".xpt", StringComparison.OrdinalIgnoreCase)) return SourceFormat.Xpt;
        if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return SourceFormat.Csv;
        if (name.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase)) return SourceFormat.CsvGzip;
        if (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return SourceFormat.Zip;
        return null;
    }

    /// <summary>The files of a zip that may hold data: every non-empty entry that is not a folder.</summary>
    public static IReadOnlyList<ZipArchiveEntry> DataEntries(ZipArchive archive) =>
        archive.Entries.Where(e => e.Length > 0 && !e.FullName.EndsWith('/')).ToList();

    /// <summary>Whether <paramref name="entry"/> is a data file a BRFSS zip may hold (an XPT or a CSV).</summary>
    public static bool IsDataFile(ZipArchiveEntry entry) => FormatOf(entry.FullName) is SourceFormat.Xpt or SourceFormat.Csv;

    public static IColumnSource Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"BRFSS source not found: {path}", path);
        var name = Path.GetFileName(path);
        return FormatOf(name) switch
        {
            SourceFormat.Xpt => XptReader.Open(path),
            SourceFormat.Csv or SourceFormat.CsvGzip => CsvSource.Open(path),
            SourceFormat.Zip => OpenZip(path),
            _ => throw new InvalidDataException($"{name}: unsupported BRFSS source; expected .xpt, .csv, .csv.gz or .zip."),
        };
    }

    private static IColumnSource OpenZip(string path)
    {
        string entryName;
        using (var archive = CheckedStream.OpenZip(path))
        {
            var entries = DataEntries(archive);
            if (entries.Count != 1)
                throw new InvalidDataException($"{Path.GetFileName(path)}: a BRFSS zip must hold exactly one XPT or CSV file; " +
                    $"it holds {entries.Count}: {string.Join(", ", entries.Select(e => e.FullName))}.");
            if (!IsDataFile(entries[0]))
                throw new InvalidDataException($"{Path.GetFileName(path)}!{entries[0].FullName}: the zip holds neither an XPT nor a CSV file.");
            entryName = entries[0].FullName;
        }
        var sourceName = $"{Path.GetFileName(path)}!{entryName}";
        Stream OpenEntry()
        {
            var archive = CheckedStream.OpenZip(path);
            var entry = archive.GetEntry(entryName);
            if (entry is null)
            {
                archive.Dispose();
                throw new InvalidDataException($"{sourceName}: the entry is gone: the zip changed while it was read.");
            }
            return CheckedStream.ZipEntry(archive, entry, sourceName);
        }
        return FormatOf(entryName) == SourceFormat.Xpt ? XptReader.Open(OpenEntry(), sourceName, ownsStream: true)
            : CsvSource.Open(OpenEntry, sourceName);
    }
}
