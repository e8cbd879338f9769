using System.IO.Compression;
using PopHealth.Workbook;

namespace PopHealth.Ingest;

/// <summary>
/// Opt-in download of CDC's BRFSS annual file (<c>LLCPyyyyXPT.zip</c>, one SAS transport file inside). Nothing in
/// the workbook calls it on its own: a user runs it once and points <c>POPHEALTH_INPUT</c> at the result.
/// </summary>
public static class CdcDownload
{
    /// <summary>CDC's address of the combined landline and cell-phone file for <paramref name="year"/> (2011 onwards).</summary>
    public static Uri AnnualFileUri(int year) => year is >= 2011 and <= 2100
        ? new Uri($"https://www.cdc.gov/brfss/annual_data/{year}/files/LLCP{year}XPT.zip")
        : throw new ArgumentOutOfRangeException(nameof(year), year, "CDC publishes the combined landline and cell-phone file from 2011 onwards.");

    /// <summary>
    /// Downloads <paramref name="source"/> (default: <see cref="AnnualFileUri"/>) into <paramref name="folder"/>, checks
    /// that it is a zip holding exactly one XPT or CSV, and moves it into place only then. Returns the file's path.
    /// </summary>
    public static async Task<string> FetchAsync(int year, string folder, HttpClient? client = null, Uri? source = null,
        IProgress<long>? progress = null, CancellationToken cancellation = default)
    {
        source ??= AnnualFileUri(year);
        var target = Path.Combine(folder, Path.GetFileName(source.LocalPath));
        var owned = client is null;
        client ??= new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        try
        {
            using var response = await client.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, cancellation);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{source}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            await AtomicFile.WriteFileAsync(target, async temporary =>
            {
                await using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
                await using (var body = await response.Content.ReadAsStreamAsync(cancellation))
                {
                    var buffer = new byte[1 << 20];
                    long total = 0;
                    int read;
                    while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
                    {
                        await stream.WriteAsync(buffer.AsMemory(0, read), cancellation);
                        total += read;
                        progress?.Report(total);
                    }
                }
                stream.Flush(flushToDisk: true);
                stream.Position = 0;
                IReadOnlyList<ZipArchiveEntry> data;
                try
                {
                    using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
                    data = BrfssSources.DataEntries(zip);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"{source}: the download is not a zip file ({e.Message}).", e);
                }
                // The same rule as reading it later (BrfssSources): CDC's own entry name carries a trailing blank.
                if (data.Count != 1 || !BrfssSources.IsDataFile(data[0]))
                    throw new InvalidDataException($"{source}: expected a zip holding one XPT or CSV file, " +
                        $"found {string.Join(", ", data.Select(e => e.FullName).DefaultIfEmpty("no files"))}.");
            });
            return target;
        }
        finally
        {
            if (owned) client.Dispose();
        }
    }
}
