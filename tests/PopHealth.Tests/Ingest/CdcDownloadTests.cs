using System.IO.Compression;
using System.Net;
using PopHealth.Ingest;

namespace PopHealth.Tests.Ingest;

/// <summary>The opt-in CDC download, tested offline: a handler serves local bytes in place of CDC's server.</summary>
[Trait("Category", "Unit")]
public class CdcDownloadTests
{
    private sealed class LocalFiles(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<Uri> Requested { get; } = [];
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested.Add(request.RequestUri!);
            return Task.FromResult(answer(request));
        }
    }

    private static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in entries)
                using (var writer = new StreamWriter(zip.CreateEntry(name).Open())) writer.Write(text);
        return memory.ToArray();
    }

    [Fact]
    public async Task The_cdc_zip_is_fetched_checked_and_moved_into_place()
    {
        using var temp = Repo.Temp();
        var body = Zip(("LLCP2024.XPT", "HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!"));
        var handler = new LocalFiles(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) });
        long reported = 0;
        var path = await CdcDownload.FetchAsync(2024, temp.File("raw"), new HttpClient(handler), progress: new Progress<long>(b => reported = b));
        Assert.Equal(new Uri("https://www.cdc.gov/brfss/annual_data/2024/files/LLCP2024XPT.zip"), Assert.Single(handler.Requested));
        Assert.Equal(temp.File("raw/LLCP2024XPT.zip"), path);
        Assert.Equal(body, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(temp.File("raw"))); // no temporary file left behind
    }

    [Fact]
    public async Task The_entry_name_with_cdcs_trailing_blank_is_accepted_as_reading_it_does()
    {
        // Finding 7: the download refused "LLCP2024.XPT " (CDC's own name), which BrfssSources reads.
        using var temp = Repo.Temp();
        var xpt = File.ReadAllBytes(Repo.Path("tests", "fixtures", "xpt", "haven_v5.xpt"));
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = zip.CreateEntry("LLCP2024.XPT ").Open()) entry.Write(xpt);
        var handler = new LocalFiles(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(memory.ToArray()) });
        var path = await CdcDownload.FetchAsync(2024, temp.File("raw"), new HttpClient(handler));
        using var source = BrfssSources.Open(path);
        Assert.Equal("LLCP2024XPT.zip!LLCP2024.XPT ", source.SourceName);
        Assert.Equal(5, source.ReadBatch(100)!.RowCount);
    }

    [Fact]
    public async Task A_failed_or_wrong_download_leaves_nothing_and_says_why()
    {
        using var temp = Repo.Temp();
        var missing = new LocalFiles(_ => new HttpResponseMessage(HttpStatusCode.NotFound));
        Assert.Contains("404",
            (await Assert.ThrowsAsync<HttpRequestException>(() => CdcDownload.FetchAsync(2024, temp.File("raw"), new HttpClient(missing)))).Message);

        var notZip = new LocalFiles(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>maintenance</html>") });
        Assert.Contains("not a zip",
            (await Assert.ThrowsAsync<InvalidDataException>(() => CdcDownload.FetchAsync(2024, temp.File("raw"), new HttpClient(notZip)))).Message);

        var two = new LocalFiles(_ =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Zip(("a.xpt", "x"), ("b.xpt", "y"))) });
        Assert.Contains("one XPT or CSV",
            (await Assert.ThrowsAsync<InvalidDataException>(() => CdcDownload.FetchAsync(2024, temp.File("raw"), new HttpClient(two)))).Message);

        Assert.False(Directory.Exists(temp.File("raw")) && Directory.EnumerateFileSystemEntries(temp.File("raw")).Any());
        Assert.Throws<ArgumentOutOfRangeException>(() => CdcDownload.AnnualFileUri(2005));
    }
}
