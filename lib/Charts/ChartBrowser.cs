using PuppeteerSharp;

namespace PopHealth.Charts;

/// <summary>
/// The one headless browser a process draws chart images with: launched (through PuppeteerSharp, from the installed
/// executable; nothing is downloaded) at the first image, kept with one page holding plotly.js, and closed when the
/// process exits. Each image is plotly.js's own export (<c>Plotly.toImage</c>) of the figure exactly as Plotly.NET
/// writes it, so a picture costs a fraction of a second instead of a browser start.
/// </summary>
internal sealed class ChartBrowser
{
    private const int TimeoutMs = 60_000;
    private static readonly object Gate = new();
    private static Task<ChartBrowser>? session;
    private static string? sessionExecutable;
    private static int launches;

    private readonly IBrowser browser;
    private readonly IPage page;
    private readonly DirectoryInfo folder;

    private ChartBrowser(IBrowser browser, IPage page, DirectoryInfo folder) => (this.browser, this.page, this.folder) = (browser, page, folder);

    /// <summary>Browsers started by this process so far.</summary>
    public static int Launches => Volatile.Read(ref launches);

    /// <summary>Why the last start or image failed (null when none did).</summary>
    public static string? LastFailure { get; private set; }

    static ChartBrowser() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Close();

    /// <summary>Starts the browser at <paramref name="executable"/> in the background unless it is running or starting.</summary>
    public static void Start(string executable)
    {
        lock (Gate) Session(executable);
    }

    private static Task<ChartBrowser> Session(string executable)
    {
        if (session is not null && sessionExecutable == executable
            && !(session.IsCompletedSuccessfully && !session.Result.browser.IsConnected)) return session;
        Close();
        sessionExecutable = executable;
        return session = Task.Run(() => StartAsync(executable));
    }

    /// <summary>
    /// The chart as a data URL (<paramref name="format"/> <c>png</c> or <c>svg</c>) drawn in the browser at
    /// <paramref name="executable"/>, or null when it cannot be started or fails (the reason in <see cref="LastFailure"/>).
    /// Renders one at a time; the browser is restarted after a failure or when the executable changes.
    /// </summary>
    public static string? Draw(string executable, Chart chart, string format, int width, int height)
    {
        lock (Gate)
        {
            try
            {
                var started = Session(executable).GetAwaiter().GetResult();
                var url = Task.Run(() => started.DrawAsync(chart, format, width, height)).GetAwaiter().GetResult();
                LastFailure = null;
                return url;
            }
            catch (Exception e) when (e is PuppeteerException or ProcessException or TimeoutException or IOException or InvalidOperationException
                                        or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
            {
                LastFailure = $"the browser at {executable} could not draw the chart ({e.GetType().Name}: {FirstLine(e.Message)})";
                Close();
                return null;
            }
        }
    }

    /// <summary>Closes the browser (the next image starts a new one).</summary>
    public static void Close()
    {
        lock (Gate)
        {
            var closing = session;
            session = null;
            if (closing is null) return;
            try
            {
                if (!closing.Wait(TimeSpan.FromSeconds(TimeoutMs / 1000))) return;
            }
            catch (AggregateException)
            {
                return; // it never started
            }
            var started = closing.Result;
            try { Task.Run(() => started.browser.CloseAsync()).Wait(TimeSpan.FromSeconds(10)); }
            catch (AggregateException) { }
            try { started.browser.Process?.Kill(entireProcessTree: true); }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { }
            try { started.folder.Delete(recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static async Task<ChartBrowser> StartAsync(string executable)
    {
        Interlocked.Increment(ref launches);
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Timeout = TimeoutMs,
            ProtocolTimeout = TimeoutMs,
            Args = ["--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1", "--disable-extensions"],
        });
        var folder = Directory.CreateTempSubdirectory("pophealth-charts-");
        try
        {
            var page = await browser.NewPageAsync();
            page.DefaultTimeout = TimeoutMs;
            // plotly.js once for the process: a chart's self-contained page with its body emptied, loaded from a file
            // (the browser reads 3.5 MB of script from disk far faster than through the DevTools protocol).
            var document = Plots.Bar("", [], []).ToHtmlDocument(PlotlyScript.Embedded);
            var file = Path.Combine(folder.FullName, "plotly.html");
            var (start, end) = Body(document);
            await File.WriteAllTextAsync(file, document[..start] + "<div id=\"pophealth-host\"></div>" + document[end..]);
            await page.GoToAsync(new Uri(file).AbsoluteUri);
            return new ChartBrowser(browser, page, folder);
        }
        catch
        {
            await browser.CloseAsync();
            folder.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Where the body's content lies: plotly.js in the head may itself hold the text "&lt;body&gt;", so from the end.</summary>
    private static (int Start, int End) Body(string document)
    {
        var start = document.LastIndexOf("<body>", StringComparison.OrdinalIgnoreCase);
        var end = document.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        if (start < 0 || end < start) throw new InvalidOperationException("The chart's page from Plotly.NET has no <body>.");
        return (start + "<body>".Length, end);
    }

    private const string Export = """
        async (body, format, width, height) => {
          const host = document.getElementById('pophealth-host');
          host.innerHTML = body;
          for (const script of host.querySelectorAll('script')) (0, eval)(script.textContent);
          const plot = host.querySelector('.js-plotly-plot') || host.querySelector('div[id]');
          try { return await Plotly.toImage(plot, { format: format, width: width, height: height }); }
          finally { Plotly.purge(plot); host.innerHTML = ''; }
        }
        """;

    private async Task<string?> DrawAsync(Chart chart, string format, int width, int height)
    {
        // The chart's page as Plotly.NET writes it for a CDN: its body (the div and the newPlot call) runs in the page
        // that already holds plotly.js.
        var document = chart.ToHtmlDocument(PlotlyScript.Cdn);
        var (start, end) = Body(document);
        return await page.EvaluateFunctionAsync<string?>(Export, document[start..end], format, width, height);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
